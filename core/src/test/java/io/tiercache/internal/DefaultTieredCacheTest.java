package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.HotKey;
import io.tiercache.L2Options;
import io.tiercache.LoadFailedException;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.DataSize;
import io.tiercache.classes.EvictionPolicy;
import io.tiercache.classes.ExpiryMode;
import io.tiercache.spi.Entry;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.InMemoryRemoteTier;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The read path's logic over an in-memory L2; the real L2 is tested in tiercache-redis. */
class DefaultTieredCacheTest {
  private final ManualClock clock = ManualClock.startingAt2030();
  private final CountingLoader source = new CountingLoader();
  private final InMemoryRemoteTier l2 = new InMemoryRemoteTier();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CacheClasses classes =
      CacheClasses.of(
          List.of(
              CacheClass.builder("plain", "*")
                  .ttl(Duration.ofSeconds(60))
                  .ttlJitter(0)
                  .stalenessEpsilon(Duration.ZERO)
                  .build(),
              CacheClass.builder("session", "session:*")
                  .ttl(Duration.ofSeconds(100))
                  .ttlJitter(0)
                  .expiryMode(ExpiryMode.SLIDING)
                  .build(),
              CacheClass.builder("blob", "blob:*")
                  .ttl(Duration.ofHours(1))
                  .l1MaxBytes(DataSize.ofBytes(10_000))
                  .build(),
              CacheClass.builder("remote", "remote:*")
                  .evictionPolicy(EvictionPolicy.L2_ONLY)
                  .l1MaxEntries(0)
                  .build()));
  private TieredCache<String> cache = newNode(l2);

  private TieredCache<String> newNode(InMemoryRemoteTier remote) {
    return TieredCache.builder(ValueCodec.utf8())
        .classes(classes)
        .loader(source)
        .remoteTier(remote)
        .clock(clock)
        .executor(Runnable::run)
        .meterRegistry(registry)
        .l2Options(L2Options.DEFAULT.withTimeout(Duration.ofMillis(200)))
        .build();
  }

  @AfterEach
  void close() {
    cache.close();
  }

  @Test
  void
      afterAPauseThatTheReadClockSleptThrough_anL1CopyThatExpiredMeanwhile_isServedAFewTimesAtMost()
          throws Exception {
    CacheClasses shortLived =
        CacheClasses.of(
            List.of(
                CacheClass.builder("short", "*")
                    .ttl(Duration.ofMillis(300))
                    .ttlJitter(0)
                    .staleWhileRevalidate(Duration.ZERO)
                    .build()));
    source.put("k", "v1", 1);
    try (TieredCache<String> wall =
        TieredCache.builder(ValueCodec.utf8())
            .classes(shortLived)
            .loader(source)
            .clock(java.time.Clock.systemUTC()) // the sampled read clock
            .executor(Runnable::run)
            .meterRegistry(new SimpleMeterRegistry())
            .build()) {
      assertThat(wall.get("k")).isEqualTo("v1");
      int loads = source.loads();
      ReadClock.holdSampling(true);
      try {
        Thread.sleep(400); // the copy expires; the sample stays where the pause began
        source.put("k", "v2", 2);
        int servedStale = 0;
        for (int i = 0;
            i < 32 * DefaultTieredCache.SAMPLE_AT_LEAST_ONE_IN && "v1".equals(wall.get("k"));
            i++) {
          servedStale++;
        }
        // Each hit is sampled with a chance of 1 in 64 and the first sampled one catches the clock
        // up: 64 stale hits expected, more than 22 times that with a chance of e^-22 (3 in 10^10).
        assertThat(servedStale).isLessThan(22 * DefaultTieredCache.SAMPLE_AT_LEAST_ONE_IN);
        assertThat(wall.get("k")).isEqualTo("v2");
        assertThat(source.loads()).isEqualTo(loads + 1);
      } finally {
        ReadClock.holdSampling(false);
      }
    }
  }

  @Test
  void reads_goL1ThenL2ThenSource() {
    source.put("k", "v1", 1);
    assertThat(cache.lookup("k").tier()).isEqualTo(Tier.SOURCE);
    assertThat(cache.lookup("k").tier()).isEqualTo(Tier.L1);
    TieredCache<String> other = newNode(l2);
    assertThat(other.lookup("k").tier()).isEqualTo(Tier.L2);
    assertThat(other.lookup("k").tier()).isEqualTo(Tier.L1);
    assertThat(source.loads()).isEqualTo(1);
    assertThat(
            registry
                .get("tiercache.gets")
                .tag("tier", "l1")
                .tag("result", "hit")
                .functionCounter()
                .count())
        .isEqualTo(2);
  }

