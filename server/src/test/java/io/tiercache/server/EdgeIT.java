package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway as the origin of a real Varnish running the project's VCL: the edge caches what the
 * gateway lets it, for as long as the gateway says, and every invalidation scope reaches it through
 * the gateway's purger.
 */
class EdgeIT {
  @RegisterExtension
  static final EdgeFixture fixture =
      new EdgeFixture(
          edgePort -> "edge: {varnish: [\"http://127.0.0.1:" + edgePort + "\"], timeout: 2s}\n");

  static TestDatabase db;
  static Http origin;
  static Http edge;

  @BeforeAll
  static void start() throws Exception {
    db = fixture.db();
    origin = fixture.origin();
    edge = fixture.edge();
    fixture.defineClass(
        "edge",
        "{\"key_pattern\":\"edge:*\",\"ttl\":\"10m\",\"staleness_epsilon\":\"2s\","
            + "\"stale_while_revalidate\":\"2s\",\"stale_if_error\":\"2s\",\"edge_cacheable\":true}");
    for (String k :
        List.of(
            "edge:key:1",
            "edge:keys:1",
            "edge:keys:2",
            "edge:pre:a:1",
            "edge:pre:b:1",
            "edge:tag:1",
            "edge:class:1",
            "edge:all:1",
            "edge:untouched:1")) {
      String tags = k.startsWith("edge:tag:") ? "'t-blue'" : "NULL";
      db.update(
          "INSERT INTO sample_item (k, v, version, tags) VALUES ('"
              + k
              + "', 'old', 1, "
              + tags
              + ")");
    }
    fixture.awaitEdgeServes("/v1/cache/open/edge:untouched:1");
  }

  @Test
  void theEdgeCachesForTheRemainingFreshnessTheGatewayGave() {
    edge.get("/v1/cache/open/edge:untouched:1");
    HttpResponse<String> hit = edge.get("/v1/cache/open/edge:untouched:1");

    assertThat(hit.headers().firstValue("X-Edge")).hasValue("HIT");
    assertThat(hit.headers().firstValue("Cache-Control").orElseThrow())
        .startsWith("public, max-age=");
    assertThat(hit.headers().firstValue("ETag")).hasValue("\"1\"");
  }

  @Test
  void privateNamespacesAndNoStoreClassesAreNeverStoredAtTheEdge() {
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> priv =
          edge.get("/v1/cache/shop/product:1", "Authorization", bearer(Tokens.ADMIN));
      HttpResponse<String> noStore = edge.get("/v1/cache/open/session:1");
      assertThat(priv.statusCode()).isEqualTo(200);
      assertThat(priv.headers().firstValue("X-Edge")).hasValue("MISS");
      assertThat(noStore.headers().firstValue("Cache-Control")).hasValue("private, no-store");
      assertThat(noStore.headers().firstValue("X-Edge")).hasValue("MISS");
    }
  }

  @Test
  void aTagInvalidationReachesTheEdge() throws Exception {
    assertInvalidationReachesTheEdge(
        List.of("edge:tag:1"), "{\"scope\":\"tag\",\"tag\":\"t-blue\"}");
  }

  @Test
  void aKeyInvalidationReachesTheEdge() throws Exception {
    assertInvalidationReachesTheEdge(
        List.of("edge:key:1"), "{\"scope\":\"key\",\"key\":\"edge:key:1\"}");
  }

  @Test
  void aKeyListInvalidationReachesTheEdge() throws Exception {
    assertInvalidationReachesTheEdge(
        List.of("edge:keys:1", "edge:keys:2"),
        "{\"scope\":\"keys\",\"keys\":[\"edge:keys:1\",\"edge:keys:2\"]}");
  }

  @Test
  void aPrefixInvalidationReachesTheEdgeAsABan() throws Exception {
    assertInvalidationReachesTheEdge(
        List.of("edge:pre:a:1"), "{\"scope\":\"prefix\",\"prefix\":\"edge:pre:a:\"}");
    HttpResponse<String> outside = edge.get("/v1/cache/open/edge:pre:b:1");
    assertThat(outside.headers().firstValue("X-Edge")).hasValue("HIT");
  }

  @Test
  void aClassInvalidationReachesTheEdge() throws Exception {
    assertInvalidationReachesTheEdge(
        List.of("edge:class:1"), "{\"scope\":\"class\",\"class\":\"edge\"}");
  }

  @Test
  void anInvalidationOfEverythingReachesTheEdge() throws Exception {
    assertInvalidationReachesTheEdge(List.of("edge:all:1"), "{\"scope\":\"all\"}");
  }

  @Test
  void aDeleteOfAKeyReachesTheEdge() throws Exception {
    db.update("INSERT INTO sample_item (k, v, version) VALUES ('edge:del:1', 'old', 1)");
    warmAtTheEdge("edge:del:1");
    db.update("UPDATE sample_item SET v = 'new', version = 2 WHERE k = 'edge:del:1'");

    HttpResponse<String> delete =
        origin.send(
            "DELETE", "/v1/cache/open/edge:del:1", null, "Authorization", bearer(Tokens.ADMIN));

    assertThat(json(delete).get("edge").get("purged").asInt()).isEqualTo(1);
    awaitNewAtTheEdge("edge:del:1");
  }

  private static void assertInvalidationReachesTheEdge(List<String> keys, String body)
      throws Exception {
    for (String k : keys) {
      warmAtTheEdge(k);
    }
    warmAtTheEdge("edge:pre:b:1");
    for (String k : keys) {
      db.update("UPDATE sample_item SET v = 'new', version = version + 1 WHERE k = '" + k + "'");
    }

    HttpResponse<String> r =
        origin.send(
            "POST",
            "/invalidate",
            body.replaceFirst("\\{", "{\"namespace\":\"open\","),
            "Authorization",
            bearer(Tokens.ADMIN));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode edgeResult = json(r).get("edge");
    assertThat(edgeResult.get("targets").asInt()).isEqualTo(1);
    assertThat(edgeResult.get("purged").asInt()).as(r.body()).isEqualTo(1);
    for (String k : keys) {
      awaitNewAtTheEdge(k);
    }
  }

  private static void warmAtTheEdge(String key) {
    edge.get("/v1/cache/open/" + key);
    HttpResponse<String> hit = edge.get("/v1/cache/open/" + key);
    assertThat(hit.headers().firstValue("X-Edge")).as(key).hasValue("HIT");
    assertThat(hit.body()).isEqualTo("old");
  }

  /**
   * A soft purge lets the edge serve the old value within its grace (the class's 2 s
   * stale-while-revalidate) while one refetch runs; after that, only the new value.
   */
  private static void awaitNewAtTheEdge(String key) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(edge.get("/v1/cache/open/" + key).body()).isEqualTo("new"));
  }
}
