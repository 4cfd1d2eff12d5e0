package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.redis.local.LocalRedisServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateways that share nothing but Redis and the database, as separate processes would: with the
 * default bus (Redis Streams when L2 is on), an invalidation on one reaches the other's L1.
 */
class RedisBusIT {
  static TestDatabase db;
  static LocalRedisServer redis;
  static Gateway first;
  static Gateway second;
  static Http a;
  static Http b;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.h2();
    redis = LocalRedisServer.start();
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
            + " bulk_sql: \"SELECT k, v, version, tags FROM sample_item WHERE k IN (:keys)\"}\n";
    GatewayConfig config = ConfigFile.parse(yaml);
    assertThat(config.bus()).isEqualTo(GatewayConfig.AUTO_BUS);
    first = Gateway.builder(config.withNodeId("a")).start();
    second = Gateway.builder(config.withNodeId("b")).start();
    a = new Http(first.url());
    b = new Http(second.url());
  }

  @AfterAll
  static void stop() throws Exception {
    for (Gateway g : new Gateway[] {first, second}) {
      if (g != null) {
        g.close();
      }
    }
    if (redis != null) {
      redis.close();
    }
    db.close();
  }

  private static HttpResponse<String> read(Http h, String key) {
    return h.get("/v1/cache/shop/" + key, "Authorization", bearer(Tokens.ADMIN));
  }

  @Test
  void invalidationOnOneGateway_dropsTheOthersL1Copy_overRedisStreams() throws Exception {
    read(a, "hot:7");
    // L1 is trusted once the node has heard the bus (a consistency window): at start, reads go to
    // L2 until the first heartbeat arrives.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> read(b, "hot:7").headers().firstValue("X-Cache").orElse("").equals("L1"));

    db.update("UPDATE sample_item SET v = 'changed', version = version + 1 WHERE k = 'hot:7'");
    HttpResponse<String> inv =
        a.send(
            "POST",
            "/invalidate",
            "{\"scope\":\"prefix\",\"namespace\":\"shop\",\"prefix\":\"hot:\",\"reason\":\"test\"}",
            "Authorization",
            bearer(Tokens.ADMIN));
    assertThat(inv.statusCode()).as(inv.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> read(b, "hot:7").body().equals("changed"));
  }
}
