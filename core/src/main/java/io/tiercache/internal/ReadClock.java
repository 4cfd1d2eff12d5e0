package io.tiercache.internal;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
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
 * for that long while readers did. That happens after a pause of the whole process (a GC stop, a
 * stopped or descheduled VM): every thread resumes at once, and the readers that get the CPU first
 * read the sample taken before the pause, so for them a copy that expired (or a bus that went
 * silent) during the pause still looks current. Measured: with the process stopped for 0.9 s during
 * the staleness checker, a class of 500 ms bound served a value 1.2 s stale. Hence {@link
 * #catchUp}: the L1 hit path calls it on its sampled hits (each hit sampled with a chance of one in
 * 64), so after a pause each reading thread serves 64 hits on the old sample on average, more than
 * 1,400 with a chance of 3 in 10^10, before the sample is current again for every thread. Reading
 * the exact clock on every hit would close that window, at 25 ns a hit on the project's VM.
 *
 * <p>Only the system clock is sampled; an injected clock (tests move a manual clock) is read on
 * every call, so tests see exactly the time they set.
 */
final class ReadClock {
  /** How close to a deadline the exact clock is read instead of the sample. */
  static final long EXACT_WITHIN_MS = 50;

  /** How far behind the exact clock {@link #catchUp} lets the sample be: the sampling period. */
  static final long CATCH_UP_BEYOND_MS = 2;

  private final Clock exact;
  private final LongSupplier sampled; // null: read the exact clock every time
  private final LongConsumer advance; // moves the sample to a later time; null when not sampled
  private final boolean ticking; // holds the sampling thread
  private volatile boolean closed;

  private ReadClock(Clock exact, LongSupplier sampled, LongConsumer advance, boolean ticking) {
    this.exact = exact;
    this.sampled = sampled;
    this.advance = advance;
    this.ticking = ticking;
  }

  /** A sampled clock for the system clock, the clock itself for any other. */
  static ReadClock of(Clock clock) {
    boolean system = clock.getClass() == Clock.systemUTC().getClass();
    if (system) {
      Ticker.acquire();
      return new ReadClock(clock, Ticker::now, Ticker::advance, true);
    }
    return new ReadClock(clock, null, null, false);
  }

  /** For tests: a clock whose sample is {@code sample}, which {@link #catchUp} may move. */
  static ReadClock sampling(Clock exact, AtomicLong sample) {
    return new ReadClock(exact, sample::get, t -> sample.accumulateAndGet(t, Math::max), false);
  }

  /**
   * Whether this clock samples the system clock: then {@link #millis} is {@link #systemSample},
   * which the L1 hit reads directly, a field read sooner.
   */
  boolean samplesSystemClock() {
    return ticking;
  }

  /** The system clock's sample, in epoch milliseconds: see {@link #samplesSystemClock}. */
  static long systemSample() {
    return Ticker.now;
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

  /**
   * Moves the sample up to the exact clock when it is more than {@link #CATCH_UP_BEYOND_MS} behind:
   * the sampling thread has not run for that long (see the class comment). Reads the exact clock,
   * so it is called on sampled hits only; it writes the sample only when it is behind, so that
   * readers on other cores keep their copy of it.
   */
  void catchUp() {
    if (advance == null) {
      return;
    }
    long t = exact.millis();
    if (t - millis() > CATCH_UP_BEYOND_MS) {
      advance.accept(t);
    }
  }

  /**
   * For tests: stops (true) or resumes (false) the system clock's sampling thread, as a pause of
   * the process would stop it while readers go on.
   */
  static void holdSampling(boolean hold) {
    Ticker.held = hold;
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

    // For tests: while true, the thread stops sampling, as in a pause that it sleeps through.
    static volatile boolean held;

    static long now() {
      return now;
    }

    /**
     * Moves the sample to {@code t}, read from the wall clock by a reader. A race with the thread's
     * own write can leave the earlier of the two, which is at most one sampling period behind.
     */
    static void advance(long t) {
      now = t;
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
        if (!held) {
          now = System.currentTimeMillis();
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }
}
