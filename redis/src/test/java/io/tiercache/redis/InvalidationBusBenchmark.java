package io.tiercache.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationDeferredException;
import io.tiercache.InvalidationRequest;
import io.tiercache.TieredCache;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.spi.InvalidationBus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Benchmarks of the invalidation bus on one local redis-server, each figure with its anchor from
 * the same run:
 *
 * <ol>
 *   <li>propagation: {@code invalidate()} on one of 3 nodes until both others have applied it,
 *       p50/p99/max (target p99 <= 20 ms); anchor: a raw Lettuce PING round trip;
 *   <li>convergence: a node's Redis connections stalled for 2 s under reads and writes, then
 *       healed; time until every node serves the source's version of every key (target <= 1 s);
 *   <li>throughput: key invalidations per second delivered to all 3 nodes (target >= 50,000/s),
 *       from {@code bench.threads} (16) threads three ways: {@code invalidate(key)} (L2 delete then
 *       publish, both awaited by the caller), the bus's {@code publish(KEY)} alone, and {@code
 *       invalidate(keys)} of 100; anchor: raw XADDs per second, pipelined.
 * </ol>
 *
 * Run (from the repository root): {@code mvn -B -o -q -pl core,redis test-compile
 * dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test && java -cp
 * redis/target/test-classes:redis/target/classes:core/target/test-classes:core/target/classes:$(cat
 * redis/target/cp.txt) io.tiercache.redis.InvalidationBusBenchmark}; {@code
 * -Dbench.only=propagation| convergence|throughput} runs one, {@code -Dbench.rounds=N} sets the
 * partitions.
 */
