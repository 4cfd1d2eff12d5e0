package io.tiercache.tools.demo;

import io.lettuce.core.RedisURI;
import io.tiercache.InvalidConfigException;
import io.tiercache.TieredCache;
import io.tiercache.tools.EmbeddedDefault;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tiercache demo}: starts the {@link EmbeddedDefault}, reads its sample keys with a skewed
 * (Zipf) popularity from several threads and cache nodes, and reports per cache class where the
 * reads were served (L1, L2, source) and how long reads and source loads took.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs tiercache on the embedded default (H2 with sample data as the source, L2 on a"
          + " redis-server started for the run when one is on the PATH) under a skewed read"
          + " workload, then reports hits, misses and latencies per cache class and tier."
    })
public final class DemoCommand implements Callable<Integer> {
  /** How often a progress line is printed. */
  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);

  @Spec private CommandSpec spec;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = Converters.DurationConverter.class,
      description = "How long to read, e.g. 10s, 2m (default: ${DEFAULT-VALUE}).")
  private Duration duration;

  @Option(
      names = "--threads",
      defaultValue = "4",
      description = "Reader threads (default: ${DEFAULT-VALUE}).")
  private int threads;

  @Option(
      names = "--nodes",
      defaultValue = "2",
      description =
          "Cache nodes sharing the source and L2, each with its own L1, as instances of a"
              + " service would (default: ${DEFAULT-VALUE}).")
  private int nodes;

  @Option(
      names = "--zipf",
      defaultValue = "1.0",
      paramLabel = "EXPONENT",
      description =
          "Skew of key popularity: 0 is uniform, larger puts more reads on fewer keys"
              + " (default: ${DEFAULT-VALUE}).")
  private double zipfExponent;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seeds key popularity and every reader's draws (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(
      names = "--source-latency",
      defaultValue = "2ms",
      converter = Converters.DurationConverter.class,
      description =
          "Added to every source load, like a remote database (default: ${DEFAULT-VALUE}).")
  private Duration sourceLatency;

  @Option(
      names = "--redis",
      paramLabel = "URI",
      converter = Converters.RedisUriConverter.class,
      description = "Use this Redis as L2 (redis://host:port) instead of starting a redis-server.")
  private RedisURI redis;

  @Option(names = "--no-l2", description = "Run with L1 only.")
  private boolean noL2;

  /**
   * Runs the demo and prints its report to the command line's output.
   *
   * @return 0
   * @throws ParameterException when an option is out of range
   * @throws io.tiercache.TierCacheException when the embedded default cannot start (for example,
   *     the Redis given with {@code --redis} cannot be reached)
   */
  @Override
  public Integer call() throws InterruptedException {
    DemoOptions options = demoOptions();
    EmbeddedDefault.Options setup = embeddedOptions();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (EmbeddedDefault embedded = EmbeddedDefault.start(setup, line -> warn(err, line))) {
      Workload workload =
          Workload.over(embedded.sampleKeys(), options.zipfExponent(), options.seed());
      List<TieredCache<String>> caches = new ArrayList<>(List.of(embedded.cache()));
      while (caches.size() < options.nodes()) {
        caches.add(embedded.addNode());
      }
      Tallies tallies = Tallies.of(workload, embedded.cache());
      Report report = new Report(out);
      report.header(embedded, options, workload);
      Duration ran =
          new Replay(workload, caches, tallies, options).run(PROGRESS_INTERVAL, report::progress);
      report.results(tallies, embedded.meterRegistry(), ran);
    }
    return 0;
  }

  private DemoOptions demoOptions() {
    try {
      return new DemoOptions(duration, threads, nodes, zipfExponent, seed);
    } catch (InvalidConfigException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  private EmbeddedDefault.Options embeddedOptions() {
    if (noL2 && redis != null) {
      throw new ParameterException(spec.commandLine(), "--redis and --no-l2 exclude each other");
    }
    try {
      EmbeddedDefault.Options setup =
          EmbeddedDefault.Options.DEFAULT.withSourceLatency(sourceLatency);
      if (noL2) {
        return setup.withoutL2();
      }
      return redis != null ? setup.withRedis(redis) : setup;
    } catch (InvalidConfigException e) {
      String message = e.getMessage().substring(e.field().length());
      throw new ParameterException(spec.commandLine(), "--source-latency" + message, e);
    }
  }

  private static void warn(PrintWriter err, String line) {
    err.println(line);
    err.flush();
  }
}
