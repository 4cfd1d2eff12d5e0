package io.tiercache.internal;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The clock of the L1 hit path: the wall clock sampled once a millisecond by one daemon thread,
 * read exactly only near a deadline.
 *
 * <p>Why: reading the wall clock costs about 17 ns on the project's VM (vDSO {@code clock_gettime}
 * on a TSC clock source), twice what a raw Caffeine read costs, and the L1 hit is measured against
 * one raw Caffeine read (docs/BENCHMARKS.md). No dependency of the core offers a cached clock, so
 * it is written here; it is the same trade nginx ({@code ngx_current_msec}) and Redis ({@code
 * server.mstime}) make.
 *
 * <p>Correctness: the sample lags the wall clock by about a millisecond. A copy whose deadline is
 * within {@link #EXACT_WITHIN_MS} of the sampled time is judged by the exact clock ({@link
 * #exactNear}), so a copy is never served past its deadline unless the sampling thread has not run
 * for that long while readers did: only across a pause of the whole process (a GC stop), where the
 * read is indistinguishable from one that started before the pause.
 *
 * <p>Only the system clock is sampled; an injected clock (tests move a manual clock) is read on
 * every call, so tests see exactly the time they set.
 */
final class ReadClock {
  /** How close to a deadline the exact clock is read instead of the sample. */
  static final long EXACT_WITHIN_MS = 50;

  private final Clock exact;
  private final LongSupplier sampled; // null: read the exact clock every time
  private final boolean ticking; // holds the sampling thread
  private volatile boolean closed;

  private ReadClock(Clock exact, LongSupplier sampled, boolean ticking) {
    this.exact = exact;
    this.sampled = sampled;
    this.ticking = ticking;
  }

  /** A sampled clock for the system clock, the clock itself for any other. */
  static ReadClock of(Clock clock) {
    boolean system = clock.getClass() == Clock.systemUTC().getClass();
    if (system) {
      Ticker.acquire();
    }
    return new ReadClock(clock, system ? Ticker::now : null, system);
  }

  /** For tests: a clock whose sample is whatever {@code sampled} says. */
  static ReadClock sampling(Clock exact, LongSupplier sampled) {
    return new ReadClock(exact, sampled, false);
  }

  /** The time in epoch milliseconds, sampled (up to about a millisecond behind). */
  long millis() {
    if (ticking) {
      return Ticker.now; // the system clock's sample: one read of a static field
    }
    return sampled == null ? exact.millis() : sampled.getAsLong();
  }

  /**
   * {@code nowMs}, or the exact time when {@code deadlineMs} is within {@link #EXACT_WITHIN_MS} of
   * it: what a deadline check must use.
   */
  long exactNear(long deadlineMs, long nowMs) {
    return sampled != null && deadlineMs - nowMs <= EXACT_WITHIN_MS ? exact.millis() : nowMs;
  }

  /** Stops sampling for this clock's owner; the thread ends with its last owner. */
  synchronized void close() {
    if (ticking && !closed) {
      Ticker.release();
    }
    closed = true;
  }

  /** The one sampling thread, running while any cache uses it. */
  private static final class Ticker {
    static volatile long now = System.currentTimeMillis();
    private static int owners;
    private static Thread thread;

    static long now() {
      return now;
    }

    static synchronized void acquire() {
      now = System.currentTimeMillis(); // current from the first read on
      if (owners++ == 0) {
        Thread t = new Thread(Ticker::run, "tiercache-read-clock");
        t.setDaemon(true);
        thread = t;
        t.start();
      }
    }

    static synchronized void release() {
      if (owners > 0 && --owners == 0) {
        thread.interrupt();
        thread = null;
      }
    }

    private static void run() {
      Thread self = Thread.currentThread();
      while (!self.isInterrupted()) {
        now = System.currentTimeMillis();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }
}
