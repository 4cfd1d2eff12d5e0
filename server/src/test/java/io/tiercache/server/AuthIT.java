package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The authorization matrix: every endpoint, every kind of credential, the status each must get
 * (DESIGN invariant 11: no one in without a credential, a tenant only in its own namespaces).
 */
class AuthIT {
  @RegisterExtension static final OneGateway GW = new OneGateway();

  private static final String NONE = null;
  private static final String UNKNOWN = "not-a-known-token";
  private static final String TAG = "{\"scope\":\"tag\",\"namespace\":\"shop\",\"tag\":\"t\"}";
  private static final String TAG_OTHER =
      "{\"scope\":\"tag\",\"namespace\":\"other\",\"tag\":\"t\"}";
  private static final String WARMUP = "{\"namespace\":\"shop\",\"keys\":[\"hot:1\"]}";
  private static final String CLASS = "{\"key_pattern\":\"authz:*\",\"ttl\":\"1m\"}";

  static Stream<Arguments> matrix() {
    List<Arguments> rows = new ArrayList<>();
    // method, path, body, token, expected status
    String read = "/v1/cache/shop/hot:1";
    row(rows, "GET", read, null, NONE, 401);
    row(rows, "GET", read, null, UNKNOWN, 401);
    row(rows, "GET", read, null, Tokens.SHOP_READER, 200);
    row(rows, "GET", read, null, Tokens.SHOP_WRITER, 200);
    row(rows, "GET", read, null, Tokens.SHOP_INVALIDATOR, 403);
    row(rows, "GET", read, null, Tokens.OTHER_TENANT, 403);
    row(rows, "GET", read, null, Tokens.METRICS, 403);
    row(rows, "GET", read, null, Tokens.ADMIN, 200);
    row(rows, "GET", "/v1/cache/open/hot:1", null, NONE, 200);
    row(rows, "GET", "/v1/cache/open/hot:1", null, UNKNOWN, 401);
    row(rows, "GET", "/v1/cache/open/hot:1", null, Tokens.OTHER_TENANT, 200);
    row(rows, "GET", "/v1/cache/nosuch/hot:1", null, Tokens.OTHER_TENANT, 403);
    row(rows, "GET", "/v1/cache/nosuch/hot:1", null, Tokens.ADMIN, 404);
    String write = "/v1/cache/shop/authz:1";
    row(rows, "PUT", write, "v", NONE, 401);
    row(rows, "PUT", write, "v", Tokens.SHOP_READER, 403);
    row(rows, "PUT", write, "v", Tokens.SHOP_INVALIDATOR, 403);
    row(rows, "PUT", write, "v", Tokens.OTHER_TENANT, 403);
    row(rows, "PUT", write, "v", Tokens.SHOP_WRITER, 204);
    row(rows, "PUT", write, "v", Tokens.ADMIN, 204);
    row(rows, "PUT", "/v1/cache/open/authz:1", "v", NONE, 401);
    row(rows, "DELETE", write, null, NONE, 401);
    row(rows, "DELETE", write, null, Tokens.SHOP_READER, 403);
    row(rows, "DELETE", write, null, Tokens.SHOP_WRITER, 403);
    row(rows, "DELETE", write, null, Tokens.OTHER_TENANT, 403);
    row(rows, "DELETE", write, null, Tokens.SHOP_INVALIDATOR, 200);
    row(rows, "DELETE", write, null, Tokens.ADMIN, 200);
    row(rows, "POST", "/invalidate", TAG, NONE, 401);
    row(rows, "POST", "/invalidate", TAG, UNKNOWN, 401);
    row(rows, "POST", "/invalidate", TAG, Tokens.SHOP_READER, 403);
    row(rows, "POST", "/invalidate", TAG, Tokens.SHOP_WRITER, 403);
    row(rows, "POST", "/invalidate", TAG, Tokens.OTHER_TENANT, 403);
    row(rows, "POST", "/invalidate", TAG, Tokens.METRICS, 403);
    row(rows, "POST", "/invalidate", TAG, Tokens.SHOP_INVALIDATOR, 200);
    row(rows, "POST", "/invalidate", TAG, Tokens.ADMIN, 200);
    row(rows, "POST", "/invalidate", TAG_OTHER, Tokens.OTHER_TENANT, 200);
    row(rows, "POST", "/invalidate", TAG_OTHER, Tokens.SHOP_INVALIDATOR, 403);
    row(rows, "POST", "/warmup", WARMUP, NONE, 401);
    row(rows, "POST", "/warmup", WARMUP, Tokens.SHOP_READER, 403);
    row(rows, "POST", "/warmup", WARMUP, Tokens.OTHER_TENANT, 403);
    row(rows, "POST", "/warmup", WARMUP, Tokens.SHOP_WRITER, 202);
    row(rows, "GET", "/warmup", null, NONE, 401);
    row(rows, "GET", "/warmup", null, Tokens.SHOP_READER, 200);
    for (String p : List.of("/cache-metrics", "/metrics", "/classes", "/classes/hot")) {
      row(rows, "GET", p, null, NONE, 401);
      row(rows, "GET", p, null, Tokens.SHOP_READER, 403);
      row(rows, "GET", p, null, Tokens.METRICS, 200);
      row(rows, "GET", p, null, Tokens.ADMIN, 200);
    }
    row(rows, "PUT", "/classes/authz", CLASS, NONE, 401);
    row(rows, "PUT", "/classes/authz", CLASS, Tokens.METRICS, 403);
    row(rows, "PUT", "/classes/authz", CLASS, Tokens.SHOP_WRITER, 403);
    row(rows, "PUT", "/classes/authz", CLASS, Tokens.ADMIN, 200);
    row(rows, "DELETE", "/classes/nosuch", null, Tokens.METRICS, 403);
    row(rows, "DELETE", "/classes/nosuch", null, Tokens.ADMIN, 404);
    row(rows, "GET", "/audit", null, NONE, 401);
    row(rows, "GET", "/audit", null, Tokens.METRICS, 403);
    row(rows, "GET", "/audit", null, Tokens.SHOP_INVALIDATOR, 403);
    row(rows, "GET", "/audit", null, Tokens.ADMIN, 200);
    row(rows, "GET", "/health", null, NONE, 200);
    row(rows, "GET", "/health/live", null, NONE, 200);
    row(rows, "GET", "/dashboard", null, NONE, 200);
    return rows.stream();
  }

