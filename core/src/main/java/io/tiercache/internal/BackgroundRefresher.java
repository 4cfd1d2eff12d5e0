package io.tiercache.internal;

import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs refreshes off the read path (stale-while-revalidate, early and ahead refreshes) on a bounded
 * pool. Identical refreshes coalesce: a key already queued or running is not queued again. When the
 * queue is full a refresh is dropped and counted; the entry then simply expires and is loaded on a
 * later read, so dropping is always safe. Failures are logged and counted, never thrown at readers.
 */
final class BackgroundRefresher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackgroundRefresher.class);

  private final ThreadPoolExecutor pool;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  BackgroundRefresher(int threads, int queue) {
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, "tiercache-refresh-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Queues {@code refresh} for {@code key} unless one is already queued or running.
   *
   * @return whether it was queued
   */
  boolean submit(String key, Runnable refresh) {
    if (!pending.add(key)) {
      return false;
    }
    try {
      pool.execute(
          () -> {
            try {
              refresh.run();
            } catch (RuntimeException e) {
              failed.incrementAndGet();
              log.debug("background refresh of '{}' failed", key, e);
            } finally {
              pending.remove(key);
            }
          });
      return true;
    } catch (java.util.concurrent.RejectedExecutionException e) {
      dropped.incrementAndGet();
      pending.remove(key);
      return false;
    }
  }

  long dropped() {
    return dropped.get();
  }

  long failed() {
    return failed.get();
  }

  /** Whether no refresh is queued or running (for tests). */
  boolean idle() {
    return pending.isEmpty();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
