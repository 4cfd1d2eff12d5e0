package io.tiercache.bench;

import io.tiercache.bench.stampede.StampedeExperiment;
import io.tiercache.bench.stampede.XFetchExperiment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Mode;

/**
 * Runs the benchmarks and prints each tiercache figure as a ratio to its anchor measured in the
 * same run, with the command and the machine (docs/BENCHMARKS.md records the output).
 *
 * <p>Usage: {@code bin/bench [l1|l2|bulk|stampede|xfetch|hitratio|all] [--quick] [--prof=gc]
 * [--name=value]...}. {@code l1}, {@code l2} and {@code bulk} are JMH pairs; {@code stampede} and
 * {@code xfetch} are experiments with many callers, where the anchor is one source load per expiry;
 * {@code hitratio} replays a recorded trace through L1 and through raw Caffeine.
 */
public final class BenchMain {
  /** One runnable benchmark: returns the lines of its figures. */
  @FunctionalInterface
  interface Command {
    List<String> run(BenchArgs args) throws Exception;
  }

  /** Marks a figure that could not be measured; any such line makes the exit status 1. */
  static final String FAILED = "FAILED";

  private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

  static {
    pair(
        "l1",
        new JmhPair(
            "L1 hit: TieredCache.get vs raw Caffeine.getIfPresent, 1,024 hot keys",
            L1HitBenchmark.class,
            "rawCaffeine",
            "tieredCache",
            List.of(
                "caffeineWithExpiry",
                "caffeineWithStats",
                "tieredCacheNoHotKeys",
                "tieredCacheNearBound"),
            Mode.Throughput,
            2,
            0.5));
    pair(
        "l2",
        new JmhPair(
            "L2 hit (L1 bypassed): TieredCache.get vs raw Lettuce GET of the same bytes, standalone"
                + " Redis",
            L2HitBenchmark.class,
            "rawLettuceGet",
            "tieredCacheGet",
            List.of("rawLettuceLeaseScript"),
            Mode.SampleTime,
            1,
            1.2));
    pair(
        "bulk",
        new JmhPair(
            "Bulk: TieredCache.getAll of 1,000 L2 hits vs raw Lettuce cluster MGET (split per slot,"
                + " pipelined), 3 masters",
            BulkGetBenchmark.class,
            "rawLettuceMget",
            "tieredCacheGetAll",
            List.of("rawLettuceLeaseScripts"),
            Mode.SampleTime,
            1,
            1.3));
    COMMANDS.put("stampede", StampedeExperiment::run);
    COMMANDS.put("xfetch", XFetchExperiment::run);
    COMMANDS.put("hitratio", TraceHitRatio::run);
  }

  private BenchMain() {}

  private static void pair(String id, JmhPair pair) {
    COMMANDS.put(id, args -> pair.run(args.quick(), args.profilers()));
  }

  public static void main(String[] argv) throws Exception {
    BenchArgs args;
    try {
      args = BenchArgs.parse(argv);
    } catch (IllegalArgumentException e) {
      usage(e.getMessage());
      return;
    }
    List<String> selected = new ArrayList<>();
    for (String id : COMMANDS.keySet()) {
      if (args.what().equals("all") || args.what().equals(id)) {
        selected.add(id);
      }
    }
    if (selected.isEmpty()) {
      usage("unknown benchmark '" + args.what() + "'");
      return;
    }
    String started = Machine.describe();
    Map<String, List<String>> figures = new LinkedHashMap<>();
    boolean failed = false;
    for (String id : selected) {
      // One broken benchmark must not lose the figures of the others in an "all" run.
      try {
        figures.put(id, COMMANDS.get(id).run(args));
      } catch (Exception e) {
        e.printStackTrace();
        figures.put(id, List.of(FAILED + ": " + e));
      }
      failed |= figures.get(id).stream().anyMatch(l -> l.contains(FAILED));
    }
    System.out.println();
    System.out.println("== tiercache benchmarks: each figure against its anchor, same run ==");
    System.out.println("command:  " + args.line());
    System.out.println(
        "kind:     "
            + (args.quick()
                ? "QUICK run (short iterations; proves the benchmark works, figures are rough)"
                : "full run"));
    System.out.println("code:     " + System.getenv().getOrDefault("TIERCACHE_COMMIT", "unknown"));
    System.out.println("started:  " + started);
    System.out.println("finished: load average " + Machine.loadAverage());
    figures.forEach(
        (id, lines) -> {
          System.out.println();
          System.out.println("[" + id + "]");
          lines.forEach(System.out::println);
        });
    if (failed) {
      System.exit(1);
    }
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println(
        "usage: bin/bench ["
            + String.join("|", COMMANDS.keySet())
            + "|all] [--quick] [--prof=gc]"
            + " [--callers=N --rounds=N (stampede)] [--nodes=N --ttls=N --readers=N (xfetch)]"
            + " [--l2-timeout-ms=N (stampede, xfetch)] [--trace=PATH --sizes=N,N (hitratio)]");
    System.exit(2);
  }
}
