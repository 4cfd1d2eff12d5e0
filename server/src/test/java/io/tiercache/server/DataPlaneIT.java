package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.testing.ManualClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The data plane over HTTP against H2 and a real Redis: read-through, the caching headers, 304,
 * 404, writes and invalidations of one key. Time is a manual clock shared by two gateways, so the
 * remaining freshness can be checked to the second.
 */
class DataPlaneIT {
  static TestDatabase db;
  static LocalRedisServer redis;
  static InvalidationBuses.Shared buses;
  static ManualClock clock;
  static Gateway first;
  static Gateway second;
  static Http a;
  static Http b;
  static String foreignUrl;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.h2();
    redis = LocalRedisServer.start();
    buses = InvalidationBuses.inProcess();
    clock = ManualClock.startingAt2030();
    foreignUrl = "jdbc:h2:mem:foreign_" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(foreignUrl, "sa", "");
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE items (id VARCHAR(64) PRIMARY KEY, body VARCHAR(100), rev BIGINT)");
      st.execute("INSERT INTO items VALUES ('doc:1', 'from another database', 9)");
    }
    String yaml =
        "http: {port: 0}\n"
            + db.yaml(true)
            + "redis: {mode: standalone, uris: [\""
            + redis.uri().toURI()
            + "\"], command_timeout: 1s, timeout: 1s}\n"
            + Tokens.yaml()
            + "namespaces:\n"
            + "  shop:\n"
            + "    source: {type: sql, single_key_sql: \"SELECT v, version, tags FROM sample_item WHERE k = ?\","
            + " bulk_sql: \"SELECT k, v, version, tags FROM sample_item WHERE k IN (:keys)\"}\n"
            + "  foreign:\n"
            + "    public: true\n"
            + "    source: {type: sql, url: \""
            + foreignUrl
            + "\", user: sa, password: \"\", single_key_sql: \"SELECT body, rev FROM items WHERE id = ?\","
            + " bulk_sql: \"SELECT id, body, rev FROM items WHERE id IN (:keys)\"}\n";
    GatewayConfig config = ConfigFile.parse(yaml);
    first = Gateway.builder(config.withNodeId("a")).invalidationBuses(buses).clock(clock).start();
    second = Gateway.builder(config.withNodeId("b")).invalidationBuses(buses).clock(clock).start();
    a = new Http(first.url());
    b = new Http(second.url());
    // A class whose deadlines are exact: no jitter, known stale windows.
    HttpResponse<String> put =
        a.send(
            "PUT",
            "/classes/exact",
            "{\"key_pattern\":\"exact:*\",\"ttl\":\"100s\",\"ttl_jitter\":0,"
                + "\"staleness_epsilon\":\"30s\",\"stale_while_revalidate\":\"10s\","
                + "\"stale_if_error\":\"20s\",\"edge_cacheable\":true,\"tags\":[\"exact\"]}",
            "Authorization",
            bearer(Tokens.ADMIN));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    db.update("INSERT INTO sample_item (k, v, version, tags) VALUES ('exact:1', 'one', 7, 'x,y')");
    db.update("INSERT INTO sample_item (k, v, version, tags) VALUES ('exact:2', 'two', 3, NULL)");
  }

  @AfterAll
  static void stop() throws Exception {
    second.close();
    first.close();
    buses.close();
    redis.close();
    db.close();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(foreignUrl, "sa", "");
        java.sql.Statement st = c.createStatement()) {
      st.execute("SHUTDOWN");
    }
  }

  @Test
  void aMissIsLoadedFromTheSourceThenServedFromL1() {
    HttpResponse<String> miss =
        a.get("/v1/cache/shop/product:11", "Authorization", bearer(Tokens.ADMIN));
    HttpResponse<String> hit =
        a.get("/v1/cache/shop/product:11", "Authorization", bearer(Tokens.ADMIN));

    assertThat(miss.statusCode()).isEqualTo(200);
    assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("L1");
    assertThat(hit.body()).isEqualTo(miss.body()).contains("\"id\":11");
  }

  @Test
  void aValueLoadedByOneGatewayIsAnL2HitOnTheOther() {
    a.get("/v1/cache/shop/product:12", "Authorization", bearer(Tokens.ADMIN));

    HttpResponse<String> other =
        b.get("/v1/cache/shop/product:12", "Authorization", bearer(Tokens.ADMIN));

    assertThat(other.headers().firstValue("X-Cache")).hasValue("L2");
  }

  @Test
  void theEtagIsTheVersionAndAMatchingIfNoneMatchAnswers304() {
    HttpResponse<String> first =
        a.get("/v1/cache/shop/exact:1", "Authorization", bearer(Tokens.ADMIN));
    assertThat(first.headers().firstValue("ETag")).hasValue("\"7\"");

    HttpResponse<String> again =
        a.get(
            "/v1/cache/shop/exact:1",
            "Authorization",
            bearer(Tokens.ADMIN),
            "If-None-Match",
            "W/\"6\", \"7\"");

    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(again.headers().firstValue("ETag")).hasValue("\"7\"");
  }

  @Test
  void maxAgeIsTheRemainingFreshnessOnEveryNode() {
    HttpResponse<String> loaded =
        a.get("/v1/cache/shop/exact:2", "Authorization", bearer(Tokens.ADMIN));
    assertThat(loaded.headers().firstValue("Cache-Control"))
        .hasValue("private, max-age=100, stale-while-revalidate=10, stale-if-error=20");

    clock.advance(Duration.ofSeconds(40));
    HttpResponse<String> l1 =
        a.get("/v1/cache/shop/exact:2", "Authorization", bearer(Tokens.ADMIN));
    // The second node copies the entry from L2 at 40 s: it inherits the deadline, not a new TTL.
    HttpResponse<String> l2 =
        b.get("/v1/cache/shop/exact:2", "Authorization", bearer(Tokens.ADMIN));

    assertThat(l1.headers().firstValue("X-Cache")).hasValue("L1");
    assertThat(l1.headers().firstValue("Cache-Control")).get().asString().contains("max-age=60,");
    assertThat(l2.headers().firstValue("X-Cache")).hasValue("L2");
    assertThat(l2.headers().firstValue("Cache-Control")).get().asString().contains("max-age=60,");
  }

  @Test
  void theSurrogateKeysNameTheNamespaceClassKeyAndTags() {
    HttpResponse<String> r = a.get("/v1/cache/shop/exact:1", "Authorization", bearer(Tokens.ADMIN));

    assertThat(r.headers().firstValue("xkey").orElseThrow().split(" "))
        .contains(
            "tc:ns:shop",
            "tc:class:shop:exact",
            "tc:tag:shop:x",
            "tc:tag:shop:y",
            "tc:tag:shop:exact")
        .anyMatch(k -> k.startsWith("tc:key:shop:"));
  }

  @Test
  void aClassThatIsNotEdgeCacheableIsPrivateAndNoStore() {
    HttpResponse<String> r =
        a.get("/v1/cache/shop/session:1", "Authorization", bearer(Tokens.ADMIN));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("private, no-store");
  }

  @Test
  void anAbsentKeyIs404WithAJsonBodyNamingTheKey() {
    HttpResponse<String> r =
        a.get("/v1/cache/shop/product:999999", "Authorization", bearer(Tokens.ADMIN));

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(json(r).get("error").asText()).isEqualTo("not_found");
    assertThat(json(r).get("field").asText()).isEqualTo("key");
  }

  @Test
  void aPutIsServedWithItsVersionAndADeleteReadsTheSourceAgain() {
    HttpResponse<String> put =
        a.send(
            "PUT",
            "/v1/cache/shop/product:13",
            "written",
            "Authorization",
            bearer(Tokens.SHOP_WRITER),
            "X-Tiercache-Version",
            "5000");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(204);

    HttpResponse<String> read =
        b.get("/v1/cache/shop/product:13", "Authorization", bearer(Tokens.ADMIN));
    assertThat(read.body()).isEqualTo("written");
    assertThat(read.headers().firstValue("ETag")).hasValue("\"5000\"");

    HttpResponse<String> delete =
        a.send(
            "DELETE",
            "/v1/cache/shop/product:13?reason=test",
            null,
            "Authorization",
            bearer(Tokens.ADMIN));
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(200);
    assertThat(json(delete).get("nodesApplied").asInt()).isEqualTo(2);

    HttpResponse<String> after =
        b.get("/v1/cache/shop/product:13", "Authorization", bearer(Tokens.ADMIN));
    assertThat(after.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(after.body()).contains("\"id\":13");
  }

  @Test
  void aNamespaceCanReadFromAnotherDatabase() {
    HttpResponse<String> r = a.get("/v1/cache/foreign/doc:1");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("from another database");
    assertThat(r.headers().firstValue("ETag")).hasValue("\"9\"");
  }

  @Test
  void contentAddressedBlobsAreImmutableAtTheEdge() throws Exception {
    String key;
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
        java.sql.Statement st = c.createStatement()) {
      c.setSchema(db.schema());
      var rs =
          st.executeQuery(
              "SELECT k FROM sample_item WHERE k LIKE 'blob:%' ORDER BY k FETCH FIRST 1 ROWS ONLY");
      rs.next();
      key = rs.getString(1);
    }

    HttpResponse<String> r = a.get("/v1/cache/shop/" + key, "Authorization", bearer(Tokens.ADMIN));

    assertThat(r.headers().firstValue("X-Tc-Class")).hasValue("blob");
    assertThat(r.headers().firstValue("Cache-Control").orElseThrow()).endsWith(", immutable");
  }
}
