package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tiercache.redis.local.LocalRedisServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Health with each tier's state, and DESIGN invariant 6 at the gateway: with its Redis killed, a
 * gateway reports L2 down, stays ready, and still answers reads and invalidations.
 */
class HealthIT {
  static TestDatabase db;
  static LocalRedisServer redis;
  static Gateway gateway;
  static Http http;

  @BeforeAll
  static void start() {
    db = TestDatabase.h2();
    redis = LocalRedisServer.start();
    gateway = Gateway.start(ConfigFile.parse(TwoGateways.yaml(db, redis, "")));
    http = new Http(gateway.url());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    redis.close();
    db.close();
  }

  @Test
  void aHealthyGatewayReportsEveryTierUp() {
    HttpResponse<String> r = http.get("/health");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode health = json(r);
    assertThat(health.get("status").asText()).isEqualTo("UP");
    assertThat(health.get("ready").asBoolean()).isTrue();
    assertThat(health.get("tiers").get("l2").asText()).isEqualTo("UP");
    assertThat(health.get("tiers").get("database").asText()).isEqualTo("UP");
    assertThat(health.get("tiers").get("sources").get("shop").asText()).isEqualTo("UP");
    assertThat(http.get("/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void withRedisGoneTheGatewayIsDegradedButStillServes() {
    http.get("/v1/cache/shop/product:40", "Authorization", bearer(Tokens.ADMIN));
    redis.kill();
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                JsonNode health = json(http.get("/health"));
                assertThat(health.get("tiers").get("l2").asText()).isEqualTo("DOWN");
                assertThat(health.get("status").asText()).isEqualTo("DEGRADED");
                assertThat(health.get("ready").asBoolean()).isTrue();
              });

      HttpResponse<String> cached =
          http.get("/v1/cache/shop/product:40", "Authorization", bearer(Tokens.ADMIN));
      HttpResponse<String> loaded =
          http.get("/v1/cache/shop/product:41", "Authorization", bearer(Tokens.ADMIN));
      HttpResponse<String> invalidated =
          http.send(
              "POST",
              "/invalidate",
              "{\"scope\":\"key\",\"namespace\":\"shop\",\"key\":\"product:40\"}",
              "Authorization",
              bearer(Tokens.ADMIN));

      assertThat(cached.statusCode()).isEqualTo(200);
      assertThat(cached.body()).contains("\"id\":40");
      // From L1 while the node still trusts it; once it has not heard the invalidation bus (on the
      // same Redis) for longer than the class's staleness_epsilon, it stops serving the class from
      // L1 (a consistency window) and the read goes to the source: either way, no client error.
      assertThat(cached.headers().firstValue("X-Cache").orElse("")).isIn("L1", "MISS");

      assertThat(loaded.statusCode()).isEqualTo(200);
      assertThat(loaded.body()).contains("\"id\":41");
      // Redis is gone: applied here and journaled, 202 Accepted; it reaches L2 and the other
      // nodes when Redis answers again (DESIGN invariant 6).
      assertThat(invalidated.statusCode()).as(invalidated.body()).isIn(200, 202);
      assertThat(
              json(http.get("/cache-metrics", "Authorization", bearer(Tokens.METRICS)))
                  .get("l2")
                  .get("up")
                  .asBoolean())
          .isFalse();
    } finally {
      redis.restart();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(json(http.get("/health")).get("tiers").get("l2").asText())
                    .isEqualTo("UP"));
  }
}
