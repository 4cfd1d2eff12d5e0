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
  }
}
