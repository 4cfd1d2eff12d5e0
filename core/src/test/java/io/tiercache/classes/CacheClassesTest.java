package io.tiercache.classes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import io.tiercache.TierCacheException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CacheClassesTest {

  @Test
  void shippedDefaults_haveTheThreeDesignClassesAndACatchAll() {
    CacheClasses d = CacheClasses.defaults();
    CacheClass hot = d.resolve("hot:product:1");
    CacheClass session = d.resolve("session:abc");
    CacheClass blob = d.resolve("blob:9f86d081");
    assertThat(hot.name()).isEqualTo("hot");
    assertThat(hot.refreshStrategy()).isEqualTo(RefreshStrategy.EARLY_PROBABILISTIC);
    assertThat(hot.evictionPolicy()).isEqualTo(EvictionPolicy.TINY_LFU);
    assertThat(session.expiryMode()).isEqualTo(ExpiryMode.SLIDING);
    assertThat(session.writePolicy()).isEqualTo(WritePolicy.WRITE_BACK);
    assertThat(session.edgeCacheable()).isFalse();
    assertThat(blob.l1MaxBytes().bytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(blob.writePolicy()).isEqualTo(WritePolicy.WRITE_ONCE);
    assertThat(blob.ttl()).isEqualTo(Duration.ofDays(7));
    assertThat(d.resolve("anything-else").name()).isEqualTo("default");
  }

  @Test
  void mostSpecificPattern_wins_evenWithAShorterLiteralPrefix() {
    CacheClasses cs =
        CacheClasses.of(
            List.of(
                CacheClass.builder("any", "*").build(),
                CacheClass.builder("user", "user:*").build(),
                CacheClass.builder("detail", "*:profile:detail").build(),
                CacheClass.builder("exact", "user:1:profile:detail").build()));
    assertThat(cs.resolve("user:2").name()).isEqualTo("user");
    assertThat(cs.resolve("user:2:profile:detail").name()).isEqualTo("detail");
    assertThat(cs.resolve("user:1:profile:detail").name()).isEqualTo("exact");
    assertThat(cs.resolve("order:9").name()).isEqualTo("any");
  }

  @Test
  void noMatchingClass_isAClearError() {
    CacheClasses cs = CacheClasses.of(List.of(CacheClass.builder("user", "user:*").build()));
    assertThatThrownBy(() -> cs.resolve("order:1"))
        .isInstanceOf(TierCacheException.class)
        .hasMessageContaining("no cache class matches key 'order:1'");
  }

  @Test
  void thousandsOfRules_resolveLikeABruteForceScan() {
    Random rnd = new Random(7);
    List<CacheClass> rules = new ArrayList<>();
    java.util.Set<String> patterns = new java.util.HashSet<>();
    rules.add(CacheClass.builder("c-any", "*").build());
    for (int i = 0; i < 3000; i++) {
      String pattern =
          switch (i % 4) {
            case 0 -> "t" + (i % 97) + ":*";
            case 1 -> "t" + (i % 97) + ":" + i + ":*";
            case 2 -> "*:" + i;
            default -> "t" + (i % 13) + ":?" + i + "*";
          };
      if (patterns.add(pattern)) {
        rules.add(CacheClass.builder("c" + i, pattern).build());
      }
    }
    CacheClasses cs = CacheClasses.of(rules);
    Comparator<CacheClass> specific =
        (a, b) -> GlobPattern.MOST_SPECIFIC_FIRST.compare(a.keyPattern(), b.keyPattern());
    for (int n = 0; n < 5000; n++) {
      int i = rnd.nextInt(3000);
      String key =
          switch (n % 3) {
            case 0 -> "t" + (i % 97) + ":" + i + ":x" + n;
            case 1 -> "z:" + i;
            default -> "t" + (i % 13) + ":q" + i + "tail";
          };
      CacheClass expected =
          rules.stream().filter(c -> c.keyPattern().matches(key)).min(specific).orElseThrow();
      assertThat(cs.resolve(key).name()).as(key).isEqualTo(expected.name());
    }
  }

  @Test
  void duplicateNamesOrPatterns_areRejected() {
    assertThatThrownBy(
            () ->
                CacheClasses.of(
                    List.of(
                        CacheClass.builder("a", "x:*").build(),
                        CacheClass.builder("a", "y:*").build())))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("'a' is defined twice");
    assertThatThrownBy(
            () ->
                CacheClasses.of(
                    List.of(
                        CacheClass.builder("a", "x:*").build(),
                        CacheClass.builder("b", "x:*").build())))
        .hasMessageContaining("key_pattern");
  }

  @Test
  void yamlWithABadValue_namesClassFieldAndValue() {
    String yaml =
        """
        classes:
          - class: hot
            key_pattern: "hot:*"
            ttl: 30 parsecs
        """;
    assertThatThrownBy(
            () ->
                CacheClasses.fromYaml(
                    new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("class 'hot': ttl")
        .hasMessageContaining("30 parsecs");
  }

  @Test
  void yamlWithAnUnknownField_isRejected() {
    String yaml =
        """
        classes:
          - class: hot
            key_pattern: "hot:*"
            ttl: 30s
            tll_jitter: 0.1
        """;
    assertThatThrownBy(
            () ->
                CacheClasses.fromYaml(
                    new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("tll_jitter")
        .hasMessageContaining("unknown field");
  }
}
