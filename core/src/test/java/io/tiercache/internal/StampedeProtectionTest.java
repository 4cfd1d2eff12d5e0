package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.LoadFailedException;
import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.SourceOverloadedException;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.RateLimit;
import io.tiercache.classes.RefreshStrategy;
import io.tiercache.testing.InMemoryRemoteTier;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stampede and source protection logic (DESIGN invariants 3, 4, 5) over an in-memory L2 with real
 * lease semantics; tiercache-redis runs the same scenarios against redis-server and across
 * processes.
 */
class StampedeProtectionTest {
  private final ManualClock clock = ManualClock.startingAt2030();
  private final InMemoryRemoteTier l2 = new InMemoryRemoteTier();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ConcurrentHashMap<String, Loaded<String>> source = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicReference<CountDownLatch> loadEntered = new AtomicReference<>();
  private final AtomicReference<CountDownLatch> loadRelease = new AtomicReference<>();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final CacheClasses classes =
      CacheClasses.of(
          List.of(
              CacheClass.builder("plain", "*")
                  .ttl(Duration.ofSeconds(60))
                  .ttlJitter(0)
                  .stalenessEpsilon(Duration.ofSeconds(10))
                  .staleWhileRevalidate(Duration.ofSeconds(5))
                  .staleIfError(Duration.ofSeconds(10))
                  .build(),
              CacheClass.builder("limited", "limited:*")
                  .ttl(Duration.ofSeconds(60))
                  .sourceRateLimit(new RateLimit(20))
                  .build(),
              CacheClass.builder("early", "early:*")
                  .ttl(Duration.ofSeconds(60))
                  .ttlJitter(0)
                  .refreshStrategy(RefreshStrategy.EARLY_PROBABILISTIC)
                  .build(),
              CacheClass.builder("eager", "eager:*")
                  .ttl(Duration.ofSeconds(60))
                  .ttlJitter(0)
                  .refreshStrategy(RefreshStrategy.EARLY_PROBABILISTIC)
                  .earlyRefreshBeta(10)
                  .build(),
              CacheClass.builder("ahead", "ahead:*")
                  .ttl(Duration.ofSeconds(60))
                  .ttlJitter(0)
                  .refreshStrategy(RefreshStrategy.REFRESH_AHEAD)
                  .build()));
  private RandomGenerator random = () -> 0L;
  private double u = 0.5;

  private TieredCache<String> node(String id) {
    return node(
        id,
        LoadOptions.DEFAULT
            .withLeaseTime(Duration.ofSeconds(2))
            .withMaxLeaseWait(Duration.ofSeconds(5)));
  }

  private TieredCache<String> node(String id, LoadOptions options) {
    return TieredCache.builder(ValueCodec.utf8())
        .classes(classes)
        .loader(
            key -> {
              loads.incrementAndGet();
              Loaded<String> read = source.get(key); // the source is read before the pause
              CountDownLatch entered = loadEntered.get();
              if (entered != null) {
                entered.countDown();
                loadRelease.get().await(5, TimeUnit.SECONDS);
              }
              RuntimeException f = failure.get();
              if (f != null) {
                throw f;
              }
              return read;
            })
        .remoteTier(l2)
        .clock(clock)
        .executor(Runnable::run)
        .meterRegistry(registry)
        .nodeId(id)
        .random(
            new RandomGenerator() {
              @Override
              public long nextLong() {
                return 0;
              }

              @Override
              public double nextDouble() {
                return 1 - u;
              }
            })
        .loadOptions(options)
        .build();
  }

