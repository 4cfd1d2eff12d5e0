package io.tiercache.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A class's L1 hit rate, looked at once a second, and what follows from it: whether the class's
 * hits are counted one by one or estimated from the sampled hits (exact while it has few, estimated
 * while it has many), and the rate itself, from which hot-key detection sets how often it samples
 * the class's hits ({@link HotKeys#hitsPerSample}).
 *
 * <p>Why estimate: an exact count costs every hit a look-up of its thread's cell and a write there,
 * and at hundreds of millions of hits a second that was a third of the hit's time ({@code bin/bench
 * l1}, docs/BENCHMARKS.md), against a raw Caffeine read that counts nothing. At that rate an
 * estimate is as good to anyone reading the counter: each sampled hit (one in {@code sampleEvery},
 * drawn independently per hit) adds {@code sampleEvery}, so the count's expectation is the exact
 * count, and its standard error over {@code n} hits is {@code sqrt(n * (sampleEvery - 1))}: under
 * 1% of 10 seconds' hits at the lowest rate that estimates. Below that rate the count is exact, so
 * a quiet class, a test or a dashboard reading a handful of hits sees every one.
 *
 * <p>The rate is looked at once a second at most, by the first sampled hit of the class past the
 * second (one thread wins; the others go on), from the class's own counter, shared by every cache
 * on the registry: {@link #ESTIMATE_ABOVE} hits a second switch to the estimate, fewer than {@link
 * #EXACT_BELOW} switch back, so a rate near one bound does not flip the mode every second.
 */
final class HitRate {
  /** Hits a second of the class above which its hits are estimated. */
  static final long ESTIMATE_ABOVE = 100_000;

  /** Hits a second below which an estimating class counts every hit again. */
  static final long EXACT_BELOW = 25_000;

  /** How often the rate is looked at, at most. */
  static final long CHECK_EVERY_MS = 1000;

  private final ThreadCounters.Counter hits;
  // When the next look is due; 0 before the first, which only takes the starting point. The
  // thread that moves it from a due time to MAX_VALUE takes the look, alone writes the two fields
  // below, and sets the next due time when done.
  private final AtomicLong nextCheckMs = new AtomicLong();
  private long countAtCheck;
  private long lastCheckMs;
  private volatile boolean estimating; // written by the look's thread, read by every sampled hit
  private volatile long perSecond; // the rate at the last look; 0 before the second look

  HitRate(ThreadCounters.Counter hits) {
    this.hits = hits;
  }

  /**
   * Looks at the rate when a look is due at {@code nowMs}, and switches the mode if it calls for
   * it. Called on sampled hits; costs one read when no look is due.
   *
   * @return whether hits are estimated after this call
   */
  boolean check(long nowMs) {
    long due = nextCheckMs.get();
    if (nowMs < due || !nextCheckMs.compareAndSet(due, Long.MAX_VALUE)) {
      return estimating;
    }
    long count = hits.sum();
    if (due != 0) {
      long rate = (count - countAtCheck) * 1000 / Math.max(1, nowMs - lastCheckMs);
      estimating = estimating ? rate >= EXACT_BELOW : rate > ESTIMATE_ABOVE;
      perSecond = rate;
    }
    countAtCheck = count;
    lastCheckMs = nowMs;
    nextCheckMs.set(nowMs + CHECK_EVERY_MS); // publishes the two fields to the next look's thread
    return estimating;
  }

  /** The class's L1 hits a second at the last look; 0 until a second look. */
  long perSecond() {
    return perSecond;
  }
}
