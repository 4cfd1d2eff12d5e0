package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tiercache.LoadFailedException;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stale-while-revalidate and stale-if-error across two nodes on real Redis, and their common bound
 * (DESIGN invariants 1 and 5): nothing stale is served at or after {@code ttl + staleness_epsilon},
 * even when a class's window is wider. One manual clock drives both nodes, so every deadline is
 * exact; Redis expires keys on real time, which here only keeps them present.
 */
class StaleWindowsIT {
  private static final Duration TTL = Duration.ofSeconds(60);
  private static final Duration EPSILON = Duration.ofSeconds(10);
  // Both windows are wider than epsilon on purpose: epsilon must cap them.
  private static final Duration WIDE_WINDOW = Duration.ofSeconds(30);
  private static final String REVALIDATING = "swr:1";
  private static final String ERROR_TOLERANT = "sie:1";

  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              CacheClass.builder("swr", "swr:*")
                  .ttl(TTL)
                  .ttlJitter(0)
                  .stalenessEpsilon(EPSILON)
                  .staleWhileRevalidate(WIDE_WINDOW)
                  .build(),
              CacheClass.builder("sie", "sie:*")
                  .ttl(TTL)
                  .ttlJitter(0)
                  .stalenessEpsilon(EPSILON)
                  .staleIfError(WIDE_WINDOW)
                  .build()));

  private static LocalRedisServer redis;

  private final ManualClock clock = ManualClock.startingAt2030();
  private final Map<String, Loaded<String>> source = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final AtomicReference<CountDownLatch> loadEntered = new AtomicReference<>();
  private final CountDownLatch releaseLoad = new CountDownLatch(1);
  private Fleet fleet;
  private Fleet.Node a;
  private Fleet.Node b;

  @BeforeAll
  static void startRedis() {
    redis = LocalRedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void startNodes() {
    fleet = new Fleet(redis);
    a = fleet.node("a", n -> n.classes(CLASSES).clock(clock).loader(this::load));
    b = fleet.node("b", n -> n.classes(CLASSES).clock(clock).loader(this::load));
  }

  @AfterEach
  void closeFleet() {
    fleet.close();
  }

  /** The source of both nodes: counted; fails or pauses when the test says so. */
  private Loaded<String> load(String key) throws InterruptedException {
    loads.incrementAndGet();
    Loaded<String> read = source.get(key);
    CountDownLatch entered = loadEntered.get();
    if (entered != null) {
      entered.countDown();
      if (!releaseLoad.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the load");
      }
    }
    RuntimeException f = failure.get();
    if (f != null) {
      throw f;
    }
    return read;
  }

  /** v1 loaded at the clock's start and copied into both nodes' L1; then the source has v2. */
  private void v1CachedOnBothNodes_thenSourceChangesTo(String key, String v2) {
    source.put(key, Loaded.of("v1", 1));
    assertThat(a.cache().get(key)).isEqualTo("v1");
    assertThat(b.cache().get(key)).isEqualTo("v1");
    assertThat(loads).hasValue(1);
    source.put(key, Loaded.of(v2, 2));
  }

  private CountDownLatch pauseNextLoad() {
    CountDownLatch entered = new CountDownLatch(1);
    loadEntered.set(entered);
    return entered;
  }

  @Test
  void staleWhileRevalidate_servesStaleOnEveryNode_whileExactlyOneRefreshRuns() throws Exception {
    v1CachedOnBothNodes_thenSourceChangesTo(REVALIDATING, "v2");
    CountDownLatch refreshing = pauseNextLoad();
    clock.advance(TTL.plusSeconds(5)); // inside the window, which epsilon caps at 10 s

    assertStale(a.cache().lookup(REVALIDATING), "v1");
    assertThat(refreshing.await(10, TimeUnit.SECONDS)).isTrue(); // A's refresh holds the lease
    // While it runs, every other read on either node is served stale and starts nothing.
    for (int i = 0; i < 3; i++) {
      assertStale(a.cache().lookup(REVALIDATING), "v1");
      assertStale(b.cache().lookup(REVALIDATING), "v1");
    }
    assertThat(loads).hasValue(2);

    releaseLoad.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> "v2".equals(a.cache().get(REVALIDATING)));
    await().atMost(Duration.ofSeconds(10)).until(() -> "v2".equals(b.cache().get(REVALIDATING)));
    assertThat(loads).hasValue(2);
    assertThat(fleet.count("tiercache.refreshes", "class", "swr", "trigger", "revalidate"))
        .isEqualTo(1);
    assertThat(b.count("tiercache.stale.served", "class", "swr", "reason", "revalidate"))
        .isEqualTo(3);
  }

  @Test
  void staleWhileRevalidate_servesNothingStaleAtTtlPlusEpsilon_evenWhileARefreshRuns()
      throws Exception {
    v1CachedOnBothNodes_thenSourceChangesTo(REVALIDATING, "v2");
    CountDownLatch loading = pauseNextLoad();
    clock.advance(TTL.plus(EPSILON)); // the revalidate window (30 s) would still allow 20 s more

    CompletableFuture<Lookup<String>> onB =
        CompletableFuture.supplyAsync(() -> b.cache().lookup(REVALIDATING));
    assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue(); // B loads in the foreground
    CompletableFuture<Lookup<String>> onA =
        CompletableFuture.supplyAsync(() -> a.cache().lookup(REVALIDATING));
    // A has v1 in L1 and in L2, yet may not serve it: it waits for B's load instead.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.count("tiercache.lease.waits", "class", "swr") == 1);
    assertThat(onA).isNotDone();

    releaseLoad.countDown();
    assertFresh(onB.get(10, TimeUnit.SECONDS), "v2");
    assertFresh(onA.get(10, TimeUnit.SECONDS), "v2");
    assertThat(loads).hasValue(2);
    assertThat(fleet.count("tiercache.stale.served")).isZero();
  }

  @Test
  void staleIfError_servesStaleOnEveryNode_untilTtlPlusEpsilon_thenFails() throws Exception {
    v1CachedOnBothNodes_thenSourceChangesTo(ERROR_TOLERANT, "v2");
    failure.set(new IllegalStateException("source down"));

    clock.advance(TTL.plus(EPSILON).minusMillis(1)); // the last millisecond of the window
    assertStale(a.cache().lookup(ERROR_TOLERANT), "v1");
    assertStale(b.cache().lookup(ERROR_TOLERANT), "v1");
    assertThat(fleet.count("tiercache.stale.served", "class", "sie", "reason", "error"))
        .isEqualTo(2);
    assertThat(fleet.count("tiercache.loads", "class", "sie", "outcome", "failure")).isEqualTo(2);
    // A failed load gives its lease back: the next caller may try the source at once.
    assertThat(fleet.leaseHolder(ERROR_TOLERANT)).isNull();

    clock.advance(Duration.ofMillis(1)); // ttl + epsilon: stale-if-error (30 s) is capped here
    assertThatThrownBy(() -> a.cache().get(ERROR_TOLERANT)).isInstanceOf(LoadFailedException.class);
    assertThatThrownBy(() -> b.cache().get(ERROR_TOLERANT)).isInstanceOf(LoadFailedException.class);

    failure.set(null);
    assertFresh(a.cache().lookup(ERROR_TOLERANT), "v2");
    assertFresh(b.cache().lookup(ERROR_TOLERANT), "v2");
  }

  private static void assertStale(Lookup<String> read, String value) {
    assertThat(read.value()).isEqualTo(value);
    assertThat(read.stale()).as("stale").isTrue();
  }

  private static void assertFresh(Lookup<String> read, String value) {
    assertThat(read.value()).isEqualTo(value);
    assertThat(read.stale()).as("stale").isFalse();
  }
}
