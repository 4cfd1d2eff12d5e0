package io.tiercache.bench.stampede;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.tiercache.L2Options;
import io.tiercache.bench.BenchArgs;
import io.tiercache.classes.CacheClass;
import io.tiercache.redis.local.LocalRedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * A stampede: 3 nodes x N callers read one hot key right after it expires, for several expiries,
 * over one {@link LocalRedisServer} and a source that takes 50 ms per load. Three strategies run in
 * the same process, one after the other, against the same source and Redis:
 *
 * <ol>
 *   <li>plain cache-aside with raw Lettuce ({@link CacheAsideNode}): expect about 3N loads per
 *       expiry;
 *   <li>per-JVM single-flight over the same Redis ({@link SingleFlightNode}): expect 3, one per
 *       node;
 *   <li>tiercache with {@code RedisRemoteTier} ({@link TieredNode}): the fleet-wide lease, expect
 *       exactly 1.
 * </ol>
 *
 * The anchor is the optimum, one source load per expiry. The three nodes are three cache clients in
 * one JVM, each with its own Redis connection, not three processes: what the experiment shows is
 * the coordination protocol, and Redis sees three clients either way.
 *
 * <p>Latency is every caller's own, the loading caller's included. All 3N callers start at one
 * instant (see {@link Callers}) on the same few cores, so part of every latency is the machine
 * scheduling 3N threads at once; strategy (b), which never polls, shows how large that part is.
 */
public final class StampedeExperiment {
  private static final int NODES = 3;
  private static final Duration SOURCE_LATENCY = Duration.ofMillis(50);
  private static final Duration TTL = Duration.ofSeconds(1);
  private static final Duration WAITER_P99_SLACK = Duration.ofMillis(20);

  /** One strategy's result: loads per expiry, and every caller's latency. */
  private record Outcome(
      String label,
      List<Integer> loads,
      List<Long> roundP99Ms,
      Histogram latency,
      int failures,
      String firstFailure,
      String notes) {

    IntSummaryStatistics loadStats() {
      return loads.stream().mapToInt(Integer::intValue).summaryStatistics();
    }

    String describe() {
      IntSummaryStatistics s = loadStats();
      return String.format(
          Locale.ROOT,
          "%-46s loads per expiry %7.2f (min %d, max %d; %s)%n%-46s caller latency p50 %5.1f ms,"
              + " p99 %5.1f ms, max %5.1f ms (p99 per expiry %s)%s%s",
          label,
          s.getAverage(),
          s.getMin(),
          s.getMax(),
          loads,
          "",
          ms(latency, 50),
          ms(latency, 99),
          latency.getMaxValue() / 1000.0,
          roundP99Ms,
          failures == 0 ? "" : "; " + failures + " reads FAILED, first: " + firstFailure,
          notes.isEmpty() ? "" : "; " + notes);
    }
  }

  private StampedeExperiment() {}

  public static void main(String[] args) throws Exception {
    run(BenchArgs.parse(args)).forEach(System.out::println);
  }

