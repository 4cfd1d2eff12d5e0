package io.tiercache.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * One comparison run by JMH: tiercache's method (the subject) and the method of its anchor, in one
 * JMH run, one fork each, same machine, same keys and bytes. The figure is the subject's score
 * divided by the anchor's.
 *
 * @param title what is compared, as printed
 * @param type the benchmark class
 * @param anchor the anchor's method (raw Caffeine, raw Lettuce)
 * @param subject tiercache's method
 * @param references further methods printed beside the pair to explain the ratio, not judged
 * @param mode {@link Mode#Throughput} (higher is better) or {@link Mode#SampleTime} (mean and p99
 *     latency, lower is better)
 * @param threads JMH worker threads
 * @param target the ratio tiercache should reach: at least it for throughput, at most for latency
 */
record JmhPair(
    String title,
    Class<?> type,
    String anchor,
    String subject,
    List<String> references,
    Mode mode,
    int threads,
    double target) {

  private static final TimeUnit UNIT = TimeUnit.MICROSECONDS;

  boolean throughput() {
    return mode == Mode.Throughput;
  }

  private static final int FULL_FORKS = 3;

  /** Runs the pair and returns the lines of its figure. */
  List<String> run(boolean quick, Collection<String> profilers) throws RunnerException {
    String methods =
        String.join("|", Stream.concat(Stream.of(anchor, subject), references.stream()).toList());
    ChainedOptionsBuilder o =
        new OptionsBuilder()
            .include(type.getName() + "\\.(" + methods + ")$")
            // Three forks in a full run: on the project's 2-core VMs one fork's figure moved by up
            // to a third from one JVM to the next (JIT and heap layout), more than the changes
            // measured with it.
            .forks(quick ? 1 : FULL_FORKS)
            .jvmArgsAppend("-Xms1g", "-Xmx1g")
            .threads(threads)
            .warmupIterations(quick ? 1 : 3)
            .warmupTime(TimeValue.seconds(quick ? 1 : 3))
            .measurementIterations(quick ? 2 : 5)
            .measurementTime(TimeValue.seconds(quick ? 1 : 3))
            .mode(mode)
            .timeUnit(UNIT);
    profilers.forEach(o::addProfiler);
    Map<String, Result<?>> results = new LinkedHashMap<>();
    for (RunResult r : new Runner(o.build()).run()) {
      results.put(r.getParams().getBenchmark().replaceAll(".*\\.", ""), r.getPrimaryResult());
    }
    return describe(results);
  }

  private List<String> describe(Map<String, Result<?>> results) {
    List<String> lines = new ArrayList<>();
    Result<?> a = results.get(anchor);
    Result<?> s = results.get(subject);
    if (a == null || s == null) {
      lines.add(
          title
              + ": "
              + BenchMain.FAILED
              + ", no score for "
              + (a == null ? anchor : subject)
              + " (a trial failed its sanity check or crashed; see the JMH output above)");
      return lines;
    }
    lines.add(title);
    lines.add("  anchor     " + anchor + ": " + score(a));
    lines.add("  tiercache  " + subject + ": " + score(s));
    for (String ref : references) {
      Result<?> r = results.get(ref);
      if (r != null) {
        lines.add(
            String.format(
                Locale.ROOT,
                "  reference  %s: %s (%.2fx the anchor; explains the ratio, not judged)",
                ref,
                score(r),
                r.getScore() / a.getScore()));
      }
    }
    double ratio = s.getScore() / a.getScore();
    if (throughput()) {
      lines.add(
          String.format(
              Locale.ROOT,
              "  ratio %.3fx throughput (target >= %.1fx): %s",
              ratio,
              target,
              ratio >= target ? "met" : "MISSED"));
    } else {
      double p99 = p99(s) / p99(a);
      lines.add(
          String.format(
              Locale.ROOT,
              "  ratio %.3fx mean latency, %.3fx p99 latency (target <= %.1fx): %s",
              ratio,
              p99,
              target,
              ratio <= target && p99 <= target ? "met" : "MISSED"));
      // The median is the figure least moved by other load on the machine; shown, not judged.
      lines.add(
          String.format(
              Locale.ROOT,
              "  (p50 ratio %.3fx, not judged)",
              s.getStatistics().getPercentile(50) / a.getStatistics().getPercentile(50)));
    }
    return lines;
  }

  private String score(Result<?> r) {
    if (throughput()) {
      return String.format(Locale.ROOT, "%.2f ops/us (%d threads)", r.getScore(), threads);
    }
    return String.format(
        Locale.ROOT,
        "mean %.1f us, p50 %.1f us, p99 %.1f us, %d samples",
        r.getScore(),
        r.getStatistics().getPercentile(50),
        p99(r),
        r.getStatistics().getN());
  }

  private static double p99(Result<?> r) {
    return r.getStatistics().getPercentile(99);
  }

  /** The method names, for error messages. */
  @Override
  public String toString() {
    return type.getSimpleName()
        + Stream.concat(Stream.of(anchor, subject), references.stream())
            .collect(Collectors.joining(",", "[", "]"));
  }
}