public final class InvalidationBusBenchmark {
  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              CacheClass.builder("c", "*")
                  .ttl(Duration.ofSeconds(30))
                  .stalenessEpsilon(Duration.ofMillis(500))
                  .build()));

  private InvalidationBusBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.printf(
        "invalidation bus benchmark, %d cores, %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    String only = System.getProperty("bench.only", "");
    if (only.isEmpty() || only.equals("propagation")) {
      propagation();
    }
    if (only.isEmpty() || only.equals("convergence")) {
      convergence();
    }
    if (only.isEmpty() || only.equals("throughput")) {
      throughput();
    }
    System.exit(0);
  }

  /** Records, per sequence, how many nodes applied it and when the last one did. */
  private static final class Applied {
    final Map<Long, long[]> bySequence = new ConcurrentHashMap<>();
    final AtomicLong keys = new AtomicLong();

    InvalidationBus watch(InvalidationBus bus) {
      return new InvalidationBus() {
        @Override
        public Invalidation publish(InvalidationRequest r, String origin, Instant at) {
          return bus.publish(r, origin, at);
        }

        @Override
        public Subscription subscribe(long after, Consumer<Invalidation> l, Consumer<Long> gap) {
          return bus.subscribe(
              after,
              inv -> {
                l.accept(inv);
                long now = System.nanoTime();
                keys.addAndGet(inv.request().values().size());
                bySequence.merge(
                    inv.sequence(),
                    new long[] {1, now},
                    (a, b) -> new long[] {a[0] + 1, Math.max(a[1], b[1])});
              },
              gap);
        }

        @Override
        public void close() {
          bus.close();
        }
      };
    }
  }

  private static void propagation() throws Exception {
    VersionedSource source = new VersionedSource();
    Applied applied = new Applied();
    try (BusFleet fleet = BusFleet.start(0, CLASSES, source, BusFleet.BUS, 0)) {
      List<TieredCache<String>> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(fleet.addWatched(CLASSES, source, BusFleet.BUS, applied::watch).cache());
      }
      long[] rtt = pingRoundTrips(fleet, 2_000);
      int n = 3_000;
      long[] latency = new long[n];
      for (int i = 0; i < n; i++) {
        long start = System.nanoTime();
        Invalidation inv = nodes.get(i % 3).invalidate(InvalidationRequest.key("k" + i));
        long[] seen;
        // Every node, the issuer included, receives its own: 3 deliveries mean all applied.
        while ((seen = applied.bySequence.get(inv.sequence())) == null || seen[0] < 3) {
          Thread.onSpinWait();
        }
        latency[i] = seen[1] - start;
        LockSupport.parkNanos(500_000);
      }
      Arrays.sort(latency);
      Arrays.sort(rtt);
      System.out.printf(
          "propagation invalidate -> applied on 3 nodes, %d invalidations: p50 %.2f ms, p99 %.2f"
              + " ms, max %.2f ms (target p99 <= 20 ms); anchor PING p50 %.3f ms, p99 %.3f ms;"
              + " p99 ratio %.1fx%n",
          n,
          ms(latency[n / 2]),
          ms(latency[(int) (n * 0.99)]),
          ms(latency[n - 1]),
          ms(rtt[rtt.length / 2]),
          ms(rtt[(int) (rtt.length * 0.99)]),
          (double) latency[(int) (n * 0.99)] / rtt[(int) (rtt.length * 0.99)]);
    }
  }

  private static void convergence() throws Exception {
    int keys = 200;
    int rounds = Integer.getInteger("bench.rounds", 3);
    long worst = 0;
    long[] each = new long[rounds];
    for (int round = 0; round < rounds; round++) {
      VersionedSource source = new VersionedSource();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        names.add("k" + i);
        source.write("k" + i);
      }
      try (BusFleet fleet = BusFleet.start(3, CLASSES, source, BusFleet.BUS, 0, 2)) {
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        Object[] locks = new Object[keys];
        Arrays.setAll(locks, i -> new Object());
        for (int n = 0; n < 3; n++) {
          TieredCache<String> cache = fleet.node(n).cache();
          int seed = n;
          pool.execute(
              () -> {
                java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                while (running.get()) {
                  int k = random.nextInt(keys);
                  cache.get(names.get(k));
                  if (random.nextInt(10) == 0) {
                    synchronized (locks[k]) {
                      source.write(names.get(k));
                      try {
                        cache.invalidate(InvalidationRequest.key(names.get(k)));
                      } catch (InvalidationDeferredException journaled) {
                        // the cut node's writes wait for the heal
                      }
                    }
                  }
                  LockSupport.parkNanos(200_000);
                }
              });
        }
        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        fleet.node(2).proxy().stall();
        LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
        fleet.node(2).proxy().heal();
        long healed = System.nanoTime();
        running.set(false);
        pool.shutdown();
        pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        boolean converged = false;
        while (!converged && System.nanoTime() - healed < 10_000_000_000L) {
          converged = true;
          for (BusFleet.Node node : fleet.nodes) {
            for (String key : names) {
              converged &= VersionedSource.versionOf(node.cache().get(key)) == source.version(key);
            }
          }
        }
        each[round] = System.nanoTime() - healed;
        worst = Math.max(worst, each[round]);
      }
    }
    System.out.printf(
        "convergence after a 2 s partition of 1 of 3 nodes, %d rounds: %s ms, worst %.0f ms"
            + " (target <= 1000 ms)%n",
        rounds, Arrays.toString(Arrays.stream(each).map(x -> x / 1_000_000).toArray()), ms(worst));
  }

  /** How one publishing thread sends its share of the keys. */
  private interface Sender {
    void send(BusFleet.Node node, List<String> keys);
  }

  private static void throughput() throws Exception {
    int threads = Integer.getInteger("bench.threads", 16);
    int perThread = 160_000 / threads;
    AtomicLong deferred = new AtomicLong();
    throughput(
        "invalidate(key), the full path (L2 delete, then publish)",
        threads,
        perThread,
        (node, keys) ->
            keys.forEach(
                k -> {
                  try {
                    node.cache().invalidate(InvalidationRequest.key(k));
                  } catch (InvalidationDeferredException e) {
                    deferred.incrementAndGet(); // an L2 timeout under load: replayed later
                  }
                }),
        deferred);
    throughput(
        "the bus alone, publish(KEY) (coalesced by group commit)",
        threads,
        perThread,
        (node, keys) ->
            keys.forEach(
                k -> node.bus().publish(InvalidationRequest.key(k), node.id(), Instant.now())),
        deferred);
    throughput(
        "invalidate(keys) in batches of 100 (bulk updates, the database listener)",
        threads,
        perThread,
        (node, keys) -> {
          for (int from = 0; from < keys.size(); from += 100) {
            try {
              node.cache().invalidate(InvalidationRequest.keys(keys.subList(from, from + 100)));
            } catch (InvalidationDeferredException e) {
              deferred.incrementAndGet();
            }
          }
        },
        deferred);
  }

  private static void throughput(
      String what, int threads, int perThread, Sender sender, AtomicLong deferred)
      throws Exception {
    deferred.set(0);
    VersionedSource source = new VersionedSource();
    Applied applied = new Applied();
    try (BusFleet fleet = BusFleet.start(0, CLASSES, source, BusFleet.BUS, 0)) {
      for (int i = 0; i < 3; i++) {
        fleet.addWatched(CLASSES, source, BusFleet.BUS, applied::watch);
      }
      double anchor = rawXadds(fleet, 200_000);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch done = new CountDownLatch(threads);
      long start = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        List<String> keys = new ArrayList<>(perThread);
        for (int i = 0; i < perThread; i++) {
          keys.add("t" + (t * perThread + i));
        }
        BusFleet.Node node = fleet.node(t % 3);
        pool.execute(
            () -> {
              try {
                sender.send(node, keys);
              } finally {
                done.countDown();
              }
            });
      }
      done.await();
      long total = 3L * threads * perThread; // every key delivered to every node
      while (applied.keys.get() < total) {
        Thread.onSpinWait();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      pool.shutdown();
      double rate = threads * perThread / seconds;
      System.out.printf(
          "throughput, %s: %d keys from %d threads applied on 3 nodes in %.2f s: %.0f keys/s"
              + " (target >= 50,000/s), %d stream entries, %d deferred by L2 timeouts and"
              + " replayed; anchor raw pipelined XADD %.0f/s, ratio %.2f%n",
          what,
          threads * perThread,
          threads,
          seconds,
          rate,
          applied.bySequence.size(),
          deferred.get(),
          anchor,
          rate / anchor);
    }
  }

  private static long[] pingRoundTrips(BusFleet fleet, int n) {
    RedisClient client = RedisClient.create(fleet.redis.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      long[] rtt = new long[n];
      for (int i = 0; i < n; i++) {
        long start = System.nanoTime();
        c.sync().ping();
        rtt[i] = System.nanoTime() - start;
      }
      return rtt;
    } finally {
      client.shutdown();
    }
  }

  private static double rawXadds(BusFleet fleet, int n) {
    RedisClient client = RedisClient.create(fleet.redis.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      c.setAutoFlushCommands(false);
      long start = System.nanoTime();
      List<io.lettuce.core.RedisFuture<String>> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        batch.add(c.async().xadd("anchor-stream", Map.of("v", "k" + i)));
        if (batch.size() == 1000) {
          c.flushCommands();
          batch.forEach(f -> f.toCompletableFuture().join());
          batch.clear();
        }
      }
      c.flushCommands();
      batch.forEach(f -> f.toCompletableFuture().join());
      return n / ((System.nanoTime() - start) / 1e9);
    } finally {
      client.shutdown();
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
