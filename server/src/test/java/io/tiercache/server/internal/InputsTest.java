package io.tiercache.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InputsTest {
  final Inputs inputs = new Inputs(16);

  @ParameterizedTest(name = "key {0} is accepted")
  @ValueSource(strings = {"hot:1", "a/b/c", "user@example.com", "x=1,y=2", "v1.2.3", "a-b_c#d+e"})
  void wellFormedKeysAreAccepted(String key) {
    assertThat(inputs.key("key", key)).isEqualTo(key);
  }

  @ParameterizedTest(name = "key \"{0}\" is refused")
  @ValueSource(
      strings = {
        "",
        "seventeen-chars-x",
        "a b",
        "caf\u00e9",
        "k\u0000",
        "star*",
        "q?",
        "/lead",
        "trail/",
        "a//b",
        "a/../b",
        "./a",
        "a/.."
      })
  void malformedKeysAreRefusedNamingTheField(String key) {
    assertThatThrownBy(() -> inputs.key("keys[3]", key))
        .isInstanceOf(ApiException.BadRequest.class)
        .extracting(e -> ((ApiException) e).field())
        .isEqualTo("keys[3]");
  }

  @Test
  void aPrefixMayEndWithASlashButAKeyMayNot() {
    assertThat(inputs.prefix("prefix", "users/")).isEqualTo("users/");
    assertThatThrownBy(() -> inputs.key("key", "users/"))
        .isInstanceOf(ApiException.BadRequest.class);
    assertThatThrownBy(() -> inputs.prefix("prefix", ""))
        .isInstanceOf(ApiException.BadRequest.class);
  }

  @Test
  void reservedTagsAndMalformedClassNamesAreRefused() {
    assertThat(inputs.tag("tag", "category:7")).isEqualTo("category:7");
    assertThatThrownBy(() -> inputs.tag("tag", "tc:ns:x"))
        .isInstanceOf(ApiException.BadRequest.class);
    assertThatThrownBy(() -> inputs.className("class", "Hot"))
        .isInstanceOf(ApiException.BadRequest.class);
    assertThatThrownBy(() -> inputs.namespace("../etc"))
        .isInstanceOf(ApiException.BadRequest.class);
  }

  @Test
  void aReasonMayNotHoldControlCharacters() {
    assertThat(inputs.reason("reason", null)).isEmpty();
    assertThatThrownBy(() -> inputs.reason("reason", "a\nb"))
        .isInstanceOf(ApiException.BadRequest.class);
    assertThatThrownBy(() -> inputs.reason("reason", "x".repeat(513)))
        .isInstanceOf(ApiException.BadRequest.class);
  }

  @ParameterizedTest(name = "body {0} is refused")
  @ValueSource(
      strings = {
        "{\"a\":1,\"a\":2}",
        "{\"a\":1} {}",
        "{/*c*/\"a\":1}",
        "[1]",
        "{\"unknown\":1}",
        "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
        "{\"a\":",
      })
  void bodiesAreParsedStrictly(String body) {
    assertThatThrownBy(() -> Inputs.jsonObject(body.getBytes(StandardCharsets.UTF_8), Set.of("a")))
        .isInstanceOf(ApiException.BadRequest.class);
  }

  @Test
  void invalidUtf8IsRefusedRatherThanReplaced() {
    assertThatThrownBy(() -> Inputs.utf8("body", new byte[] {(byte) 0xC3, 0x28}))
        .isInstanceOf(ApiException.BadRequest.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void wrongTypesAreNamed() {
    var node = Inputs.jsonObject("{\"a\":1}".getBytes(StandardCharsets.UTF_8), Set.of("a"));

    assertThatThrownBy(() -> Inputs.text(node, "a"))
        .isInstanceOf(ApiException.BadRequest.class)
        .extracting(e -> ((ApiException) e).field())
        .isEqualTo("a");
    assertThatThrownBy(() -> Inputs.texts(node, "a", 10))
        .isInstanceOf(ApiException.BadRequest.class);
  }
}
