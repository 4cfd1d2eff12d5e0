package io.tiercache.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsReportTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  void count(String name, double n, String... tags) {
    Counter.builder(name).tags(tags).register(registry).increment(n);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theHitRatioCountsL1AndL2HitsOverReads() {
    count("tiercache.gets", 60, "namespace", "shop", "class", "hot", "tier", "l1", "result", "hit");
    count(
        "tiercache.gets", 40, "namespace", "shop", "class", "hot", "tier", "l1", "result", "miss");
    count(
        "tiercache.gets",
        30,
        "namespace",
        "shop",
        "class",
        "hot",
        "tier",
        "l2",
        "result",
        "hit",
        "shard",
        "a");
    count(
        "tiercache.gets",
        10,
        "namespace",
        "shop",
        "class",
        "hot",
        "tier",
        "l2",
        "result",
        "miss",
        "shard",
        "a");
    count("tiercache.loads", 9, "namespace", "shop", "class", "hot", "outcome", "success");
    count("tiercache.loads", 1, "namespace", "shop", "class", "hot", "outcome", "absent");
    count("tiercache.stale.served", 2, "namespace", "shop", "class", "hot", "reason", "error");
    count("tiercache.invalidations", 3, "namespace", "shop", "scope", "tag");
    Timer.builder("tiercache.load.latency")
        .tags("namespace", "shop", "class", "hot")
        .publishPercentiles(0.5, 0.99)
        .register(registry)
        .record(Duration.ofMillis(20));

    Map<String, Object> report =
        new MetricsReport(registry, null, "gw", ManualClock.startingAt2030()).report();

    Map<String, Object> shop =
        (Map<String, Object>) ((Map<String, Object>) report.get("namespaces")).get("shop");
    Map<String, Object> hot =
        (Map<String, Object>) ((Map<String, Object>) shop.get("classes")).get("hot");
    assertThat(hot.get("requests")).isEqualTo(100L);
    assertThat(hot.get("hits")).isEqualTo(90L);
    assertThat(hot.get("misses")).isEqualTo(10L);
    assertThat(hot.get("hitRatio")).isEqualTo(0.9);
    Map<String, Object> l2 =
        (Map<String, Object>) ((Map<String, Object>) hot.get("tiers")).get("l2");
    assertThat(l2.get("shards")).isEqualTo(Map.of("a", Map.of("hits", 30L, "misses", 10L)));
    assertThat(((Map<String, Object>) hot.get("loads")).get("total")).isEqualTo(10L);
    assertThat(hot.get("staleServedTotal")).isEqualTo(2L);
    assertThat(((Map<String, Object>) hot.get("loadLatencyMs")))
        .containsKeys("p50", "p99", "mean", "count");
    assertThat(((Map<String, Object>) shop.get("invalidations")).get("tag")).isEqualTo(3.0);
    assertThat(((Map<String, Object>) report.get("totals")).get("invalidations")).isEqualTo(3.0);
    assertThat(((Map<String, Object>) report.get("l2")).get("configured")).isEqualTo(false);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aClassWithoutReadsHasNoHitRatio() {
    count("tiercache.gets", 0, "namespace", "shop", "class", "blob", "tier", "l1", "result", "hit");

    Map<String, Object> report =
        new MetricsReport(registry, null, "gw", ManualClock.startingAt2030()).report();

    Map<String, Object> shop =
        (Map<String, Object>) ((Map<String, Object>) report.get("namespaces")).get("shop");
    Map<String, Object> blob =
        (Map<String, Object>) ((Map<String, Object>) shop.get("classes")).get("blob");
    assertThat(blob.get("hitRatio")).isNull();
  }
}
