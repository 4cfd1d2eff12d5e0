package io.tiercache.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Striped single-thread lanes: tasks of one key run one at a time, in the order they were handed
 * over, on the lane its hash picks. Each lane's queue is bounded; when it is full the task runs on
 * the caller's thread instead (the JDK's caller-runs policy), so nothing is ever dropped and a
 * burst of writes slows its writers down rather than growing memory. A task run that way can
 * overtake tasks of its key still queued; callers make their tasks safe in any order (version
 * checks). After {@link #close} tasks run on the caller's thread too.
 *
 * <p>Written over {@link ThreadPoolExecutor} rather than taken from a library: the per-key ordered
 * executors of the libraries at hand (Caffeine, resilience4j, Lettuce) are not public, and striping
 * is a dozen lines here.
 */
final class PublishLanes implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PublishLanes.class);

  private final ThreadPoolExecutor[] lanes;
  private final Counter inline;

  PublishLanes(int count, int queueCapacity, String node, MeterRegistry registry) {
    this.inline =
        Counter.builder("tiercache.writes.publish.inline")
            .description(
                "write publications run on the writer's thread because their lane was full")
            .register(registry);
    this.lanes = new ThreadPoolExecutor[count];
    for (int i = 0; i < count; i++) {
      String name = "tiercache-publish-" + node + "-" + i;
      lanes[i] =
          new ThreadPoolExecutor(
              1,
              1,
              0,
              TimeUnit.MILLISECONDS,
              new ArrayBlockingQueue<>(queueCapacity),
              r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
              },
              (task, executor) -> {
                inline.increment();
                task.run();
              });
    }
    Gauge.builder("tiercache.writes.publish.queued", this, PublishLanes::queued)
        .description("write publications waiting in the lanes")
        .register(registry);
  }

  /** Runs {@code task} on the lane of {@code key}, or on this thread when that lane is full. */
  void execute(String key, Runnable task) {
    int h = key.hashCode();
    lanes[Math.floorMod(h ^ (h >>> 16), lanes.length)].execute(task);
  }

  private double queued() {
    return Arrays.stream(lanes).mapToInt(l -> l.getQueue().size()).sum();
  }

  /** Runs what is queued, for at most {@code timeout} in all; later tasks run on their caller. */
  void close(Duration timeout) {
    for (ThreadPoolExecutor lane : lanes) {
      lane.shutdown();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (ThreadPoolExecutor lane : lanes) {
        if (!lane.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
          log.warn("write publications still queued after {}; left undone", timeout);
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