  /** Runs the three strategies and returns the lines of the figures. */
  public static List<String> run(BenchArgs args) throws Exception {
    int perNode = args.positiveInt("callers", 200);
    int rounds = args.positiveInt("rounds", args.quick() ? 3 : 10);
    Duration l2Timeout = l2Timeout(args);
    String setup =
        String.format(
            Locale.ROOT,
            "%d nodes (cache clients in one JVM, each with its own Redis connection; one"
                + " redis-server) x %d callers, one hot key read right after it expires, %d"
                + " expiries (after one uncounted warm-up expiry), source latency %d ms, TTL %d ms,"
                + " tiercache L2 timeout %d ms",
            NODES,
            perNode,
            rounds,
            SOURCE_LATENCY.toMillis(),
            TTL.toMillis(),
            l2Timeout.toMillis());
    System.out.println("stampede: " + setup);
    List<Outcome> outcomes = new ArrayList<>();
    try (LocalRedisServer redis = LocalRedisServer.start();
        Callers callers = new Callers(NODES * perNode)) {
      RedisClient adminClient = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, byte[]> admin =
          adminClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
        RedisCommands<String, byte[]> r = admin.sync();
        outcomes.add(cacheAside(redis, r, callers, rounds));
        outcomes.add(singleFlight(redis, r, callers, rounds));
        outcomes.add(tiercache(redis, callers, rounds, l2Timeout));
      } finally {
        adminClient.shutdown();
      }
    }
    return summarize(setup, outcomes);
  }

  private static Outcome cacheAside(
      LocalRedisServer redis, RedisCommands<String, byte[]> admin, Callers callers, int rounds)
      throws Exception {
    SlowSource source = new SlowSource(SOURCE_LATENCY);
    return naive(
        "(a) cache-aside, raw Lettuce GET + SET",
        "aside:hot",
        redis,
        admin,
        callers,
        rounds,
        source,
        i -> new CacheAsideNode(redis.uri(), source, TTL));
  }

  private static Outcome singleFlight(
      LocalRedisServer redis, RedisCommands<String, byte[]> admin, Callers callers, int rounds)
      throws Exception {
    SlowSource source = new SlowSource(SOURCE_LATENCY);
    return naive(
        "(b) per-JVM single-flight over the same Redis",
        "flight:hot",
        redis,
        admin,
        callers,
        rounds,
        source,
        i -> new SingleFlightNode(redis.uri(), source, TTL));
  }

  private static Outcome naive(
      String label,
      String key,
      LocalRedisServer redis,
      RedisCommands<String, byte[]> admin,
      Callers callers,
      int rounds,
      SlowSource source,
      IntFunction<Node> newNode)
      throws Exception {
    List<Node> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < NODES; i++) {
        nodes.add(newNode.apply(i));
      }
      // The value's deadline is when Redis drops it, as an absolute instant (PEXPIRETIME). "Now +
      // PTTL" would be early by however long the reply took on a busy machine, and callers
      // released early would find the key still there.
      LongSupplier freshUntil =
          () -> {
            long at = admin.pexpiretime(key);
            return at > 0 ? at : System.currentTimeMillis();
          };
      return rounds(label, key, nodes, freshUntil, source, callers, rounds, () -> "");
    } finally {
      nodes.forEach(Node::close);
    }
  }

  private static Outcome tiercache(
      LocalRedisServer redis, Callers callers, int rounds, Duration l2Timeout) throws Exception {
    SlowSource source = new SlowSource(SOURCE_LATENCY);
    // No jitter and no stale window: the key expires in every tier at one instant, and every
    // caller must get a fresh value, so nobody is served stale while one node reloads.
    CacheClass hot = CacheClass.builder("hot", "*").ttl(TTL).ttlJitter(0).build();
    List<TieredNode> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < NODES; i++) {
        nodes.add(new TieredNode("node-" + (i + 1), redis.uri(), hot, source, l2Timeout));
      }
      // The latest deadline of any node's copy. Usually every copy carries the L2 entry's deadline,
      // but a node that fell back to loading alone (an L2 call timed out) holds a later one in its
      // L1 only; releasing the callers before that expires would time L1 hits, not an expiry.
      // Each lookup here is an L1 hit: every node's callers have just read the key.
      LongSupplier freshUntil =
          () ->
              nodes.stream()
                  .mapToLong(n -> n.lookup("hot").freshUntil().toEpochMilli())
                  .max()
                  .orElseThrow();
      return rounds(
          "(c) tiercache, RedisRemoteTier leases",
          "hot",
          nodes,
          freshUntil,
          source,
          callers,
          rounds,
          () -> meters(nodes));
    } finally {
      nodes.forEach(Node::close);
    }
  }

  /** The nodes' L2 errors by kind (a node that gets no answer loads alone) and lease waits. */
  static String meters(List<TieredNode> nodes) {
    double timeouts = 0;
    double failed = 0;
    double rejected = 0;
    double waits = 0;
    for (TieredNode n : nodes) {
      timeouts += n.count("tiercache.l2.errors", "kind", "timeout");
      failed += n.count("tiercache.l2.errors", "kind", "error");
      rejected += n.count("tiercache.l2.errors", "kind", "rejected");
      waits += n.count("tiercache.lease.waits");
    }
    return String.format(
        Locale.ROOT,
        "L2 calls timed out %.0f, failed %.0f, refused by the breaker %.0f; lease waits %.0f",
        timeouts,
        failed,
        rejected,
        waits);
  }

  /**
   * Primes the key, then for each round waits until it expires and releases every caller, after one
   * uncounted warm-up round.
   */
  private static Outcome rounds(
      String label,
      String key,
      List<? extends Node> nodes,
      LongSupplier freshUntilMs,
      SlowSource source,
      Callers callers,
      int rounds,
      java.util.function.Supplier<String> notes)
      throws Exception {
    nodes.get(0).read(key);
    // One expiry that is not counted: the first one runs cold (JIT, connections, thread stacks) and
    // would measure warm-up, not the strategy.
    callers.fire(nodes, key, freshUntilMs.getAsLong() + 1);
    List<Integer> loads = new ArrayList<>();
    List<Long> roundP99 = new ArrayList<>();
    Histogram latency = null;
    int failures = 0;
    String firstFailure = null;
    for (int i = 0; i < rounds; i++) {
      long expiresAt = freshUntilMs.getAsLong();
      int before = source.loads();
      // One millisecond past the deadline: every tier treats the key as expired from then on.
      Callers.Round round = callers.fire(nodes, key, expiresAt + 1);
      loads.add(source.loads() - before);
      roundP99.add(Math.round(ms(round.latencyMicros(), 99)));
      if (latency == null) {
        latency = round.latencyMicros().copy();
      } else {
        latency.add(round.latencyMicros());
      }
      failures += round.failures();
      firstFailure = firstFailure != null ? firstFailure : round.firstFailure();
    }
    Outcome o = new Outcome(label, loads, roundP99, latency, failures, firstFailure, notes.get());
    System.out.println(o.describe());
    return o;
  }

  private static List<String> summarize(String setup, List<Outcome> outcomes) {
    List<String> lines = new ArrayList<>();
    lines.add("Stampede: " + setup);
    outcomes.forEach(o -> lines.add(o.describe()));
    Outcome tc = outcomes.get(outcomes.size() - 1);
    IntSummaryStatistics s = tc.loadStats();
    double p99 = ms(tc.latency(), 99);
    long limit = SOURCE_LATENCY.plus(WAITER_P99_SLACK).toMillis();
    lines.add(
        String.format(
            Locale.ROOT,
            "  anchor: 1 source load per expiry. tiercache %.2fx the anchor (%d-%d per expiry;"
                + " target exactly 1): %s",
            s.getAverage(),
            s.getMin(),
            s.getMax(),
            s.getMin() == 1 && s.getMax() == 1 && tc.failures() == 0 ? "met" : "MISSED"));
    lines.add(
        String.format(
            Locale.ROOT,
            "  tiercache caller p99 %.1f ms (waiters and the one loader) vs source latency + %d"
                + " ms = %d ms (target): %s",
            p99,
            WAITER_P99_SLACK.toMillis(),
            limit,
            p99 <= limit ? "met" : "MISSED"));
    lines.add(
        String.format(
            Locale.ROOT,
            "  for comparison: cache-aside %.1fx the anchor, per-JVM single-flight %.1fx",
            outcomes.get(0).loadStats().getAverage(),
            outcomes.get(1).loadStats().getAverage()));
    return lines;
  }

  /**
   * {@code --l2-timeout-ms}, or the library's default: the L2 timeout decides whether a slow L2
   * call counts as an outage, after which a node loads alone.
   */
  static Duration l2Timeout(BenchArgs args) {
    return Duration.ofMillis(
        args.positiveInt("l2-timeout-ms", (int) L2Options.DEFAULT_TIMEOUT.toMillis()));
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }
}
