package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tiercache.redis.local.LocalRedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard rendered by a real headless Chromium: the figures it draws are those of {@code
 * /cache-metrics}. A screenshot is kept in {@code target/dashboard.png}.
 */
class DashboardIT {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static TestDatabase db;
  static LocalRedisServer redis;
  static LocalRedisServer replica;
  static Gateway gateway;
  static Http http;

  @BeforeAll
  static void start() {
    db = TestDatabase.h2();
    redis = LocalRedisServer.start();
    replica = LocalRedisServer.replicaOf(redis);
    gateway = Gateway.start(ConfigFile.parse(TwoGateways.yaml(db, redis, "")));
    http = new Http(gateway.url());
    // The replica has synced when its master lists it online (INFO replication, through the
    // gateway's own /cache-metrics).
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                json(http.get("/cache-metrics", "Authorization", bearer(Tokens.ADMIN)))
                    .at("/l2/shards/0/replicas/0/state")
                    .asText()
                    .equals("online"));
    // 3 hot keys read 4 times each (3 misses, 9 hits), 2 products read once (2 misses).
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 3; i++) {
        http.get("/v1/cache/shop/hot:" + i, "Authorization", bearer(Tokens.ADMIN));
      }
    }
    http.get("/v1/cache/shop/product:1", "Authorization", bearer(Tokens.ADMIN));
    http.get("/v1/cache/shop/product:2", "Authorization", bearer(Tokens.ADMIN));
    http.send(
        "POST",
        "/invalidate",
        "{\"scope\":\"key\",\"namespace\":\"shop\",\"key\":\"hot:9\"}",
        "Authorization",
        bearer(Tokens.ADMIN));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    replica.close();
    redis.close();
    db.close();
  }

  @Test
  void theDashboardShowsTheFiguresOfCacheMetrics() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed");
    String dom = chromium("--dump-dom");
    JsonNode metrics = json(http.get("/cache-metrics", "Authorization", bearer(Tokens.ADMIN)));

    assertThat(text(dom, "status")).isEqualTo("ok");
    JsonNode hot = metrics.get("namespaces").get("shop").get("classes").get("hot");
    assertThat(hot.get("hitRatio").asDouble()).isEqualTo(0.75);
    assertThat(rowAttribute(dom, "hot", "data-hit-ratio")).isEqualTo("0.7500");
    assertThat(rowAttribute(dom, "default", "data-hit-ratio")).isEqualTo("0.0000");
    assertThat(text(dom, "l1-entries"))
        .isEqualTo(String.valueOf(metrics.get("totals").get("l1").get("size").asLong()));
    assertThat(text(dom, "loads-total"))
        .isEqualTo(String.valueOf(metrics.get("totals").get("loads").get("total").asLong()));
    assertThat(text(dom, "invalidations-total")).isEqualTo("1");
    assertThat(text(dom, "redis-memory")).matches("[0-9.]+ (B|KB|MB|GB)");
    JsonNode shard = metrics.get("l2").get("shards").get(0);
    assertThat(shard.get("shard").asText()).isEqualTo(redis.address());
    assertThat(shard.get("replicas").get(0).get("address").asText()).endsWith(":" + replica.port());
    assertThat(shard.get("replicas").get(0).get("lagBytes").asLong()).isNotNegative();
    assertThat(text(dom, "replica-count")).isEqualTo("1");
    assertThat(text(dom, "shard-count")).isEqualTo("1");
    assertThat(text(dom, "replication-lag")).matches("[0-9.]+ (B|KB|MB|GB)");
    assertThat(text(dom, "bus-silence")).matches("[0-9]+\\.[0-9]");
    assertThat(dom).contains("<rect").contains("data-class=\"hot\"");
  }

  @Test
  void aScreenshotOfTheDashboardIsKept() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed");
    Path png = Path.of("target", "dashboard.png").toAbsolutePath();
    Files.deleteIfExists(png);

    chromium("--screenshot=" + png);

    assertThat(png).exists();
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  private static String chromium(String mode) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("tiercache-chromium-");
    try {
      List<String> command =
          new ArrayList<>(
              List.of(
                  CHROMIUM.toString(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--no-first-run",
                  "--user-data-dir=" + profile,
                  "--window-size=1200,900",
                  "--virtual-time-budget=5000",
                  mode));
      command.add(gateway.url() + "/dashboard#token=" + Tokens.METRICS);
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("chromium did not finish");
      }
      return out;
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static String text(String dom, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(dom);
    assertThat(m.find()).as("element #" + id + " in " + dom).isTrue();
    return m.group(1).trim();
  }

  private static String rowAttribute(String dom, String cls, String attribute) {
    Matcher m =
        Pattern.compile("<tr data-namespace=\"shop\" data-class=\"" + cls + "\"([^>]*)>")
            .matcher(dom);
    assertThat(m.find()).as("row of class " + cls).isTrue();
    Matcher a = Pattern.compile(attribute + "=\"([^\"]*)\"").matcher(m.group(1));
    assertThat(a.find()).isTrue();
    return a.group(1);
  }
}
