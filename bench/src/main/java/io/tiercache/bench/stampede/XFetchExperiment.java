package io.tiercache.bench.stampede;

import io.tiercache.bench.BenchArgs;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.RefreshStrategy;
import io.tiercache.redis.local.LocalRedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Probabilistic early refresh (XFetch) under a steady read load: a hot key of a class with {@link
 * RefreshStrategy#EARLY_PROBABILISTIC}, a short TTL (2 s) and a 50 ms source, read by every node
 * about once per millisecond per reader for many TTLs. The anchor is one source load per TTL, and
 * no read should ever find the key expired: the refresh should land before the deadline.
 *
 * <p>It runs on a fleet of three nodes and then, as the control, on one node. What a read "found"
 * is classified by {@link SteadyReads}; the L2 misses the nodes' meters count (an L2 read that
 * found no fresh entry) are printed beside it as a cross-check.
 */
public final class XFetchExperiment {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration SOURCE_LATENCY = Duration.ofMillis(50);
  private static final String KEY = "xfetch:hot";

  private XFetchExperiment() {}

  public static void main(String[] args) throws Exception {
    run(BenchArgs.parse(args)).forEach(System.out::println);
  }

  /**
   * Runs the experiment on a fleet of 3 nodes, then on a single node as the control (or only on
   * {@code --nodes=N}), and returns the lines of the figures.
   */
  public static List<String> run(BenchArgs args) throws Exception {
    int readersPerNode = args.positiveInt("readers", 2);
    int ttls = args.positiveInt("ttls", args.quick() ? 4 : 15);
    List<Integer> fleets =
        args.settings().containsKey("nodes")
            ? List.of(args.positiveInt("nodes", 3))
            : List.of(3, 1);
    Duration l2Timeout = StampedeExperiment.l2Timeout(args);
    List<String> lines = new ArrayList<>();
    for (int nodeCount : fleets) {
      lines.addAll(run(nodeCount, readersPerNode, ttls, l2Timeout));
    }
    return lines;
  }

  private static List<String> run(int nodeCount, int readersPerNode, int ttls, Duration l2Timeout)
      throws Exception {
    String setup =
        String.format(
            Locale.ROOT,
            "%d node(s) in one JVM x %d readers (one read per ms each), one hot key, TTL %d ms,"
                + " source latency %d ms, beta 1, %d TTLs of steady reads",
            nodeCount,
            readersPerNode,
            TTL.toMillis(),
            SOURCE_LATENCY.toMillis(),
            ttls);
    System.out.println("xfetch: " + setup);
    CacheClass early =
        CacheClass.builder("early", "*")
            .ttl(TTL)
            .ttlJitter(0)
            .refreshStrategy(RefreshStrategy.EARLY_PROBABILISTIC)
            .earlyRefreshBeta(1.0)
            .build();
    SlowSource source = new SlowSource(SOURCE_LATENCY);
    List<TieredNode> nodes = new ArrayList<>();
    try (LocalRedisServer redis = LocalRedisServer.start()) {
      try {
        for (int i = 0; i < nodeCount; i++) {
          nodes.add(new TieredNode("node-" + (i + 1), redis.uri(), early, source, l2Timeout));
        }
        for (TieredNode n : nodes) {
          n.read(KEY); // one load, then L2 hits: every node starts with the value in L1
        }
        return measure(setup, nodes, source, readersPerNode, ttls);
      } finally {
        nodes.forEach(Node::close);
      }
    }
  }

  private static List<String> measure(
      String setup, List<TieredNode> nodes, SlowSource source, int readersPerNode, int ttls)
      throws InterruptedException {
    double l2MissesBefore = l2Misses(nodes);
    int loadsBefore = source.loads();
    long startMs = System.currentTimeMillis();
    long start = System.nanoTime();
    SteadyReads.Tally t =
        SteadyReads.run(nodes, readersPerNode, KEY, TTL.multipliedBy(ttls), SOURCE_LATENCY);
    double seconds = (System.nanoTime() - start) / 1e9;
    int loads = source.loads() - loadsBefore;
    double perTtl = loads / (seconds / (TTL.toMillis() / 1000.0));
    Histogram latency = t.latencyMicros();
    List<String> lines = new ArrayList<>();
    lines.add("XFetch: " + setup);
    lines.add(
        String.format(
            Locale.ROOT,
            "  source loads: %d in %.1f s = %.2f per TTL (anchor 1 per TTL; target about 1): %s",
            loads,
            seconds,
            perTtl,
            perTtl <= 1.5 ? "met" : "MISSED"));
    double l2Misses = l2Misses(nodes) - l2MissesBefore;
    double expired = t.fromSource() + t.stale() + l2Misses;
    lines.add(
        String.format(
            Locale.ROOT,
            "  reads: %d; found the key expired: %.0f (served from the source %d, served stale %d,"
                + " L2 reads that found no fresh entry %.0f; target 0): %s%s",
            t.reads(),
            expired,
            t.fromSource(),
            t.stale(),
            l2Misses,
            expired == 0 && t.failures() == 0 ? "met" : "MISSED",
            t.failures() == 0 ? "" : "; " + t.failures() + " reads FAILED: " + t.firstFailure()));
    lines.add(
        String.format(
            Locale.ROOT,
            "  read latency p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.1f ms; %d reads took >="
                + " %d ms (a wait for a load, or the machine stalled them)",
            latency.getValueAtPercentile(50) / 1000.0,
            latency.getValueAtPercentile(99) / 1000.0,
            latency.getValueAtPercentile(99.9) / 1000.0,
            latency.getMaxValue() / 1000.0,
            t.slow(),
            SOURCE_LATENCY.toMillis()));
    lines.add("  nodes: " + StampedeExperiment.meters(nodes));
    lines.add(
        "  loads started at (s after the steady reads began): "
            + source.startedAtMs().stream()
                .skip(loadsBefore)
                .map(ms -> String.format(Locale.ROOT, "%.3f", (ms - startMs) / 1000.0))
                .toList());
    lines.forEach(System.out::println);
    return lines;
  }

  private static double l2Misses(List<TieredNode> nodes) {
    return nodes.stream()
        .mapToDouble(n -> n.count("tiercache.gets", "tier", "l2", "result", "miss"))
        .sum();
  }
}
