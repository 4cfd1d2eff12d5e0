package io.tiercache.tools.demo;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.tools.EmbeddedDefault;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What the demo prints, written for someone who has never seen tiercache: a header saying what runs
 * and what is about to happen, progress lines, then two tables (where reads were served, how long
 * they took) and a legend of the columns that are not obvious.
 */
final class Report {
  private static final String INDENT = "  ";

  private final PrintWriter out;
  private boolean progressHeaded; // only the thread running the replay prints

  Report(PrintWriter out) {
    this.out = out;
  }

  void header(EmbeddedDefault embedded, DemoOptions options, Workload workload) {
    EmbeddedDefault.Options setup = embedded.options();
    out.printf(
        Locale.ROOT,
        "tiercache demo: %d reader threads on %d cache node(s), for %s%n%n",
        options.threads(),
        options.nodes(),
        human(options.duration()));
    out.printf(
        Locale.ROOT,
        "  source    H2 in memory, %,d sample rows; every load takes %s more, as a remote"
            + " database would%n",
        setup.sampleData().rows(),
        human(setup.sourceLatency()));
    out.println("  classes   " + classes(embedded.classes()));
    out.println("            seeded into the source's cache_class table and read back from it");
    out.println("  L1        Caffeine, in each node's own heap");
    out.println("  L2        " + l2(embedded));
    out.printf(
        Locale.ROOT,
        "  workload  Zipf(%s) over the %,d sample keys (seed %d): a few keys get most reads;%n"
            + "            %.0f%% of reads ask for keys the source does not have%n%n",
        trim(options.zipfExponent()),
        workload.sampleCount(),
        options.seed(),
        Workload.ABSENT_SHARE * 100);
    out.println("Each read tries L1, then L2, then the source (a miss). A loaded value is kept");
    out.println("in L1 and L2, so a key one node loaded is an L2 hit for the others. The caches");
    out.println("start empty: the first seconds are mostly misses, at the source's pace.");
    out.flush();
  }

  // Named classes first, by name; the catch-all ("*") last, as resolution treats it.
  private static String classes(CacheClasses classes) {
    return classes.all().stream()
        .sorted(
            Comparator.comparing((CacheClass c) -> c.keyPattern().text().equals("*"))
                .thenComparing(CacheClass::name))
        .map(c -> c.name() + " (" + c.keyPattern().text() + ")")
        .collect(Collectors.joining(", "));
  }

  private static String l2(EmbeddedDefault embedded) {
    return embedded
        .l2()
        .map(
            uri ->
                "redis://"
                    + uri.getHost()
                    + ":"
                    + uri.getPort()
                    + (embedded.startedRedis()
                        ? " (a redis-server started for this run, stopped at the end)"
                        : " (configured with --redis)"))
        .orElse("off: L1 only");
  }

  void progress(Replay.Progress p) {
    // Headed lazily: a run shorter than the interval has no progress lines to head.
    if (!progressHeaded) {
      out.println();
      out.printf(Locale.ROOT, "%s%8s  %12s  %9s%n", INDENT, "elapsed", "reads/s", "hit ratio");
      progressHeaded = true;
    }
    out.printf(
        Locale.ROOT,
        "%s%8s  %,12.0f  %9s%n",
        INDENT,
        human(p.elapsed().withNanos(0)),
        p.readsPerSecond(),
        percent(p.hitRatio()));
    out.flush();
  }

  void results(Tallies tallies, MeterRegistry meters, Duration ran) {
    out.printf(
        Locale.ROOT,
        "%nDone: %,d reads in %s (%,.0f reads/s).%n%n",
        tallies.reads(),
        human(ran.withNanos(0)),
        tallies.reads() / seconds(ran));
    out.println("Where the reads were served (hit ratio = (L1 hits + L2 hits) / reads)");
    out.println();
    servedTable(tallies, meters).print(out, INDENT);
    out.println();
    out.println("How long they took (read: one lookup, timed by the demo; load: one call to the");
    out.println("source, from the tiercache.load.latency timer)");
    out.println();
    latencyTable(tallies, meters).print(out, INDENT);
    out.println();
    legend(tallies, meters);
    out.flush();
  }