  private final TieredCache<String> a = node("a");
  private final TieredCache<String> b = node("b");

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  @Test
  void loadStartedBeforeAWrite_neverInstallsItsOlderValue() throws Exception {
    source.put("k", Loaded.of("v1", 1));
    loadEntered.set(new CountDownLatch(1));
    loadRelease.set(new CountDownLatch(1));
    CompletableFuture<String> slowLoad = CompletableFuture.supplyAsync(() -> a.get("k"));
    assertThat(loadEntered.get().await(5, TimeUnit.SECONDS)).isTrue(); // the v1 load is in flight
    loadEntered.set(null);
    source.put("k", Loaded.of("v2", 2));
    b.put("k", "v2", 2); // a write on another node: voids the lease of the v1 load
    loadRelease.get().countDown();
    assertThat(slowLoad.get(5, TimeUnit.SECONDS)).isEqualTo("v1"); // the caller gets what it read
    assertThat(l2.peek("k").version()).isEqualTo(2); // ...but it was not stored over v2
    assertThat(a.get("k")).isEqualTo("v2");
    assertThat(registry.get("tiercache.sets.refused").tag("class", "plain").counter().count())
        .isEqualTo(1);
  }

  @Test
  void loadStartedBeforeAnInvalidation_leavesNothingBehind() throws Exception {
    source.put("k", Loaded.of("v1", 1));
    loadEntered.set(new CountDownLatch(1));
    loadRelease.set(new CountDownLatch(1));
    CompletableFuture<String> slowLoad = CompletableFuture.supplyAsync(() -> a.get("k"));
    assertThat(loadEntered.get().await(5, TimeUnit.SECONDS)).isTrue();
    loadEntered.set(null);
    source.put("k", Loaded.of("v2", 2));
    a.invalidate("k"); // same node: L1 must not get v1 either
    loadRelease.get().countDown();
    slowLoad.get(5, TimeUnit.SECONDS);
    assertThat(l2.peek("k")).isNull();
    assertThat(a.get("k")).isEqualTo("v2");
  }

  @Test
  void waiterOnAnotherNode_getsTheHoldersValue_withoutLoading() throws Exception {
    source.put("k", Loaded.of("v1", 1));
    loadEntered.set(new CountDownLatch(1));
    loadRelease.set(new CountDownLatch(1));
    CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> a.get("k"));
    assertThat(loadEntered.get().await(5, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> b.get("k"));
    await()
        .until(
            () ->
                registry.get("tiercache.lease.waits").tag("class", "plain").counter().count() == 1);
    loadRelease.get().countDown();
    assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo("v1");
    assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo("v1");
    assertThat(loads).hasValue(1);
  }

