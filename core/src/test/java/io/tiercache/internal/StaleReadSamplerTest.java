package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.EvictionPolicy;
import io.tiercache.spi.Entry;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.InMemoryRemoteTier;
import io.tiercache.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stale-read sampler: hits re-checked against the source, violations of the bound counted. */
class StaleReadSamplerTest {
  private final ManualClock clock = ManualClock.startingAt2030();
  private final CountingLoader source = new CountingLoader();
  private final InMemoryRemoteTier l2 = new InMemoryRemoteTier();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TieredCache<String> cache =
      TieredCache.builder(ValueCodec.utf8())
          .classes(
              CacheClasses.of(
                  List.of(
                      CacheClass.builder("c", "*")
                          .ttl(Duration.ofSeconds(10))
                          .ttlJitter(0)
                          .stalenessEpsilon(Duration.ofSeconds(1))
                          .evictionPolicy(EvictionPolicy.L2_ONLY)
                          .build())))
          .loader(source)
          .remoteTier(l2)
          .clock(clock)
          .executor(Runnable::run)
          .meterRegistry(registry)
          .staleReadSampling(1.0)
          .build();

  @AfterEach
  void close() {
    cache.close();
  }

  private double count(String name) {
    return registry.find(name).tags("class", "c", "tier", "l2").counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  @Test
  void aValueServedLongerThanTtlPlusEpsilonAfterTheSourceChanged_isCountedAsAStaleRead() {
    // A buggy writer left an entry fresh for an hour in L2; the class allows 10 s + 1 s.
    long now = clock.millis();
    l2.put(
        "k",
        new Entry(
            "v1".getBytes(StandardCharsets.UTF_8),
            1,
            now,
            now + 3_600_000,
            now + 3_600_000,
            0,
            Set.of()),
        Duration.ofHours(1));
    source.put("k", "v2", 2);

    assertThat(cache.get("k")).isEqualTo("v1");
    await().until(() -> count("tiercache.stale.checks") == 1); // the newer version is seen now
    assertThat(count("tiercache.stale.reads")).isZero(); // ...which proves nothing yet

    clock.advance(Duration.ofSeconds(12));
    assertThat(cache.get("k")).isEqualTo("v1");
    await().until(() -> count("tiercache.stale.checks") == 2);
    assertThat(count("tiercache.stale.reads")).isEqualTo(1);
  }

  @Test
  void valuesWithinTheirDeadlines_areNeverCountedStale() {
    source.put("k", "v1", 1);
    cache.get("k");
    source.put("k", "v2", 2); // changed behind the cache's back: stale for up to the TTL
    int hits = 0;
    for (int i = 0; i < 12; i++) {
      hits += cache.lookup("k").tier() == io.tiercache.Tier.L2 ? 1 : 0;
      clock.advance(Duration.ofSeconds(1));
    }
    int sampled = hits;
    assertThat(sampled).isEqualTo(11); // v1 for 10 s, then v2 loaded at 10 s and hit at 11 s
    await().until(() -> count("tiercache.stale.checks") == sampled);
    assertThat(cache.get("k")).isEqualTo("v2");
    assertThat(count("tiercache.stale.reads")).isZero();
  }
}