  private static Table servedTable(Tallies tallies, MeterRegistry meters) {
    Table t =
        new Table(
            "class",
            "reads",
            "L1 hits",
            "L2 hits",
            "misses",
            "hit ratio",
            "source loads",
            "refused");
    long[] all = new long[7];
    for (ClassReads c : tallies.classesRead()) {
      long[] row = {
        c.reads(),
        c.l1Hits(),
        c.l2Hits(),
        c.misses(),
        c.hits(),
        sourceLoads(meters, c.className()),
        c.refusedReads()
      };
      t.row(servedRow(c.className(), row));
      for (int i = 0; i < row.length; i++) {
        all[i] += row[i];
      }
    }
    return t.row(servedRow("all", all));
  }

  private static String[] servedRow(String name, long[] v) {
    return new String[] {
      name,
      count(v[0]),
      count(v[1]),
      count(v[2]),
      count(v[3]),
      percent(v[0] == 0 ? 0 : (double) v[4] / v[0]),
      count(v[5]),
      count(v[6])
    };
  }

  private static Table latencyTable(Tallies tallies, MeterRegistry meters) {
    Table t = new Table("class", "read p50", "read p99", "read p99.9", "load p50", "load p99");
    Histogram all = null;
    for (ClassReads c : tallies.classesRead()) {
      Histogram h = c.takeLatencies();
      Timer loads = meters.find("tiercache.load.latency").tag("class", c.className()).timer();
      t.row(
          c.className(),
          percentile(h, 50),
          percentile(h, 99),
          percentile(h, 99.9),
          percentile(loads, 0.5),
          percentile(loads, 0.99));
      if (all == null) {
        all = h.copy();
      } else {
        all.add(h);
      }
    }
    if (all != null) {
      t.row("all", percentile(all, 50), percentile(all, 99), percentile(all, 99.9), "", "");
    }
    return t;
  }

  private void legend(Tallies tallies, MeterRegistry meters) {
    long failed = tallies.classesRead().stream().mapToLong(ClassReads::failedReads).sum();
    out.printf(
        Locale.ROOT,
        "misses:       reads answered by the source: by their own load, or by waiting for%n"
            + "              another read's load of the same key (%,d waited in the same node,%n"
            + "              %,d for another node's: one load per key across the nodes)%n"
            + "source loads: calls to the source (tiercache.loads), background refreshes included%n"
            + "refused:      reads turned away because the class's source rate limit was spent%n"
            + "stale:        %,d reads were served stale while a refresh ran; %,d reads failed%n",
        sum(meters, "tiercache.loads.coalesced"),
        sum(meters, "tiercache.lease.waits"),
        sum(meters, "tiercache.stale.served"),
        failed);
  }

  private static long sourceLoads(MeterRegistry meters, String className) {
    return (long)
        meters.find("tiercache.loads").tag("class", className).counters().stream()
            .mapToDouble(Counter::count)
            .sum();
  }

  private static long sum(MeterRegistry meters, String name) {
    return (long) meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static String percentile(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? "-" : nanos(h.getValueAtPercentile(percentile));
  }

  private static String percentile(Timer timer, double percentile) {
    if (timer == null || timer.count() == 0) {
      return "-";
    }
    for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
      if (v.percentile() == percentile) {
        return nanos(v.value(TimeUnit.NANOSECONDS));
      }
    }
    return "?";
  }

  static String nanos(double ns) {
    if (ns < 1_000) {
      return String.format(Locale.ROOT, "%.0f ns", ns);
    } else if (ns < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f us", ns / 1e3);
    } else if (ns < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
    }
    return String.format(Locale.ROOT, "%.2f s", ns / 1e9);
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String percent(double ratio) {
    return String.format(Locale.ROOT, "%.2f%%", ratio * 100);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.format(Locale.ROOT, "%.1f", d) : Double.toString(d);
  }

  private static double seconds(Duration d) {
    return Math.max(1e-9, d.toNanos() / 1e9);
  }

  /** {@code 10s}, {@code 2ms}, {@code 1m30s}: as typed on the command line. */
  static String human(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.toMillis() < 1000) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    String text = s >= 60 ? (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s") : s + "s";
    return d.toMillisPart() == 0 ? text : Report.nanos(d.toNanos());
  }
}