  /**
   * HitRate: a class's L1 hits are counted one by one while it has few a second, estimated from the
   * sampled hits (64 for each) while it has many, and counted one by one again when the rate falls.
   * The manual clock stands still between its moves, so only the hits decide the rate.
   */
  @Test
  void l1Hits_countedEachWhileFew_estimatedWhileMany_andEachAgainWhenFewAgain() {
    source.put("k", "v1", 1);
    cache.get("k"); // the miss that loads it
    for (int i = 0; i < 1_000; i++) {
      cache.get("k");
    }
    assertThat(l1Hits()).as("a few hits, each counted").isEqualTo(1_000);

    for (int i = 0; i < 200_000; i++) {
      cache.get("k");
    }
    clock.advance(Duration.ofSeconds(1)); // 201,000 hits in that second: above 100,000
    for (int i = 0; i < 2_000; i++) {
      cache.get("k"); // a sampled hit among them looks at the rate (missed with a chance e^-31)
    }
    double before = l1Hits();
    int many = 640_001;
    for (int i = 0; i < many; i++) {
      cache.get("k");
    }
    double estimated = l1Hits() - before;
    assertThat(estimated % 64).as("added 64 at a time: estimated").isZero();
    // Standard error sqrt(640,001 * 63) = 6,350 hits, 1%; 5% is five of them.
    assertThat(estimated).isBetween(many * 0.95, many * 1.05);

    clock.advance(Duration.ofSeconds(40)); // about 16,000 hits a second since: below 25,000
    for (int i = 0; i < 2_000; i++) {
      cache.get("k");
    }
    double settled = l1Hits();
    for (int i = 0; i < 1_001; i++) {
      cache.get("k");
    }
    assertThat(l1Hits() - settled).as("each counted again").isEqualTo(1_001);
    assertThat(source.loads()).isEqualTo(1);
  }

  /**
   * HotKeys#hitsPerSample: a busy class's hits feed hot-key detection more thinly (here one in 128,
   * at two million hits a second), and each sample weighs the hits it stands for, so the keys'
   * counts stay unbiased across the change. "r" is read only before it, at one in 64; "k" before
   * and after, so k's count over r's is 2.28 when the thinned samples weigh 128, and 1.64 if they
   * weighed 64.
   */
  @Test
  void hotKeys_sampleABusyClassThinly_andWeighEachSampleByTheHitsItStandsFor() {
    source.put("r", "v", 1);
    source.put("k", "v", 1);
    cache.get("r");
    cache.get("k");
    for (int i = 0; i < 1_000_000; i++) {
      cache.get("r");
      cache.get("k");
    }
    clock.advance(Duration.ofSeconds(1)); // 2,000,000 hits in that second: 128 hits a sample
    for (int i = 0; i < 1_280_000; i++) {
      cache.get("k"); // a sampled hit among the first thousands looks at the rate
    }
    ((DefaultTieredCache<String>) cache).hotKeyRound();
    Map<String, Double> rates =
        cache.hotKeys().stream().collect(Collectors.toMap(HotKey::key, HotKey::readsPerSecond));
    // Standard errors: r sqrt(1,000,000 * 63), 0.8%; k sqrt(1,000,000 * 63 + 1,280,000 * 127),
    // 0.7%. 4% is about four of the ratio's.
    assertThat(rates.get("k") / rates.get("r")).isBetween(2.28 * 0.96, 2.28 * 1.04);
    assertThat(((DefaultTieredCache<String>) cache).hotKeySamplePeriod("k")).isEqualTo(128);
  }

  private double l1Hits() {
    return registry
        .get("tiercache.gets")
        .tag("tier", "l1")
        .tag("result", "hit")
        .functionCounter()
        .count();
  }

  @Test
  void entryCopiedFromL2_keepsItsDeadline_andExpiresInL1AtTheSameInstant() {
    source.put("k", "v1", 1);
    Instant loadedAt = clock.instant();
    cache.get("k");
    clock.advance(Duration.ofSeconds(59));
    TieredCache<String> late = newNode(l2);
    Lookup<String> copied = late.lookup("k");
    assertThat(copied.tier()).isEqualTo(Tier.L2);
    assertThat(copied.freshUntil()).isEqualTo(loadedAt.plusSeconds(60));
    assertThat(late.lookup("k").tier()).isEqualTo(Tier.L1);

    clock.advance(Duration.ofSeconds(1));
    source.put("k", "v2", 2);
    Lookup<String> after = late.lookup("k");
    assertThat(after.tier()).isEqualTo(Tier.SOURCE);
    assertThat(after.value()).isEqualTo("v2");
  }