  private static void row(
      List<Arguments> rows, String method, String path, String body, String token, int status) {
    rows.add(
        Arguments.of(
            method, path, body, token == null ? "(none)" : tokenName(token), token, status));
  }

  private static String tokenName(String token) {
    return token.equals(UNKNOWN) ? "unknown" : token.substring(0, token.lastIndexOf('-'));
  }

  @ParameterizedTest(name = "{0} {1} with token {3} answers {5}")
  @MethodSource("matrix")
  void everyEndpointAnswersEachCredentialAsItsScopesSay(
      String method, String path, String body, String tokenName, String token, int status) {
    HttpResponse<String> r =
        token == null
            ? GW.http().send(method, path, body)
            : GW.http().send(method, path, body, "Authorization", bearer(token));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    if (status == 401) {
      assertThat(r.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Bearer");
    }
    if (status >= 400) {
      assertThat(json(r).get("error").asText()).isNotBlank();
      assertThat(json(r).has("field")).isTrue();
    }
  }

  @Test
  void aTokenIsComparedByItsHashOnly() {
    HttpResponse<String> hash =
        GW.http()
            .get("/cache-metrics", "Authorization", bearer(TokenConfig.sha256Hex(Tokens.ADMIN)));

    assertThat(hash.statusCode()).isEqualTo(401);
    assertThat(hash.headers().firstValue("WWW-Authenticate"))
        .get()
        .asString()
        .contains("invalid_token");
  }

  @Test
  void anotherAuthenticationSchemeIsRefused() {
    HttpResponse<String> basic =
        GW.http().get("/cache-metrics", "Authorization", "Basic YWRtaW46YWRtaW4=");

    assertThat(basic.statusCode()).isEqualTo(401);
  }
}
