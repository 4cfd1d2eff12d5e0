package io.tiercache.jdbc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.L2Options;
import io.tiercache.TieredCache;
import io.tiercache.TieredCacheBuilder;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.WritePolicy;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.redis.local.LocalRedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The write path's figures, each against its anchor in the same run (DESIGN "Measuring"):
 *
 * <ol>
 *   <li>write-back: acknowledged writes per second on one node, each durable (fsync, group commit)
 *       before its acknowledgement, with 16 to 64 writer threads; the anchor is the number of
 *       fsyncs, shown as writes per fsync;
 *   <li>write-through: latency of {@code TieredCache.write} (PostgreSQL, then L1; the Redis put and
 *       the bus announcement run on the key's publication lane, off the writer's path) over that of
 *       a direct JDBC UPDATE of the same row, alternating, on the same pool.
 * </ol>
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (database {@code test}) and, for L2, {@code redis-server} on
 * the PATH. Arguments (all optional): seconds per write-back run (default 10), writer thread counts
 * (default 16,32,64), write-through iterations (default 5000).
 */
public final class WriteBenchmark {
  private WriteBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int[] threads =
        Arrays.stream((args.length > 1 ? args[1] : "16,32,64").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 5000;
    try (Database.Opened db = Database.POSTGRES.open();
        LocalRedisServer redis = LocalRedisServer.isAvailable() ? LocalRedisServer.start() : null) {
      for (int t : threads) {
        writeBack(db, redis, t, seconds, false);
        if (redis != null && !Boolean.getBoolean("noL2")) {
          writeBack(db, redis, t, seconds, true);
        }
      }
      if (iterations > 0) {
        writeThrough(db, Boolean.getBoolean("noL2") ? null : redis, iterations);
      }
    }
  }

