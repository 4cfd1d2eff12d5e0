package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Health with each tier's state, and DESIGN invariant 6 at the gateway: with its Redis killed, a
 * gateway reports L2 down, stays ready, and still answers reads and invalidations.
 */
class HealthIT {
  @RegisterExtension static final OneGateway GW = new OneGateway();

  @Test
  void aHealthyGatewayReportsEveryTierUp() {
    HttpResponse<String> r = GW.http().get("/health");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode health = json(r);
    assertThat(health.get("status").asText()).isEqualTo("UP");
    assertThat(health.get("ready").asBoolean()).isTrue();
    assertThat(health.get("tiers").get("l2").asText()).isEqualTo("UP");
    assertThat(health.get("tiers").get("database").asText()).isEqualTo("UP");
    assertThat(health.get("tiers").get("sources").get("shop").asText()).isEqualTo("UP");
    assertThat(GW.http().get("/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void withRedisGoneTheGatewayIsDegradedButStillServes() {
    GW.http().get("/v1/cache/shop/product:40", "Authorization", bearer(Tokens.ADMIN));
    GW.redis().kill();
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                JsonNode health = json(GW.http().get("/health"));
                assertThat(health.get("tiers").get("l2").asText()).isEqualTo("DOWN");
                assertThat(health.get("status").asText()).isEqualTo("DEGRADED");
                assertThat(health.get("ready").asBoolean()).isTrue();
              });
      // The bus lives on the same Redis: silent for longer than the classes' epsilons, the node
      // reports it has not caught up, and stays ready (it reads past L1 instead).
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () -> {
                JsonNode health = json(GW.http().get("/health"));
                JsonNode shop = health.get("bus").get("shop");
                assertThat(health.get("tiers").get("bus").asText()).isEqualTo("DEGRADED");
                assertThat(shop.get("connected").asBoolean()).isFalse();
                assertThat(shop.get("caughtUp").asBoolean()).isFalse();
                assertThat(shop.get("l1BypassedClasses")).isNotEmpty();
                assertThat(health.get("ready").asBoolean()).isTrue();
              });

      HttpResponse<String> cached =
          GW.http().get("/v1/cache/shop/product:40", "Authorization", bearer(Tokens.ADMIN));
      HttpResponse<String> loaded =
          GW.http().get("/v1/cache/shop/product:41", "Authorization", bearer(Tokens.ADMIN));
      HttpResponse<String> invalidated =
          GW.http()
              .send(
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
              json(GW.http().get("/cache-metrics", "Authorization", bearer(Tokens.METRICS)))
                  .get("l2")
                  .get("up")
                  .asBoolean())
          .isFalse();
    } finally {
      GW.redis().restart();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(json(GW.http().get("/health")).get("tiers").get("l2").asText())
                    .isEqualTo("UP"));
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              JsonNode shop = json(GW.http().get("/health")).get("bus").get("shop");
              assertThat(shop.get("connected").asBoolean()).isTrue();
              assertThat(shop.get("caughtUp").asBoolean()).as(shop.toString()).isTrue();
              assertThat(shop.get("journaled").asLong()).isZero();
            });
  }

  @Test
  void healthReportsHowFarEachNamespaceHasCaughtUpWithItsBus() {
    HttpResponse<String> inv =
        GW.http()
            .send(
                "POST",
                "/invalidate",
                "{\"scope\":\"key\",\"namespace\":\"other\",\"key\":\"product:1\"}",
                "Authorization",
                bearer(Tokens.ADMIN));
    assertThat(inv.statusCode()).as(inv.body()).isEqualTo(200);
    long sequence = json(inv).get("sequence").asLong();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode health = json(GW.http().get("/health"));
              JsonNode other = health.get("bus").get("other");
              assertThat(health.get("tiers").get("bus").asText()).isEqualTo("UP");
              assertThat(other.get("kind").asText()).isEqualTo("redis");
              assertThat(other.get("connected").asBoolean()).isTrue();
              assertThat(other.get("caughtUp").asBoolean()).isTrue();
              assertThat(other.get("appliedSequence").asLong()).isGreaterThanOrEqualTo(sequence);
              assertThat(other.get("fleetWatermark").asLong()).isGreaterThanOrEqualTo(sequence);
              assertThat(other.get("behindFleet").asLong()).isZero();
              assertThat(other.get("liveNodes").asInt()).isEqualTo(1);
              assertThat(other.get("silenceMs").asLong()).isLessThan(2000);
              assertThat(other.get("lastHeard").asText()).isNotEmpty();
              assertThat(other.get("l1BypassedClasses")).isEmpty();
              assertThat(health.get("bus").has("shop")).isTrue();
              assertThat(health.get("bus").has("open")).isTrue();
            });
  }
}
