package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.InvalidationDeferredException;
import io.tiercache.InvalidationRequest;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A node cut off from Redis (L2 and bus) while the fleet keeps reading and writing: no read on any
 * node beyond its bound during the cut, and every node serving the source's current version within
 * a second of the heal.
 *
 * <p>The cut is a stall (bytes stop flowing, connections stay open, nothing is refused), the harder
 * case: nothing tells the node it is cut off except silence and timeouts. It lasts {@value
 * #CUT_SECONDS} s rather than the issue's 30 s because everything that happens during a cut happens
 * within its first {@code max(ttl + epsilon, breaker open time)} = 2.3 s and then only repeats: the
 * node stops trusting L1 after epsilon (300 ms), its L2 breaker opens within a few calls and
 * re-probes every 200 ms, the old values everywhere expire after ttl + epsilon, the journal of the
 * cut node grows, and reconnection backoff is capped (500 ms), so neither the state at the heal nor
 * the time to converge grows with the length of the cut. Run with {@code -Dpartition.seconds=30}
 * for the long version.
 */
class PartitionIT {
  private static final int CUT_SECONDS = Integer.getInteger("partition.seconds", 5);
  private static final int KEYS = 200;
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration EPSILON = Duration.ofMillis(300);
  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              CacheClass.builder("inv", "*")
                  .ttl(TTL)
                  .stalenessEpsilon(EPSILON)
                  .l1MaxEntries(10_000)
                  .build()));
  private static final int CUT = 2; // the node behind a proxy

  private record Read(int node, String key, long version, long startedNanos) {}

  /** A write: who wrote it, when it committed and when (if) its invalidation was acknowledged. */
  private record Write(int node, long committedNanos, long acknowledgedNanos, boolean deferred) {}

  private final VersionedSource source = new VersionedSource();
  private final Map<String, Write> writes = new ConcurrentHashMap<>(); // key@version
  private final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Object[] locks = new Object[KEYS];

  @Test
  void aNodeCutOffFromRedis_servesNothingBeyondItsBound_andTheFleetConvergesWithinASecond()
      throws Exception {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      keys.add("k" + i);
      source.write("k" + i);
      locks[i] = new Object();
    }
    try (BusFleet fleet = BusFleet.start(3, CLASSES, source, BusFleet.BUS, 0, CUT)) {
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> work = new ArrayList<>();
      for (int n = 0; n < 3; n++) {
        int node = n;
        work.add(pool.submit(() -> readLoop(fleet, node, keys)));
        work.add(pool.submit(() -> writeLoop(fleet, node, keys)));
      }
      pause(Duration.ofSeconds(1)); // steady state first
      long cutAt = System.nanoTime();
      fleet.node(CUT).proxy().stall();
      pause(Duration.ofSeconds(CUT_SECONDS));
      fleet.node(CUT).proxy().heal();
      long healedAt = System.nanoTime();
      running.set(false);
      for (Future<?> f : work) {
        f.get();
      }
      pool.shutdown();

      long convergedAt = awaitConvergence(fleet, keys);
      long worstViolation = checkBounds(cutAt, healedAt);
      long deferred = writes.values().stream().filter(Write::deferred).count();
      System.out.printf(
          "partition of %d s: %d reads, %d writes (%d by the cut node deferred); converged %d ms"
              + " after the heal%n",
          CUT_SECONDS, reads.size(), writes.size(), deferred, (convergedAt - healedAt) / 1_000_000);
      assertThat(worstViolation).as("reads beyond their bound").isZero();
      assertThat(deferred).as("the cut node's writes were journaled").isPositive();
      assertThat(Duration.ofNanos(convergedAt - healedAt)).isLessThan(Duration.ofSeconds(1));
      // The mechanisms were exercised: the cut node stopped trusting L1, then replayed its journal.
      assertThat(Meters.count(fleet.node(CUT).meters(), "tiercache.l1.bypassed")).isPositive();
      // Counted once a replayed run is published, which can come after the values converged (its
      // keys leave L2 first): waited for, not sampled.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          Meters.count(
                              fleet.node(CUT).meters(), "tiercache.invalidations.replayed"))
                      .isEqualTo(deferred));
    }
  }

  private void readLoop(BusFleet fleet, int node, List<String> keys) {
    SplittableRandom random = new SplittableRandom(node);
    while (running.get()) {
      String key = keys.get(random.nextInt(KEYS));
      long started = System.nanoTime();
      String value = fleet.node(node).cache().get(key);
      reads.add(new Read(node, key, VersionedSource.versionOf(value), started));
      LockSupport.parkNanos(200_000); // ~5,000 reads/s per node: steady traffic, not a spin
    }
  }

  private void writeLoop(BusFleet fleet, int node, List<String> keys) {
    SplittableRandom random = new SplittableRandom(100 + node);
    while (running.get()) {
      int k = random.nextInt(KEYS);
      String key = keys.get(k);
      synchronized (locks[k]) {
        long version = source.write(key).version();
        long committed = System.nanoTime();
        boolean deferred = false;
        try {
          fleet.node(node).cache().invalidate(InvalidationRequest.key(key).because("write"));
        } catch (InvalidationDeferredException e) {
          deferred = true;
        }
        writes.put(key + "@" + version, new Write(node, committed, System.nanoTime(), deferred));
      }
      LockSupport.parkNanos(2_000_000); // ~500 writes/s per node
    }
  }

  /**
   * The bound of each read that served an older version: epsilon after the newer version's
   * acknowledgement, or ttl + epsilon after its commit when it was deferred (written by the cut
   * node, which could tell nobody). Returns how many reads exceeded it, printing the worst.
   */
  private long checkBounds(long cutAt, long healedAt) {
    long violations = 0;
    long[] worst = new long[2]; // {during the cut, outside it}, ns past the start of the bound
    Map<String, Long> latest = new HashMap<>();
    for (Read r : reads) {
      Write newer = writes.get(r.key() + "@" + (r.version() + 1));
      if (newer == null || newer.committedNanos() >= r.startedNanos()) {
        continue;
      }
      long from = newer.deferred() ? newer.committedNanos() : newer.acknowledgedNanos();
      Duration bound = newer.deferred() ? TTL.plus(EPSILON) : EPSILON;
      long staleness = r.startedNanos() - from;
      boolean inCut = r.startedNanos() >= cutAt && r.startedNanos() <= healedAt;
      worst[inCut ? 0 : 1] = Math.max(worst[inCut ? 0 : 1], staleness);
      if (staleness > bound.toNanos()) {
        violations++;
        latest.put(r.key(), staleness);
      }
    }
    System.out.printf(
        "  worst staleness: %d ms during the cut, %d ms outside it; violations %s%n",
        worst[0] / 1_000_000, worst[1] / 1_000_000, latest);
    return violations;
  }

  /** Reads every key on every node until all serve the source's version; returns when. */
  private long awaitConvergence(BusFleet fleet, List<String> keys) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (BusFleet.Node node : fleet.nodes) {
        for (String key : keys) {
          if (VersionedSource.versionOf(node.cache().get(key)) != source.version(key)) {
            all = false;
          }
        }
      }
      if (all) {
        return System.nanoTime();
      }
    }
    return Long.MAX_VALUE / 2;
  }

  private static void pause(Duration d) {
    // The scenario's timeline (traffic before and during the cut), not a wait for a condition.
    LockSupport.parkNanos(d.toNanos());
  }
}
