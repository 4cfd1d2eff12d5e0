package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.InvalidationDeferredException;
import io.tiercache.InvalidationRequest;
import io.tiercache.Loaded;
import io.tiercache.TieredCache;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.WritePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 1, measured: three nodes on one Redis (L2 and bus), readers and writers on every
 * node, at least 100,000 operations. Every read (version served, when it started) and every commit
 * to the source is recorded; afterwards each read's staleness is how long before the read started
 * the first version newer than the one served had committed (0 when none had). The worst per class
 * must stay within its bound:
 *
 * <ul>
 *   <li>{@code inv} (write-around: source, then invalidate) and {@code wt} (write-through: source,
 *       then put): invalidated on write, so {@code staleness_epsilon};
 *   <li>{@code ttl}: the source changes behind the cache's back, so {@code ttl + epsilon}.
 * </ul>
 *
 * Readers read until the writers are done and at least {@value #MIN_READS} reads were made. Writes
 * to one key are serialized (a row lock in a real source): ordering concurrent writers of one key
 * in the tiers is the write path's business, not the bus's. One percent of hits also go through the
 * stale-read sampler, which must find nothing either.
 */
class StalenessCheckerIT {
  private static final int NODES = 3;
  private static final int KEYS_PER_CLASS = 300;
  private static final int READERS_PER_NODE = 2;
  private static final int MIN_READS = 100_000;
  private static final int WRITES_PER_NODE = 4_000;
  private static final Duration EPSILON = Duration.ofMillis(250);
  private static final Duration SHORT_TTL = Duration.ofMillis(400);
  private static final Duration SHORT_EPSILON = Duration.ofMillis(100);
  private static final List<String> CLASSES = List.of("inv", "wt", "ttl");

  private static final CacheClasses CLASS_TABLE =
      CacheClasses.of(
          List.of(
              CacheClass.builder("inv", "inv:*")
                  .ttl(Duration.ofSeconds(30))
                  .stalenessEpsilon(EPSILON)
                  .writePolicy(WritePolicy.WRITE_AROUND)
                  .build(),
              CacheClass.builder("wt", "wt:*")
                  .ttl(Duration.ofSeconds(30))
                  .stalenessEpsilon(EPSILON)
                  .writePolicy(WritePolicy.WRITE_THROUGH)
                  .build(),
              CacheClass.builder("ttl", "ttl:*")
                  .ttl(SHORT_TTL)
                  .stalenessEpsilon(SHORT_EPSILON)
                  .staleWhileRevalidate(SHORT_EPSILON)
                  .build()));

  /** A read: key index in {@link #keys}, version served, start time. */
  private record Read(int key, long version, long startedNanos) {}

  private final List<String> keys = new ArrayList<>();
  private final AtomicLong slowestWrite = new AtomicLong();
  private final AtomicLong deferred = new AtomicLong();
  // key@version -> when the write of that version was acknowledged (System.nanoTime)
  private final Map<String, Long> acks = new java.util.concurrent.ConcurrentHashMap<>();

  @Test
  void noNode_servesAValueStalerThanItsClassAllows_over100kMixedOperations() throws Exception {
    for (String c : CLASSES) {
      for (int i = 0; i < KEYS_PER_CLASS; i++) {
        keys.add(c + ":" + i);
      }
    }
    VersionedSource source = new VersionedSource();
    keys.forEach(source::write);
    Object[] keyLocks = new Object[keys.size()];
    for (int i = 0; i < keyLocks.length; i++) {
      keyLocks[i] = new Object();
    }

    try (BusFleet fleet = BusFleet.start(NODES, CLASS_TABLE, source, BusFleet.BUS, 0.01)) {
      AtomicLong readsLeft = new AtomicLong(MIN_READS);
      java.util.concurrent.CountDownLatch writersDone =
          new java.util.concurrent.CountDownLatch(NODES);
      ExecutorService pool = Executors.newFixedThreadPool(NODES * (READERS_PER_NODE + 1));
      List<Future<List<Read>>> readers = new ArrayList<>();
      List<Future<Integer>> writers = new ArrayList<>();
      long start = System.nanoTime();
      for (int n = 0; n < NODES; n++) {
        TieredCache<String> cache = fleet.node(n).cache();
        for (int r = 0; r < READERS_PER_NODE; r++) {
          long seed = 1000L * n + r;
          readers.add(
              pool.submit(() -> read(cache, readsLeft, writersDone, new SplittableRandom(seed))));
        }
        long seed = 7000L + n;
        BusFleet.Node node = fleet.node(n);
        writers.add(
            pool.submit(
                () -> {
                  try {
                    return write(node, source, keyLocks, new SplittableRandom(seed));
                  } finally {
                    writersDone.countDown();
                  }
                }));
      }
      List<Read> reads = new ArrayList<>();
      for (Future<List<Read>> f : readers) {
        reads.addAll(f.get());
      }
      int writes = 0;
      for (Future<Integer> f : writers) {
        writes += f.get();
      }
      pool.shutdown();
      double seconds = (System.nanoTime() - start) / 1e9;

      Map<String, long[]> worst = staleness(reads, source);
      System.out.printf(
          "staleness checker: %d reads, %d writes on %d nodes in %.1f s%n",
          reads.size(), writes, NODES, seconds);
      worst.forEach(
          (c, w) ->
              System.out.printf(
                  "  class %-3s reads %6d, older version served %5d times; worst staleness %4d ms"
                      + " after the write was acknowledged (bound %d ms), %4d ms after it"
                      + " committed; %d reads over the bound%n",
                  c, w[0], w[1], w[3] / 1_000_000, bound(c).toMillis(), w[2] / 1_000_000, w[4]));

      assertThat(reads.size()).isGreaterThanOrEqualTo(MIN_READS);
      assertThat(writes).isEqualTo(NODES * WRITES_PER_NODE);
      for (String c : CLASSES) {
        assertThat(worst.get(c)[3])
            .as("worst staleness of class %s, in ns", c)
            .isLessThanOrEqualTo(bound(c).toNanos());
      }
      System.out.printf(
          "  writes: slowest from commit to acknowledgement %d ms; %d deferred by L2 timeouts%n",
          slowestWrite.get() / 1_000_000, deferred.get());
      double sampled = 0;
      double stale = 0;
      for (BusFleet.Node node : fleet.nodes) {
        sampled += Meters.count(node.meters(), "tiercache.stale.checks");
        stale += Meters.count(node.meters(), "tiercache.stale.reads");
      }
      System.out.printf("  sampler: %.0f hits re-checked, %.0f stale reads%n", sampled, stale);
      assertThat(stale).isZero();
    }
  }

  private static Duration bound(String c) {
    return c.equals("ttl") ? SHORT_TTL.plus(SHORT_EPSILON) : EPSILON;
  }

  /** Skewed toward low key numbers: some keys are hot, as in real traffic. */
  private int pick(SplittableRandom random) {
    String c = CLASSES.get(random.nextInt(CLASSES.size()));
    double u = random.nextDouble();
    return CLASSES.indexOf(c) * KEYS_PER_CLASS + (int) (KEYS_PER_CLASS * u * u);
  }

  private List<Read> read(
      TieredCache<String> cache,
      AtomicLong readsLeft,
      java.util.concurrent.CountDownLatch writersDone,
      SplittableRandom random) {
    List<Read> reads = new ArrayList<>();
    while (readsLeft.getAndDecrement() > 0 || writersDone.getCount() > 0) {
      int k = pick(random);
      long started = System.nanoTime();
      String value = cache.get(keys.get(k));
      reads.add(new Read(k, VersionedSource.versionOf(value), started));
    }
    return reads;
  }

  private int write(
      BusFleet.Node node, VersionedSource source, Object[] keyLocks, SplittableRandom random) {
    TieredCache<String> cache = node.cache();
    for (int i = 0; i < WRITES_PER_NODE; i++) {
      int k = pick(random);
      String key = keys.get(k);
      synchronized (keyLocks[k]) {
        Loaded<String> written = source.write(key);
        long committed = System.nanoTime();
        try {
          if (key.startsWith("inv:")) {
            cache.invalidate(InvalidationRequest.key(key).because("write").by("checker"));
          } else if (key.startsWith("wt:")) {
            cache.put(key, written.value(), written.version());
          } // ttl: the source changed behind the cache's back
        } catch (InvalidationDeferredException e) {
          deferred.incrementAndGet(); // L2 timed out under load: acknowledged once replayed
        }
        // put() journals silently; either way the write is acknowledged when nothing waits.
        await()
            .pollInterval(Duration.ofMillis(1))
            .atMost(Duration.ofSeconds(10))
            .until(() -> Meters.gauge(node.meters(), "tiercache.invalidations.journaled") == 0);
        long acknowledged = System.nanoTime();
        acks.put(key + "@" + written.version(), acknowledged);
        slowestWrite.accumulateAndGet(acknowledged - committed, Math::max);
      }
    }
    return WRITES_PER_NODE;
  }

  /**
   * Per class: {reads, reads of an older version, worst staleness from the newer version's commit
   * to the source, worst staleness from its acknowledgement (ns), reads staler than the bound}. The
   * bound of a class invalidated on write is checked from the acknowledgement: until the writer's
   * call returns, the write is in progress and other nodes may serve the old value (the second
   * figure shows how long writes took to reach the bus under this load). A class changed behind the
   * cache's back has no acknowledgement; its bound counts from the commit.
   */
  private Map<String, long[]> staleness(List<Read> reads, VersionedSource source) {
    // Commit time of version v of key k; versions of a key are 1, 2, 3, ...
    Map<String, TreeMap<Long, Long>> commits = new HashMap<>();
    for (VersionedSource.Commit c : source.commits()) {
      commits.computeIfAbsent(c.key(), x -> new TreeMap<>()).put(c.version(), c.committedAtNanos());
    }
    Map<String, long[]> worst = new TreeMap<>();
    for (Read r : reads) {
      String key = keys.get(r.key());
      String c = key.substring(0, key.indexOf(':'));
      long[] w = worst.computeIfAbsent(c, x -> new long[5]);
      w[0]++;
      Long newerCommitted = commits.get(key).get(r.version() + 1);
      if (newerCommitted == null || newerCommitted >= r.startedNanos()) {
        continue;
      }
      w[1]++;
      w[2] = Math.max(w[2], r.startedNanos() - newerCommitted);
      Long acked = acks.get(key + "@" + (r.version() + 1));
      long from = c.equals("ttl") ? newerCommitted : acked == null ? Long.MAX_VALUE : acked;
      w[3] = Math.max(w[3], r.startedNanos() - from);
      if (r.startedNanos() - from > bound(c).toNanos()) {
        w[4]++;
      }
    }
    return worst;
  }
}