  @Test
  void twoHundredConcurrentCallers_causeOneLoad() throws Exception {
    source.put("hot", "v", 1);
    source.delay(200);
    ExecutorService pool = Executors.newFixedThreadPool(200);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return cache.get("hot");
                }));
      }
      start.countDown();
      for (Future<String> f : results) {
        assertThat(f.get()).isEqualTo("v");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(source.loads()).isEqualTo(1);
  }

  @Test
  void failingLoader_reachesTheCaller_andIsNotCached() {
    source.put("k", "v", 1);
    source.failWith(key -> new IllegalStateException("source down"));
    assertThatThrownBy(() -> cache.get("k"))
        .isInstanceOf(LoadFailedException.class)
        .hasRootCauseMessage("source down");
    assertThat(l2.peek("k")).isNull();
    source.failWith(key -> null);
    assertThat(cache.get("k")).isEqualTo("v");
    assertThat(source.loads()).isEqualTo(2);
  }

  @Test
  void absentValue_isNull_andCachedAsATombstone() {
    assertThat(cache.lookup("nothing").found()).isFalse();
    assertThat(cache.get("nothing")).isNull();
    assertThat(newNode(l2).get("nothing")).isNull();
    assertThat(source.loads()).isEqualTo(1);
    assertThat(l2.peek("nothing").isAbsent()).isTrue();
  }

  @Test
  void l2Down_readsStillSucceed_andTheBreakerStopsCallingIt() {
    IntStream.range(0, 50).forEach(i -> source.put("k" + i, "v" + i, 1));
    l2.setDown(true);
    for (int i = 0; i < 50; i++) {
      assertThat(cache.get("k" + i)).isEqualTo("v" + i);
    }
    int callsWhileOpen = l2.gets();
    assertThat(callsWhileOpen).isLessThan(50); // the breaker opened and skipped the rest
    assertThat(registry.get("tiercache.l2.breaker.state").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("tiercache.l2.errors").tag("kind", "rejected").counter().count())
        .isPositive();
  }

  @Test
  void getAll_readsL1ThenOneL2CallThenOneBulkLoad() {
    IntStream.range(0, 10).forEach(i -> source.put("k" + i, "v" + i, 1));
    cache.get("k0");
    TieredCache<String> other = newNode(l2);
    other.get("k1");
    int l2CallsBefore = l2.gets();
    Map<String, String> all = other.getAll(List.of("k0", "k1", "k2", "k3", "missing"));
    assertThat(all).containsOnlyKeys("k0", "k1", "k2", "k3");
    // one pipelined read of the four keys not in L1 (k0 from L2), one bulk load of the other three
    assertThat(l2.gets() - l2CallsBefore).isEqualTo(4);
    assertThat(source.bulkLoads()).isEqualTo(1);
    assertThat(source.loads()).isEqualTo(2);
  }

  @Test
  void slidingClass_extendsTheDeadlineOnRead_inL1AndL2() {
    source.put("session:1", "s", 1);
    Instant t0 = clock.instant();
    cache.get("session:1");
    clock.advance(Duration.ofSeconds(90));
    Lookup<String> read = cache.lookup("session:1");
    assertThat(read.tier()).isEqualTo(Tier.L1);
    assertThat(read.freshUntil()).isEqualTo(t0.plusSeconds(190));
    Entry inL2 = l2.peek("session:1");
    assertThat(inL2.freshUntilMs()).isEqualTo(t0.plusSeconds(190).toEpochMilli());
    clock.advance(Duration.ofSeconds(90));
    assertThat(cache.lookup("session:1").tier()).isEqualTo(Tier.L1);
    assertThat(source.loads()).isEqualTo(1);
  }

  @Test
  void slidingClass_extendsTheDeadline_whenReadWithGet() {
    source.put("session:2", "s", 1);
    Instant t0 = clock.instant();
    cache.get("session:2");
    clock.advance(Duration.ofSeconds(90));
    assertThat(cache.get("session:2")).isEqualTo("s"); // get's hit path slides too
    assertThat(l2.peek("session:2").freshUntilMs()).isEqualTo(t0.plusSeconds(190).toEpochMilli());
    assertThat(cache.lookup("session:2").freshUntil()).isEqualTo(t0.plusSeconds(190));
  }

  @Test
  void byteBoundedClass_evictsByWeight() {
    for (int i = 0; i < 50; i++) {
      cache.put("blob:" + i, "x".repeat(1000), 1);
    }
    ((DefaultTieredCache<String>) cache).cleanUpL1();
    assertThat(registry.get("tiercache.l1.weight").tag("class", "blob").gauge().value())
        .isLessThanOrEqualTo(10_000);
    assertThat(registry.get("tiercache.l1.evictions").tag("class", "blob").counter().count())
        .isPositive();
  }

  @Test
  void l2OnlyClass_neverKeepsAnL1Copy() {
    source.put("remote:1", "r", 1);
    assertThat(cache.lookup("remote:1").tier()).isEqualTo(Tier.SOURCE);
    assertThat(cache.lookup("remote:1").tier()).isEqualTo(Tier.L2);
  }

  @Test
  void invalidate_removesFromL1AndL2() {
    source.put("k", "v1", 1);
    cache.get("k");
    source.put("k", "v2", 2);
    cache.invalidate("k");
    assertThat(l2.peek("k")).isNull();
    assertThat(cache.get("k")).isEqualTo("v2");
  }
}
