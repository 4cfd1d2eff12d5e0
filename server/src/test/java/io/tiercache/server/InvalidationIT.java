package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invalidation of every scope on a fleet of two gateways over PostgreSQL and Redis: the source
 * changes, an invalidation is posted to one gateway, and both serve the new value at once (so L1 of
 * both and L2 were invalidated); keys outside the scope stay cached; the audit log has the row.
 * Also: cache classes changed on one gateway take effect on the other within seconds.
 */
class InvalidationIT {
  /** Every key the tests read; each invalidation test warms them all on both nodes first. */
  static final List<String> WARMED =
      List.of(
          "k:1",
          "k:2",
          "ks:1",
          "ks:2",
          "ks:3",
          "pre:a:1",
          "pre:a:2",
          "pre:b:1",
          "tag:1",
          "tag:2",
          "notag:1",
          "invcls:1",
          "invcls:2",
          "all:1");

  static TwoGateways fleet;

  @BeforeAll
  static void start() throws Exception {
    fleet = new TwoGateways(TestDatabase.postgres(), "");
    fleet.putClass(
        "invcls", "{\"key_pattern\":\"invcls:*\",\"ttl\":\"10m\",\"edge_cacheable\":true}");
    for (String key : WARMED) {
      String tags = key.startsWith("tag:") ? "'t-red'" : "NULL";
      fleet.db.update(
          "INSERT INTO sample_item (k, v, version, tags) VALUES ('"
              + key
              + "', 'old "
              + key
              + "', 1, "
              + tags
              + ")");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    fleet.close();
  }

  @Test
  void aKeyInvalidationReachesL1AndL2OfEveryNode() throws Exception {
    JsonNode answer = changeAndInvalidate(List.of("k:1"), "{\"scope\":\"key\",\"key\":\"k:1\"}");

    assertThat(answer.get("scope").asText()).isEqualTo("key");
    assertNewEverywhere("k:1");
    assertStillCached("k:2");
  }

  @Test
  void aKeyListInvalidationReachesEveryNode() throws Exception {
    changeAndInvalidate(
        List.of("ks:1", "ks:2"), "{\"scope\":\"keys\",\"keys\":[\"ks:1\",\"ks:2\"]}");

    assertNewEverywhere("ks:1");
    assertNewEverywhere("ks:2");
    assertStillCached("ks:3");
  }

  @Test
  void aPrefixInvalidationCoversTheKeysStartingWithIt() throws Exception {
    changeAndInvalidate(
        List.of("pre:a:1", "pre:a:2"), "{\"scope\":\"prefix\",\"prefix\":\"pre:a:\"}");

    assertNewEverywhere("pre:a:1");
    assertNewEverywhere("pre:a:2");
    assertStillCached("pre:b:1");
  }

  @Test
  void aTagInvalidationCoversTheValuesCarryingTheTag() throws Exception {
    changeAndInvalidate(List.of("tag:1", "tag:2"), "{\"scope\":\"tag\",\"tag\":\"t-red\"}");

    assertNewEverywhere("tag:1");
    assertNewEverywhere("tag:2");
    assertStillCached("notag:1");
  }

  @Test
  void aClassInvalidationCoversTheKeysOfTheClass() throws Exception {
    changeAndInvalidate(
        List.of("invcls:1", "invcls:2"), "{\"scope\":\"class\",\"class\":\"invcls\"}");

    assertNewEverywhere("invcls:1");
    assertNewEverywhere("invcls:2");
  }

  @Test
  void anInvalidationOfEverythingCoversTheWholeNamespaceOnly() throws Exception {
    warm("all:1", "open");
    changeAndInvalidate(List.of("all:1"), "{\"scope\":\"all\"}");

    assertNewEverywhere("all:1");
    // The namespace 'open' reads the same table but is another cache: untouched.
    HttpResponse<String> open = fleet.httpA.get("/v1/cache/open/all:1");
    assertThat(open.headers().firstValue("X-Cache")).hasValue("L1");
    assertThat(open.body()).isEqualTo("old all:1");
  }

  @Test
  void everyInvalidationIsAuditedWithWhoWhatWhyAndHowFarItGot() throws Exception {
    JsonNode answer =
        changeAndInvalidate(
            List.of(), "{\"scope\":\"tag\",\"tag\":\"t-audit\",\"reason\":\"audit test\"}");

    HttpResponse<String> audit =
        fleet.httpB.get(
            "/audit?scope=tag&actor=shop-invalidator&limit=50",
            "Authorization",
            bearer(Tokens.ADMIN));
    assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
    JsonNode row = null;
    for (JsonNode e : json(audit).get("entries")) {
      if (e.get("auditId").asLong() == answer.get("auditId").asLong()) {
        row = e;
      }
    }
    assertThat(row).as(audit.body()).isNotNull();
    assertThat(row.get("actor").asText()).isEqualTo("shop-invalidator");
    assertThat(row.get("namespace").asText()).isEqualTo("shop");
    assertThat(row.get("values").get(0).asText()).isEqualTo("t-audit");
    assertThat(row.get("reason").asText()).isEqualTo("audit test");
    assertThat(row.get("sequence").asLong()).isEqualTo(answer.get("sequence").asLong());
    assertThat(row.get("nodesApplied").asInt()).isEqualTo(2);
    assertThat(row.get("convergeMs").isNumber()).isTrue();
    assertThat(row.get("requestedAt").asText()).isNotBlank();
  }

  @Test
  void aClassChangedOnOneGatewayTakesEffectOnTheOtherWithinSeconds() throws Exception {
    fleet.db.update("INSERT INTO sample_item (k, v, version) VALUES ('prop:1', 'p', 1)");
    fleet.db.update("INSERT INTO sample_item (k, v, version) VALUES ('prop:2', 'q', 1)");
    HttpResponse<String> before =
        fleet.httpB.get("/v1/cache/shop/prop:1", "Authorization", bearer(Tokens.ADMIN));
    assertThat(before.headers().firstValue("X-Tc-Class")).hasValue("default");

    fleet.putClass(
        "propagated",
        "{\"key_pattern\":\"prop:*\",\"ttl\":\"42s\",\"ttl_jitter\":0,\"edge_cacheable\":true}");

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        fleet
                            .httpB
                            .get("/v1/cache/shop/prop:1", "Authorization", bearer(Tokens.ADMIN))
                            .headers()
                            .firstValue("X-Tc-Class"))
                    .hasValue("propagated"));
    // A key first loaded under the new class gets its TTL (one loaded before keeps its deadline).
    HttpResponse<String> fresh =
        fleet.httpB.get("/v1/cache/shop/prop:2", "Authorization", bearer(Tokens.ADMIN));
    // Floored: the header never promises more than is left.
    assertThat(fresh.headers().firstValue("Cache-Control").orElseThrow())
        .matches("private, max-age=4[12]");
    HttpResponse<String> classes =
        fleet.httpB.get("/classes/propagated", "Authorization", bearer(Tokens.METRICS));
    assertThat(json(classes).get("ttl").asLong()).isEqualTo(42_000);
  }

  // --- helpers -------------------------------------------------------------------------------

  private static void warm(String key, String ns) {
    for (Http h : List.of(fleet.httpA, fleet.httpB)) {
      h.get("/v1/cache/" + ns + "/" + key, "Authorization", bearer(Tokens.ADMIN));
      // A node trusts its L1 once it has heard the invalidation bus (its consistency window);
      // right after start that takes one poll of the bus.
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          h.get(
                                  "/v1/cache/" + ns + "/" + key,
                                  "Authorization",
                                  bearer(Tokens.ADMIN))
                              .headers()
                              .firstValue("X-Cache"))
                      .as(key)
                      .hasValue("L1"));
    }
  }

  /** Warms {@code keys} on both nodes, changes them at the source, posts the invalidation. */
  private static JsonNode changeAndInvalidate(List<String> changed, String body) throws Exception {
    for (String k : WARMED) {
      warm(k, "shop");
    }
    for (String k : changed) {
      fleet.db.update(
          "UPDATE sample_item SET v = 'new "
              + k
              + "', version = version + 1 WHERE k = '"
              + k
              + "'");
    }
    String request = body.replaceFirst("\\{", "{\"namespace\":\"shop\",");
    HttpResponse<String> r =
        fleet.httpA.send(
            "POST", "/invalidate", request, "Authorization", bearer(Tokens.SHOP_INVALIDATOR));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = json(r);
    assertThat(answer.get("nodesApplied").asInt()).as(r.body()).isEqualTo(2);
    assertThat(answer.get("nodesExpected").asInt()).isEqualTo(2);
    assertThat(answer.get("converged").asBoolean()).isTrue();
    assertThat(answer.get("auditId").asLong()).isPositive();
    return answer;
  }

  private static void assertNewEverywhere(String key) {
    for (Http h : List.of(fleet.httpB, fleet.httpA)) {
      HttpResponse<String> r =
          h.get("/v1/cache/shop/" + key, "Authorization", bearer(Tokens.ADMIN));
      assertThat(r.body()).as(key + " via " + h).isEqualTo("new " + key);
    }
  }

  private static void assertStillCached(String key) {
    for (Http h : List.of(fleet.httpB, fleet.httpA)) {
      HttpResponse<String> r =
          h.get("/v1/cache/shop/" + key, "Authorization", bearer(Tokens.ADMIN));
      assertThat(r.headers().firstValue("X-Cache")).as(key).hasValue("L1");
      assertThat(r.body()).isEqualTo("old " + key);
    }
  }
}
