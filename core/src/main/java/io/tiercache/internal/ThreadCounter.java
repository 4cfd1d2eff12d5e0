package io.tiercache.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter of events on the L1 hit path: each thread adds to a cell only it writes, with no atomic
 * instruction; a read sums the cells. Exact: every increment is counted, and visible to readers
 * promptly (opaque writes).
 *
 * <p>Written by hand because the libraries' counters pay an atomic read-modify-write per increment:
 * Micrometer's counter (a {@code DoubleAdder}) measured 9.5 ns and {@code LongAdder} 7.9 ns per
 * increment with two threads on the project's VM, more than the raw Caffeine read (9.3 ns) the L1
 * hit is measured against; this one costs a thread-local lookup and a plain add (2.6 ns).
 *
 * <p>A cell whose thread has ended is folded into a base count by the next read, so cells do not
 * accumulate with threads that come and go.
 */
final class ThreadCounter extends PerThread<ThreadCounter.Cell> {
  private static final VarHandle VALUE;

  static {
    try {
      VALUE = MethodHandles.lookup().findVarHandle(CellFields.class, "value", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private long ended; // counts of the cells of ended threads; guarded by this

  ThreadCounter() {
    super(Cell::new); // a subclass rather than a field: the hit path reaches its cell a hop sooner
  }

  /** Adds one, on the calling thread's cell. */
  void increment() {
    get().increment();
  }

  /**
   * The calling thread's cell: the L1 hit path adds its hit there and takes its sampling draws from
   * the same cell, so a hit costs one thread-local lookup.
   */
  Cell cell() {
    return get();
  }

  /** The count: every increment made before this call began, and possibly some made during it. */
  synchronized long sum() {
    long[] sum = {ended};
    forEach(
        (c, threadEnded) -> {
          if (threadEnded) {
            // Its last visit: the cell is final. Folded under this lock, so no read counts it
            // twice or misses it.
            long last = (long) VALUE.getVolatile(c);
            ended += last;
            sum[0] += last;
          } else {
            sum[0] += (long) VALUE.getOpaque(c);
          }
        });
    return sum[0];
  }

  /** The count as a double, for a Micrometer function counter. */
  double count() {
    return sum();
  }

  /**
   * 64 bytes ahead of a cell's fields, and {@link CellPaddingAfter} 64 after: each thread writes
   * its cell on every hit, and a cell sharing a cache line with memory another thread reads or
   * writes halved the L1 hit's throughput in some heap layouts (27 against 56 ops/us, the L1
   * benchmark run with the JVM's default heap). Padding by superclasses, because the JVM keeps a
   * superclass's fields ahead of a subclass's but may reorder the fields of one class.
   */
  @SuppressWarnings("unused")
  abstract static class CellPaddingBefore {
    private long p01, p02, p03, p04, p05, p06, p07, p08;
  }

  /** A cell's state: see {@link Cell}. */
  abstract static class CellFields extends CellPaddingBefore {
    long value; // through VALUE
    int countdown = 1;
    long seed = java.util.concurrent.ThreadLocalRandom.current().nextLong() | 1; // not 0
  }

  /** See {@link CellPaddingBefore}. */
  @SuppressWarnings("unused")
  abstract static class CellPaddingAfter extends CellFields {
    private long q01, q02, q03, q04, q05, q06, q07, q08;
  }

  /**
   * One thread's count, and what the same path samples with: a countdown to the next sampled read
   * and a pseudo-random stream (xorshift64*, Vigna 2016). A hit decrements the countdown, on the
   * cache line it counts on, and draws only when it reaches zero, about once in {@code every} hits
   * ({@link #sampleDue}); the draws then decide what the sampled read feeds.
   */
  static final class Cell extends CellPaddingAfter {
    /** Adds one; only the owning thread calls this. */
    void increment() {
      VALUE.setOpaque(this, value + 1); // a plain read: only this thread writes it
    }

    /**
     * Whether this read is a sampled one. Countdowns are drawn uniformly from 1 to {@code 2 * every
     * - 1}, so one read in {@code every} is sampled on average, at random points (a fixed period
     * would sample the same keys of a round-robin reader again and again). Only the owning thread
     * calls this.
     */
    boolean sampleDue(int every) {
      if (--countdown > 0) {
        return false;
      }
      countdown = 1 + (int) ((draw() >>> 33) % (2L * every - 1));
      return true;
    }

    /** The next draw, uniform over 64 bits; only the owning thread calls this. */
    long draw() {
      long x = seed;
      x ^= x >>> 12;
      x ^= x << 25;
      x ^= x >>> 27;
      seed = x;
      return x * 0x2545F4914F6CDD1DL;
    }
  }
}