  private static TieredCacheBuilder<String> node(
      Database.Opened db, LocalRedisServer redis, boolean withL2, CacheClasses classes) {
    TieredCacheBuilder<String> b =
        TieredCache.builder(ValueCodec.utf8())
            .classes(classes)
            .loader(SampleData.loader(db.source().dataSource()))
            .writer(SampleData.writer(db.source().dataSource()))
            .meterRegistry(new SimpleMeterRegistry());
    if (Boolean.getBoolean("sameThreadMaintenance")) {
      b.executor(Runnable::run);
    }
    if (withL2) {
      b.remoteTier(
              RedisRemoteTier.standalone(
                  redis.uri(), RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(2))))
          .l2Options(L2Options.DEFAULT.withTimeout(Duration.ofSeconds(2)));
    }
    return b;
  }

  private static void writeBack(
      Database.Opened db, LocalRedisServer redis, int threads, int seconds, boolean withL2)
      throws Exception {
    Path dir = Files.createTempDirectory("tiercache-bench-journal-");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TieredCacheBuilder<String> b = node(db, redis, withL2, CacheClasses.defaults());
    if (Boolean.getBoolean("nullSource")) {
      b.writer(new NullWriter()); // isolates the node's own cost from PostgreSQL's on this machine
    }
    TieredCache<String> cache =
        b.writeBack(
                WriteBackOptions.in(dir)
                    .withSyncConcurrency(
                        Integer.getInteger("sync", WriteBackOptions.DEFAULT_SYNC_CONCURRENCY)))
            .meterRegistry(meters)
            .build();
    LongAdder acks = new LongAdder();
    AtomicBoolean counting = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w =
          new Thread(
              () -> {
                String value = "x".repeat(200);
                while (!stop.get()) {
                  cache.write("session:" + ThreadLocalRandom.current().nextInt(10_000), value);
                  if (counting.get()) {
                    acks.increment();
                  }
                }
              });
      w.start();
      writers.add(w);
    }
    Thread.sleep(2000); // warm-up: a benchmark's fixed phase, not a wait for a condition
    long syncs0 = syncs(meters);
    counting.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    counting.set(false);
    double took = (System.nanoTime() - start) / 1e9;
    long syncs = syncs(meters) - syncs0;
    double pending = meters.get("tiercache.writeback.pending").gauge().value();
    double lagMs =
        meters
            .get("tiercache.writeback.lag")
            .timeGauge()
            .value(java.util.concurrent.TimeUnit.MILLISECONDS);
    double flushed = meters.get("tiercache.writeback.flushed").counter().count();
    stop.set(true);
    for (Thread w : writers) {
      w.join();
    }
    cache.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    System.out.printf(
        "write-back %-8s %2d threads: %,10.0f acknowledged writes/s, %,8.0f fsyncs/s, %5.1f writes"
            + " per fsync; flusher: %,.0f rows written, %,.0f keys pending (lag %,.0f ms) at the"
            + " end%n",
        withL2 ? "L1+L2" : "L1 only",
        threads,
        acks.sum() / took,
        syncs / took,
        syncs == 0 ? 0 : acks.sum() / (double) syncs,
        flushed,
        pending,
        lagMs);
  }

  private static long syncs(SimpleMeterRegistry meters) {
    return (long) meters.get("tiercache.writeback.journal.syncs").functionCounter().count();
  }

  private static void writeThrough(Database.Opened db, LocalRedisServer redis, int iterations)
      throws Exception {
    CacheClasses classes =
        CacheClasses.of(
            List.of(
                CacheClass.builder("through", "*")
                    .writePolicy(WritePolicy.WRITE_THROUGH)
                    .ttl(Duration.ofMinutes(5))
                    .build()));
    try (TieredCache<String> cache = node(db, redis, redis != null, classes).build()) {
      String key = "bench:wt";
      cache.write(key, "seed");
      long[] direct = new long[iterations];
      long[] through = new long[iterations];
      for (int round = 0; round < 2; round++) { // the first round warms up
        for (int i = 0; i < iterations; i++) {
          String value = "v" + i;
          // Alternate which goes first, so neither always follows the other's commit.
          if (i % 2 == 0) {
            direct[i] = timed(() -> directUpdate(db, key, value));
            through[i] = timed(() -> cache.write(key, value));
          } else {
            through[i] = timed(() -> cache.write(key, value));
            direct[i] = timed(() -> directUpdate(db, key, value));
          }
        }
      }
      Arrays.sort(direct);
      Arrays.sort(through);
      System.out.printf(
          "write-through (%s) vs direct JDBC UPDATE, %d each: mean %.3f / %.3f ms = %.2fx,"
              + " p50 %.3f / %.3f ms = %.2fx, p99 %.3f / %.3f ms%n",
          redis != null ? "PostgreSQL + L1 + Redis" : "PostgreSQL + L1",
          iterations,
          mean(through) / 1e6,
          mean(direct) / 1e6,
          mean(through) / mean(direct),
          through[iterations / 2] / 1e6,
          direct[iterations / 2] / 1e6,
          through[iterations / 2] / (double) direct[iterations / 2],
          through[iterations * 99 / 100] / 1e6,
          direct[iterations * 99 / 100] / 1e6);
    }
  }

  @FunctionalInterface
  private interface Op {
    void run() throws Exception;
  }

  private static long timed(Op op) throws Exception {
    long t0 = System.nanoTime();
    op.run();
    return System.nanoTime() - t0;
  }

  private static void directUpdate(Database.Opened db, String key, String value) throws Exception {
    try (Connection c = db.source().dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("UPDATE sample_item SET v = ?, version = version + 1 WHERE k = ?")) {
      ps.setString(1, value);
      ps.setString(2, key);
      ps.executeUpdate();
    }
  }

  /** A source that takes every write and does nothing. */
  private static final class NullWriter implements io.tiercache.CacheWriter<String> {
    @Override
    public long write(String key, String value) {
      return 1;
    }

    @Override
    public void delete(String key) {}

    @Override
    public void writeAll(java.util.Map<String, io.tiercache.VersionedValue<String>> batch) {}
  }

  private static double mean(long[] xs) {
    return Arrays.stream(xs).average().orElse(0);
  }
}
