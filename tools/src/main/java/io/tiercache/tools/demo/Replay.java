package io.tiercache.tools.demo;

import io.tiercache.Lookup;
import io.tiercache.SourceOverloadedException;
import io.tiercache.TierCacheException;
import io.tiercache.TieredCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Replays a {@link Workload} with reader threads spread over cache nodes until a deadline, timing
 * every read into the {@link Tallies}, and reports progress at a fixed interval.
 */
final class Replay {
  /** One progress report: time since the start, reads per second since the last, hit ratio. */
  record Progress(Duration elapsed, double readsPerSecond, double hitRatio) {}

  private final Workload workload;
  private final List<TieredCache<String>> nodes;
  private final Tallies tallies;
  private final DemoOptions options;

  Replay(Workload workload, List<TieredCache<String>> nodes, Tallies tallies, DemoOptions options) {
    this.workload = workload;
    this.nodes = List.copyOf(nodes);
    this.tallies = tallies;
    this.options = options;
  }

  /**
   * Reads for {@link DemoOptions#duration()}, calling {@code progress} every {@code interval} from
   * this thread.
   *
   * @return how long the readers actually ran
   */
  Duration run(Duration interval, Consumer<Progress> progress) throws InterruptedException {
    AtomicInteger threadNumber = new AtomicInteger();
    ExecutorService readers =
        Executors.newFixedThreadPool(
            options.threads(),
            r -> {
              Thread t = new Thread(r, "demo-reader-" + threadNumber.incrementAndGet());
              t.setDaemon(true); // a stuck read must not keep the JVM alive after the report
              return t;
            });
    long start = System.nanoTime();
    long deadline = start + options.duration().toNanos();
    List<Future<?>> running = new ArrayList<>();
    for (int i = 0; i < options.threads(); i++) {
      TieredCache<String> node = nodes.get(i % nodes.size());
      // Each reader's own stream: the same seed replays the same keys per reader.
      RandomGenerator random = new SplittableRandom(options.seed() * 1_000_003L + i);
      running.add(readers.submit(() -> readUntil(deadline, node, random)));
    }
    readers.shutdown();
    try {
      awaitWithProgress(readers, start, interval, progress);
    } catch (InterruptedException e) {
      readers.shutdownNow(); // readers stop at their next read, not at the deadline
      throw e;
    }
    Duration ran = Duration.ofNanos(System.nanoTime() - start);
    rethrowReaderFailure(running);
    return ran;
  }

  private void awaitWithProgress(
      ExecutorService readers, long start, Duration interval, Consumer<Progress> progress)
      throws InterruptedException {
    long nextTick = start + interval.toNanos();
    long lastTick = start;
    long lastReads = 0;
    while (!readers.awaitTermination(nextTick - System.nanoTime(), TimeUnit.NANOSECONDS)) {
      long now = System.nanoTime();
      long reads = tallies.reads();
      double perSecond = (reads - lastReads) * 1e9 / Math.max(1, now - lastTick);
      progress.accept(new Progress(Duration.ofNanos(now - start), perSecond, hitRatio()));
      lastTick = now;
      lastReads = reads;
      nextTick += interval.toNanos();
    }
  }

  private double hitRatio() {
    long reads = tallies.reads();
    return reads == 0 ? 0 : (double) tallies.hits() / reads;
  }

  private void readUntil(long deadline, TieredCache<String> node, RandomGenerator random) {
    while (System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted()) {
      int index = workload.next(random);
      ClassReads tally = tallies.forKey(index);
      long start = System.nanoTime();
      try {
        Lookup<String> lookup = node.lookup(workload.key(index));
        tally.served(lookup.tier(), System.nanoTime() - start);
      } catch (SourceOverloadedException e) {
        tally.refused();
      } catch (TierCacheException e) {
        tally.failed();
      }
    }
  }

  // Readers catch what the cache throws by contract; anything else is a bug worth a stack trace.
  private static void rethrowReaderFailure(List<Future<?>> running) throws InterruptedException {
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("a reader failed", e.getCause());
      }
    }
  }
}