  @Test
  void deadHoldersLease_isTakenOverWhenItLapses() {
    source.put("k", Loaded.of("v1", 1));
    l2.tryLease("k", "dead-node:1", Duration.ofSeconds(2)); // a holder that will never store
    CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> b.get("k"));
    await()
        .until(
            () ->
                registry.get("tiercache.lease.waits").tag("class", "plain").counter().count() == 1);
    assertThat(waiter).isNotDone();
    l2.expireLeases(); // the lease time passes
    assertThat(waiter.join()).isEqualTo("v1");
    assertThat(loads).hasValue(1);
  }

  @Test
  void failedLoad_releasesItsLease_soTheNextCallerLoadsAtOnce() {
    source.put("k", Loaded.of("v1", 1));
    failure.set(new IllegalStateException("source down"));
    assertThatThrownBy(() -> a.get("k")).isInstanceOf(LoadFailedException.class);
    assertThat(l2.leaseHolder("k")).isNull();
    failure.set(null);
    assertThat(b.get("k")).isEqualTo("v1");
  }

  @Test
  void staleWhileRevalidate_servesStaleInsideTheWindow_andRefreshesOnce() {
    source.put("k", Loaded.of("v1", 1));
    a.get("k");
    source.put("k", Loaded.of("v2", 2));
    clock.advance(Duration.ofSeconds(62)); // 2 s past fresh, inside the 5 s revalidate window
    Lookup<String> read = a.lookup("k");
    assertThat(read.value()).isEqualTo("v1");
    assertThat(read.stale()).isTrue();
    await().until(() -> "v2".equals(a.get("k"))); // one background refresh replaced it
    assertThat(loads).hasValue(2);
  }

  @Test
  void staleValue_isNeverServedPastTtlPlusEpsilon() {
    source.put("k", Loaded.of("v1", 1));
    a.get("k");
    source.put("k", Loaded.of("v2", 2));
    failure.set(new IllegalStateException("source down"));
    clock.advance(Duration.ofSeconds(68)); // outside revalidate (5 s), inside error window (10 s)
    Lookup<String> read = a.lookup("k");
    assertThat(read.value()).isEqualTo("v1");
    assertThat(read.stale()).isTrue();
    clock.advance(Duration.ofSeconds(2)); // now at ttl + epsilon: nothing stale may be served
    assertThatThrownBy(() -> a.get("k")).isInstanceOf(LoadFailedException.class);
  }

  @Test
  void emptyRateLimit_failsWithOverload_whenNothingStaleExists() {
    TieredCache<String> impatient = node("c", LoadOptions.DEFAULT.withRateLimitWait(Duration.ZERO));
    int overloaded = 0;
    long start = System.nanoTime();
    for (int i = 0; i < 200; i++) {
      source.put("limited:" + i, Loaded.of("v", 1));
    }
    for (int i = 0; i < 200; i++) {
      try {
        impatient.get("limited:" + i);
      } catch (SourceOverloadedException e) {
        overloaded++;
        assertThat(e.retryAfter()).isPositive();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(overloaded).isPositive();
    assertThat(loads.get()).isLessThanOrEqualTo((int) (2 + 20 * seconds) + 1); // burst + rate
    impatient.close();
  }

  @Test
  void xfetch_refreshesEarly_whenTheDrawSaysSo() {
    source.put("early:1", Loaded.of("v1", 1));
    a.get("early:1");
    source.put("early:1", Loaded.of("v2", 2));
    clock.advance(Duration.ofMillis(59_980)); // 20 ms before the deadline
    u = 0.5; // delta 1 ms * ln(2) = 0.7 ms ahead: not yet
    assertThat(a.get("early:1")).isEqualTo("v1");
    assertThat(loads).hasValue(1);
    u = Math.exp(-30); // delta 1 ms * 30 = 30 ms ahead of the deadline: refresh now
    assertThat(a.get("early:1")).isEqualTo("v1"); // the refresh runs in the background
    u = 0.5; // later reads draw "no refresh" again
    await().until(() -> loads.get() == 2);
    await().until(() -> "v2".equals(a.get("early:1")));
    assertThat(loads).hasValue(2);
  }

  /**
   * XFetch far enough from the deadline that L1's common hit path, not the exact one, reads the
   * copy: that path must still draw.
   */
  @Test
  void xfetch_refreshesEarly_fromTheCommonHitPath() {
    source.put("eager:1", Loaded.of("v1", 1));
    a.get("eager:1");
    source.put("eager:1", Loaded.of("v2", 2));
    clock.advance(Duration.ofMillis(59_800)); // 200 ms before the deadline: beyond the 50 ms margin
    u = Math.exp(-30); // delta 1 ms * beta 10 * 30 = 300 ms ahead of the deadline: refresh now
    assertThat(a.get("eager:1")).isEqualTo("v1");
    u = 0.5;
    await().until(() -> loads.get() == 2);
    await().until(() -> "v2".equals(a.get("eager:1")));
  }

  /**
   * Refresh-ahead renews a copy read within the last fraction of its TTL, seconds before the
   * deadline: a read there is not served as a plain L1 hit.
   */
  @Test
  void refreshAhead_renewsACopyReadNearItsDeadline() {
    source.put("ahead:1", Loaded.of("v1", 1));
    a.get("ahead:1");
    source.put("ahead:1", Loaded.of("v2", 2));
    clock.advance(Duration.ofSeconds(30)); // half the TTL left: outside the window
    assertThat(a.get("ahead:1")).isEqualTo("v1");
    assertThat(loads).hasValue(1);
    double window = LoadOptions.DEFAULT.refreshAheadFraction() * 60_000;
    clock.advance(Duration.ofMillis(30_000 - (long) window + 1_000)); // 1 s into the window
    assertThat(a.get("ahead:1")).isEqualTo("v1"); // renewed in the background
    await().until(() -> loads.get() == 2);
    await().until(() -> "v2".equals(a.get("ahead:1")));
  }
}
