package io.tiercache.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A set of counters of events on the L1 hit path ({@link Counter}, one per class), whose increments
 * go to one cell per thread: each thread adds to memory only it writes, with no atomic instruction,
 * and a read sums the cells. Exact: every increment is counted, and visible to readers promptly
 * (opaque writes).
 *
 * <p>Written by hand because the libraries' counters pay an atomic read-modify-write per increment:
 * Micrometer's counter (a {@code DoubleAdder}) measured 9.5 ns and {@code LongAdder} 7.9 ns per
 * increment with two threads on the project's VM, more than the raw Caffeine read (9.3 ns) the L1
 * hit is measured against.
 *
 * <p>One set for all classes rather than one counter per class: a thread finds its cell from the
 * set alone, while the hit path is still looking up the key, and then adds at its class's slot.
 * With one counter per class the cell could only be looked up once the key's copy, and from it the
 * class, had been read; that chain of dependent reads cost the hit a third of its throughput
 * ({@code bin/bench l1}: 110 against 155 ops/us with the rest of the hit left out).
 *
 * <p>A cell whose thread has ended is folded into a base count by the next read, so cells do not
 * accumulate with threads that come and go.
 */
final class ThreadCounters extends PerThread<ThreadCounters.Cell> {
  private static final VarHandle COUNTS;
  private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

  static {
    try {
      COUNTS = MethodHandles.lookup().findVarHandle(CellFields.class, "counts", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Unused longs at each end of a cell's counts: the counts are written on every hit, and sharing a
   * cache line with memory another thread reads or writes halved the hit's throughput in some heap
   * layouts (27 against 56 ops/us, the L1 benchmark run with the JVM's default heap).
   */
  private static final int PAD = 8;

  private int slots; // slots handed out; guarded by this
  private long[] ended = new long[0]; // counts of the cells of ended threads, by slot; this

  ThreadCounters() {
    super(Cell::new); // a subclass rather than a field: the hit path reaches its cell a hop sooner
  }

  /** A new counter of this set, at zero. */
  synchronized Counter newCounter() {
    return new Counter(slots++);
  }

  /** The calling thread's cell: the L1 hit path counts there. */
  Cell cell() {
    return get();
  }

  /** The count at {@code slot}: every increment made before this call began, maybe some during. */
  private synchronized long sum(int slot) {
    long[] sum = {slot < ended.length ? ended[slot] : 0};
    forEach(
        (c, threadEnded) -> {
          long[] counts = (long[]) COUNTS.getAcquire(c);
          if (threadEnded) {
            // Its last visit: the cell is final. Folded under this lock, whole (it is not visited
            // again), so no read counts it twice or misses it.
            if (ended.length < counts.length - 2 * PAD) {
              ended = Arrays.copyOf(ended, counts.length - 2 * PAD);
            }
            for (int i = 0; i < counts.length - 2 * PAD; i++) {
              ended[i] += (long) COUNT.getVolatile(counts, PAD + i);
            }
            sum[0] += PAD + slot < counts.length - PAD ? counts[PAD + slot] : 0;
          } else if (PAD + slot < counts.length - PAD) {
            sum[0] += (long) COUNT.getOpaque(counts, PAD + slot);
          }
        });
    return sum[0];
  }

  /** One counter of the set. */
  final class Counter {
    private final int slot;

    private Counter(int slot) {
      this.slot = slot;
    }

    /** Where the calling thread's cell counts this counter ({@link Cell#increment}). */
    int slot() {
      return slot;
    }

    /** Adds one, on the calling thread's cell. */
    void increment() {
      cell().increment(slot);
    }

    /** The count: every increment made before this call began, and possibly some made during it. */
    long sum() {
      return ThreadCounters.this.sum(slot);
    }

    /** The count as a double, for a Micrometer function counter. */
    double count() {
      return sum();
    }
  }

  /**
   * 64 bytes ahead of a cell's fields, and {@link CellPaddingAfter} 64 after, for the reason of
   * {@link #PAD}. Padding by superclasses, because the JVM keeps a superclass's fields ahead of a
   * subclass's but may reorder the fields of one class.
   */
  @SuppressWarnings("unused")
  abstract static class CellPaddingBefore {
    private long p01, p02, p03, p04, p05, p06, p07, p08;
  }

  /** A cell's state: see {@link Cell}. */
  abstract static class CellFields extends CellPaddingBefore {
    long[] counts = new long[PAD + 8 + PAD]; // through COUNTS when read by another thread
  }

  /** See {@link CellPaddingBefore}. */
  @SuppressWarnings("unused")
  abstract static class CellPaddingAfter extends CellFields {
    private long q01, q02, q03, q04, q05, q06, q07, q08;
  }

  /** One thread's counts by slot. */
  static final class Cell extends CellPaddingAfter {
    /** Adds one at {@code slot}; only the owning thread calls this. */
    void increment(int slot) {
      add(slot, 1);
    }

    /** Adds {@code n} at {@code slot}; only the owning thread calls this. */
    void add(int slot, long n) {
      long[] c = counts; // a plain read: only this thread writes it
      int at = PAD + slot;
      if (at >= c.length - PAD) {
        c = grow(slot);
      }
      COUNT.setOpaque(c, at, c[at] + n);
    }

    /** Room for {@code slot}: the counts copied into a larger array, published for readers. */
    private long[] grow(int slot) {
      long[] c =
          Arrays.copyOf(counts, PAD + Math.max(slot + 1, 2 * (counts.length - 2 * PAD)) + PAD);
      COUNTS.setRelease(this, c);
      return c;
    }
  }
}
