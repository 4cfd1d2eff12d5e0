package io.tiercache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The edge's stale-if-error, driven by the gateway's own {@code Cache-Control}: with the gateway
 * (its origin) stopped, a real Varnish running the project's VCL keeps serving the object past its
 * {@code max-age} for as long as {@code stale-if-error} allows, and refuses (503) once that window
 * has passed. A class with a 3 s TTL and a 5 s stale-if-error keeps the test to about ten seconds.
 */
class EdgeStaleIfErrorIT {
  private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)");
  private static final Pattern STALE_IF_ERROR = Pattern.compile("stale-if-error=(\\d+)");

  @RegisterExtension static final EdgeFixture fixture = new EdgeFixture(edgePort -> "");

  static Http edge;

  @BeforeAll
  static void start() throws Exception {
    edge = fixture.edge();
    fixture.defineClass(
        "sie",
        "{\"key_pattern\":\"sie:*\",\"ttl\":\"3s\",\"ttl_jitter\":0,"
            + "\"staleness_epsilon\":\"5s\",\"stale_while_revalidate\":\"1s\","
            + "\"stale_if_error\":\"5s\",\"edge_cacheable\":true}");
    fixture.db().update("INSERT INTO sample_item (k, v, version) VALUES ('sie:1', 'kept', 1)");
    fixture.awaitEdgeServes("/v1/cache/open/product:1");
  }

  @Test
  void withTheGatewayDown_theEdgeServesStaleWithinStaleIfError_andRefusesAfterIt() {
    long fetchedAt = System.nanoTime();
    HttpResponse<String> miss = edge.get("/v1/cache/open/sie:1");
    assertThat(miss.headers().firstValue("X-Edge")).hasValue("MISS");
    String cacheControl = miss.headers().firstValue("Cache-Control").orElseThrow();
    long maxAge = seconds(MAX_AGE, cacheControl);
    long staleIfError = seconds(STALE_IF_ERROR, cacheControl);
    assertThat(maxAge).as(cacheControl).isBetween(1L, 3L);
    assertThat(staleIfError).as(cacheControl).isEqualTo(5);
    assertThat(edge.get("/v1/cache/open/sie:1").headers().firstValue("X-Edge")).hasValue("HIT");

    fixture.gateway().close();

    // Past max-age, once Varnish's probe has found the gateway gone: the stale copy, from cache.
    await()
        .atMost(Duration.ofSeconds(maxAge + staleIfError))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              HttpResponse<String> r = edge.get("/v1/cache/open/sie:1");
              assertThat(r.statusCode()).isEqualTo(200);
              assertThat(r.body()).isEqualTo("kept");
              assertThat(Long.parseLong(r.headers().firstValue("Age").orElse("0")))
                  .isGreaterThanOrEqualTo(maxAge);
            });
    long staleServedAt = System.nanoTime();
    assertThat(staleServedAt - fetchedAt)
        .as("stale served within max-age + stale-if-error")
        .isLessThan(Duration.ofSeconds(maxAge + staleIfError).toNanos());

    // After max-age + stale-if-error the edge has nothing it may serve, and no origin: 503.
    await()
        .atMost(Duration.ofSeconds(maxAge + staleIfError + 5))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> edge.get("/v1/cache/open/sie:1").statusCode() == 503);
    long refusedAt = System.nanoTime();
    assertThat(refusedAt - fetchedAt)
        .as("the edge served the stale copy until its stale-if-error window ended")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(maxAge + staleIfError).toNanos());
  }

  private static long seconds(Pattern directive, String cacheControl) {
    Matcher m = directive.matcher(cacheControl);
    assertThat(m.find()).as(cacheControl).isTrue();
    return Long.parseLong(m.group(1));
  }
}
