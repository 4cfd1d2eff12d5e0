package io.tiercache.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.server.TokenConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthTest {
  final Auth auth =
      new Auth(
          List.of(
              TokenConfig.ofToken("ops", "admin-secret", Set.of("admin")),
              TokenConfig.ofToken("shop", "shop-secret", Set.of("read:shop", "invalidate:*"))));

  @Test
  void aKnownTokenIsThePrincipalOfItsEntry() {
    Auth.Principal p = auth.authenticate("Bearer shop-secret");

    assertThat(p.name()).isEqualTo("shop");
    assertThat(p.may("read", "shop")).isTrue();
    assertThat(p.may("read", "other")).isFalse();
    assertThat(p.may("invalidate", "other")).isTrue();
    assertThat(p.may("write", "shop")).isFalse();
    assertThat(p.admin()).isFalse();
  }

  @Test
  void theSchemeIsCaseInsensitiveAndAdminMayDoAnything() {
    Auth.Principal p = auth.authenticate("bearer admin-secret");

    assertThat(p.may("write", "anything")).isTrue();
  }

  @Test
  void noHeaderIsNoPrincipalButABadOneIsRefused() {
    assertThat(auth.authenticate((String) null)).isNull();
    assertThatThrownBy(() -> auth.authenticate("Bearer nope"))
        .isInstanceOf(ApiException.Unauthorized.class);
    assertThatThrownBy(() -> auth.authenticate("Basic YTpi"))
        .isInstanceOf(ApiException.Unauthorized.class);
    assertThatThrownBy(() -> auth.authenticate("Bearer " + "x".repeat(600)))
        .isInstanceOf(ApiException.Unauthorized.class);
    assertThatThrownBy(() -> auth.authenticate("Bearer " + TokenConfig.sha256Hex("admin-secret")))
        .isInstanceOf(ApiException.Unauthorized.class);
  }

  @Test
  void aMissingScopeIsForbiddenNamingIt() {
    Auth.Principal p = auth.authenticate("Bearer shop-secret");

    assertThatThrownBy(() -> Auth.requireScope(p, "write", "shop"))
        .isInstanceOf(ApiException.Forbidden.class)
        .hasMessageContaining("write:shop");
    assertThatThrownBy(() -> Auth.requireAdmin(p, "metrics"))
        .isInstanceOf(ApiException.Forbidden.class);
  }

  @Test
  void aTokenEntryIsValidated() {
    assertThatThrownBy(() -> new TokenConfig("ops", "zz", Set.of("admin")))
        .hasMessageContaining("sha256");
    assertThatThrownBy(() -> TokenConfig.ofToken("ops", "t", Set.of("root")))
        .hasMessageContaining("scopes");
    assertThatThrownBy(() -> TokenConfig.ofToken("ops", "t", Set.of("read:Shop")))
        .hasMessageContaining("scopes");
  }
}
