package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.L2Options;
import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.SourceOverloadedException;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.RateLimit;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 5 on real Redis: two nodes missing ten times a class's rate limit load from the
 * source no faster than the limit, through the token bucket in Redis while it is up and through
 * each node's local share while it is down; callers beyond the limit are refused with {@link
 * SourceOverloadedException}, or served stale when there is something stale to serve.
 */
class SourceRateLimitIT {
  private static final double RATE = 50;
  private static final double BURST = RATE / 10; // what SourceGate gives the bucket
  private static final double TOLERANCE = 0.10;
  private static final int NODES = 2;
  // Ten times the rate in total, for about 4 s: 250 misses a second per node, one every 4 ms.
  private static final int MISSES_PER_NODE = 1000;
  private static final long MISS_PERIOD_MICROS = 4000;

  private LocalRedisServer redis;
  private Fleet fleet;
  private final AtomicInteger loads = new AtomicInteger();

  @BeforeEach
  void startRedis() {
    redis = LocalRedisServer.start();
    fleet = new Fleet(redis);
  }

  @AfterEach
  void stop() {
    fleet.close();
    redis.close();
  }

  private Loaded<String> countedLoad(String key) {
    loads.incrementAndGet();
    return Loaded.of("v-" + key, 1);
  }

  private void startNodes(L2Options l2) {
    CacheClasses classes =
        CacheClasses.of(
            List.of(
                CacheClass.builder("limited", "*").sourceRateLimit(new RateLimit(RATE)).build()));
    for (int i = 0; i < NODES; i++) {
      fleet.node(
          "node-" + i,
          b ->
              b.classes(classes)
                  .loader(this::countedLoad)
                  .l2Options(l2)
                  .loadOptions(LoadOptions.DEFAULT.withFleetSize(NODES)));
    }
  }

  @Test
  void missesAtTenTimesTheLimit_loadAtTheLimit_throughTheBucketInRedis() throws Exception {
    startNodes(Fleet.PATIENT_L2);

    Misses misses = missAtTenTimesTheRate();

    misses.assertLoadsWithinTheLimit(loads.get());
  }

  @Test
  void missesAtTenTimesTheLimit_loadAtTheLimit_throughLocalSharesWhileRedisIsDown()
      throws Exception {
    // Commands fail at once while Redis is down; the short timeout only bounds the first calls
    // that were in flight when it died, and the breaker soon stops calling it at all.
    startNodes(L2Options.DEFAULT);
    redis.kill();

    Misses misses = missAtTenTimesTheRate();

    misses.assertLoadsWithinTheLimit(loads.get());
    assertThat(fleet.count("tiercache.l2.errors")).isPositive(); // the bucket really was away
  }

  @Test
  void spentLimit_servesStaleWhenThereIsSomething_elseRefusesWithOverloaded() {
    // One load per 5 s with a burst of one: the first load spends the bucket for seconds, so
    // nothing refills it between the steps below however slow the machine.
    ManualClock clock = ManualClock.startingAt2030();
    CacheClasses classes =
        CacheClasses.of(
            List.of(
                CacheClass.builder("trickle", "*")
                    .ttl(Duration.ofSeconds(60))
                    .ttlJitter(0)
                    .stalenessEpsilon(Duration.ofSeconds(10))
                    .staleIfError(Duration.ofSeconds(10))
                    .sourceRateLimit(new RateLimit(0.2))
                    .build()));
    Fleet.Node a = fleet.node("a", n -> n.classes(classes).clock(clock).loader(this::countedLoad));
    Fleet.Node b = fleet.node("b", n -> n.classes(classes).clock(clock).loader(this::countedLoad));
    assertThat(a.cache().get("present")).isEqualTo("v-present");
    clock.advance(Duration.ofSeconds(65)); // expired, inside its stale window

    Lookup<String> stale = b.cache().lookup("present");
    assertThat(stale.value()).isEqualTo("v-present");
    assertThat(stale.stale()).isTrue();
    assertThat(b.count("tiercache.stale.served", "reason", "overload")).isEqualTo(1);

    assertThatThrownBy(() -> a.cache().get("never-loaded"))
        .isInstanceOfSatisfying(
            SourceOverloadedException.class,
            e -> {
              assertThat(e.cacheClass()).isEqualTo("trickle");
              assertThat(e.retryAfter()).isPositive();
            });
    assertThat(loads).hasValue(1);
    assertThat(fleet.count("tiercache.loads.overloaded", "class", "trickle")).isEqualTo(2);
  }

  /**
   * Misses distinct keys on every node at a fixed pace, each on a pool thread so that callers
   * waiting for a permit do not slow the pace, and waits for every caller to finish.
   */
  private Misses missAtTenTimesTheRate() throws InterruptedException {
    Misses misses = new Misses();
    List<Fleet.Node> nodes = fleet.nodes();
    CountDownLatch done = new CountDownLatch(NODES * MISSES_PER_NODE);
    ScheduledExecutorService pacer = Executors.newScheduledThreadPool(NODES);
    ExecutorService callers = Executors.newFixedThreadPool(64 * NODES);
    long start = System.nanoTime();
    try {
      for (Fleet.Node node : nodes) {
        AtomicInteger issued = new AtomicInteger();
        pacer.scheduleAtFixedRate(
            () -> {
              int i = issued.getAndIncrement();
              if (i < MISSES_PER_NODE) {
                callers.execute(() -> misses.missOnce(node, node.id() + ":" + i, done));
              }
            },
            0,
            MISS_PERIOD_MICROS,
            TimeUnit.MICROSECONDS);
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      pacer.shutdownNow();
      callers.shutdownNow();
    }
    misses.seconds = (System.nanoTime() - start) / 1e9;
    assertThat(misses.failures).isEmpty();
    assertThat(misses.loaded.get() + misses.overloaded.get()).isEqualTo(NODES * MISSES_PER_NODE);
    assertThat(misses.overloaded.get()).isPositive();
    assertThat(fleet.count("tiercache.loads.overloaded", "class", "limited"))
        .isEqualTo(misses.overloaded.get());
    return misses;
  }

  /** What the callers of one run saw. */
  private static final class Misses {
    final AtomicInteger loaded = new AtomicInteger();
    final AtomicInteger overloaded = new AtomicInteger();
    final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    double seconds;

    void missOnce(Fleet.Node node, String key, CountDownLatch done) {
      try {
        if (("v-" + key).equals(node.cache().get(key))) {
          loaded.incrementAndGet();
        } else {
          failures.add(new AssertionError("wrong value for " + key));
        }
      } catch (SourceOverloadedException e) {
        overloaded.incrementAndGet();
      } catch (Throwable t) {
        failures.add(t);
      } finally {
        done.countDown();
      }
    }

    /**
     * The source saw no more than the limit allowed over the run (rate x time, plus the bucket's
     * burst, plus 10%), and not much less either: the limit throttles, it does not starve.
     */
    void assertLoadsWithinTheLimit(int loads) {
      assertThat(loads).isEqualTo(loaded.get());
      double allowed = RATE * seconds;
      assertThat((double) loads)
          .as("loads in %.2f s at %.0f/s", seconds, RATE)
          .isLessThanOrEqualTo(allowed * (1 + TOLERANCE) + BURST)
          .isGreaterThanOrEqualTo(allowed * (1 - TOLERANCE));
    }
  }
}
