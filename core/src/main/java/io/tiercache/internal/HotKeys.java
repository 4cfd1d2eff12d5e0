package io.tiercache.internal;

import io.tiercache.HotKey;
import io.tiercache.HotKeyOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the fleet's hot keys and keeps them in this node's L1. Each node counts a sample of its
 * reads in {@link HeavyHitters} sketches, one per reading thread (so readers never contend for one
 * lock on the hit path), summed at each round; every {@code publishEvery} it adds its counts (each
 * sample weighing the reads it stands for) to the fleet's counts in L2 for the current window and
 * reads the merged top keys back. Keys hot across the fleet that are missing from this node's L1
 * are loaded into it ahead of reads, so a key that turns hot on one node is already local on the
 * others when their readers arrive. Without L2 the list is this node's own.
 *
 * <p>Windows are {@code 10 * publishEvery} long; the rate of a key is its count over the previous
 * and the current window divided by the time they span.
 */
final class HotKeys implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HotKeys.class);
  private static final int WINDOWS_PER_PUBLISH = 10;

  /**
   * How many of a busy class's L1 hits a second hot-key detection samples, at least: {@link
   * #hitsPerSample} thins the sample of a class that one in {@code sampleOneIn} would sample more
   * than twice this many times a second.
   */
  static final long SAMPLES_PER_SECOND = 10_000;

  private final HotKeyOptions options;
  private final L2Guard l2;
  private final Clock clock;
  private final PerThread<HeavyHitters> sketches;
  private final Predicate<String> freshInL1;
  private final Consumer<String> prefetch;
  private final ScheduledExecutorService scheduler;
  private final Map<String, Long> localTotals = new HashMap<>();
  private volatile List<HotKey> current = List.of();

  HotKeys(
      HotKeyOptions options,
      L2Guard l2,
      Clock clock,
      Predicate<String> freshInL1,
      Consumer<String> prefetch) {
    this.options = options;
    this.sketches = new PerThread<>(() -> new HeavyHitters(options.trackedKeys()));
    this.l2 = l2;
    this.clock = clock;
    this.freshInL1 = freshInL1;
    this.prefetch = prefetch;
    if (options.enabled()) {
      this.scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "tiercache-hot-keys");
                t.setDaemon(true);
                return t;
              });
      long every = options.publishEvery().toMillis();
      scheduler.scheduleWithFixedDelay(this::safeRound, every, every, TimeUnit.MILLISECONDS);
    } else {
      this.scheduler = null;
    }
  }

  /** Counts a read, one in {@code sampleOneIn}; a few nanoseconds on the hot path. */
  void record(String key) {
    if (options.enabled()
        && (ThreadLocalRandom.current().nextInt() & (options.sampleOneIn() - 1)) == 0) {
      sketches.get().offer(key, options.sampleOneIn());
    }
  }

  /**
   * Counts a read that the caller sampled itself (the L1 hit path), one of {@code reads} (what the
   * sample stands for: its sampling period); a no-op when disabled.
   */
  void offer(String key, long reads) {
    if (options.enabled()) {
      sketches.get().offer(key, reads);
    }
  }

  /**
   * How many L1 hits of a class with {@code hitsPerSecond} hits a second one hot-key sample stands
   * for: {@code sampleOneIn}, or for a class busier than {@link #SAMPLES_PER_SECOND} samples of
   * that many a second, the power of two that keeps its samples between that many and twice as many
   * a second. A power of two, never less than {@code sampleOneIn}.
   *
   * <p>Why: a sample costs the reading thread a lock and a look-up in its sketch, tens of
   * nanoseconds, and at 1 in 64 that was a tenth of a busy class's L1 hit ({@code bin/bench l1},
   * docs/BENCHMARKS.md). What the sketch finds depends on how many samples it sees, not on how many
   * reads they stand for: ten thousand a second rank the hottest keys of a class as well at ten
   * million hits a second as at one million.
   */
  long hitsPerSample(long hitsPerSecond) {
    long every = options.sampleOneIn();
    long busy = Long.highestOneBit(hitsPerSecond / SAMPLES_PER_SECOND);
    return Math.max(every, busy);
  }

  /** One read in this many is counted. */
  int sampleOneIn() {
    return options.enabled() ? options.sampleOneIn() : Integer.MAX_VALUE;
  }

  /** The fleet's hot keys, hottest first, as of the last round. */
  List<HotKey> current() {
    return current;
  }

  private void safeRound() {
    try {
      round();
    } catch (RuntimeException e) {
      log.debug("hot-key round failed", e); // the next round tries again
    }
  }

  /** One publishing round: publish, fetch, prefetch. Package-private for tests. */
  void round() {
    long windowMs = options.publishEvery().toMillis() * WINDOWS_PER_PUBLISH;
    long now = clock.millis();
    long window = now / windowMs;
    Map<String, Long> counts = sampledCounts();
    Map<String, Double> merged = fleetCounts(counts, window, windowMs);
    double seconds = (windowMs + (now - window * windowMs)) / 1000.0;
    List<HotKey> hot = new ArrayList<>();
    merged.forEach((k, v) -> hot.add(new HotKey(k, v / seconds)));
    hot.sort(Comparator.comparingDouble(HotKey::readsPerSecond).reversed());
    current = List.copyOf(hot.subList(0, Math.min(options.trackedKeys(), hot.size())));
    if (options.prefetch()) {
      for (HotKey k : current) {
        if (!freshInL1.test(k.key())) {
          prefetch.accept(k.key());
        }
      }
    }
  }

  /**
   * This node's counts since the last round, in reads (each sample weighs the reads it stands for),
   * summed over the readers' sketches, the {@code trackedKeys} highest only. A sketch whose thread
   * has ended is dropped once drained.
   */
  private Map<String, Long> sampledCounts() {
    Map<String, Long> sum = new HashMap<>();
    sketches.forEach(
        (sketch, ended) -> sketch.drain().forEach((k, v) -> sum.merge(k, v, Long::sum)));
    Map<String, Long> top = new HashMap<>();
    sum.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(options.trackedKeys())
        .forEach(e -> top.put(e.getKey(), e.getValue()));
    return top;
  }

  /** The fleet's counts for the previous and current window; this node's alone without L2. */
  private Map<String, Double> fleetCounts(Map<String, Long> counts, long window, long windowMs) {
    Duration keep = Duration.ofMillis(windowMs * 3);
    Object added = l2.addHotKeyCounts(Long.toString(window), counts, keep);
    Object previous = l2.hotKeyCounts(Long.toString(window - 1), options.trackedKeys());
    Object present = l2.hotKeyCounts(Long.toString(window), options.trackedKeys());
    Map<String, Double> merged = new HashMap<>();
    if (added == L2Guard.NO_ANSWER || present == L2Guard.NO_ANSWER) {
      synchronized (localTotals) {
        counts.forEach((k, v) -> localTotals.merge(k, v, Long::sum));
        localTotals.forEach((k, v) -> merged.put(k, v.doubleValue()));
        localTotals.replaceAll((k, v) -> v / 2); // decay, so old heat fades
        localTotals.values().removeIf(v -> v == 0);
      }
      return merged;
    }
    for (Object part : List.of(previous, present)) {
      if (part instanceof Map<?, ?> m) {
        m.forEach((k, v) -> merged.merge((String) k, (Double) v, Double::sum));
      }
    }
    return merged;
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
