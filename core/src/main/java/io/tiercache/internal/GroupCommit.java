package io.tiercache.internal;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Group commit for an append-only file: writers append (in order, under the journal's lock) and
 * then wait here until an fsync covers their end offset. An fsync covers every byte written before
 * it began, so one fsync acknowledges every writer waiting at that moment.
 *
 * <p>Up to {@code concurrency} fsyncs may run at once. A writer starts one only when no running
 * fsync already covers its offset and a slot is free; otherwise it parks. With one slot, each fsync
 * covers every writer that arrived during the previous one, which is the classic group commit; more
 * slots help disks that merge overlapping flushes (see {@code
 * WriteBackOptions.DEFAULT_SYNC_CONCURRENCY} for what was measured).
 *
 * <p>Wake-ups are targeted: waiters are kept by offset, and a finished fsync unparks those it
 * covered plus the first one it did not (which may take the freed slot), never all of them.
 *
 * <p>Why no waiter sleeps forever: a waiter publishes itself in {@code waiting} and then checks
 * again whether it is covered or may start an fsync. A syncer advances {@code durable}, releases
 * its slot, and only then scans {@code waiting}. If its scan missed the waiter, the waiter's
 * publication came after the scan, so its re-check comes after the advance and the release and sees
 * them (or sees another syncer's slot, whose scan will follow).
 *
 * <p>Written by hand: the JDK has no group-commit primitive, and the journal libraries that have
 * one (Chronicle Queue, the Bookkeeper journal) bring a storage engine with them.
 */
final class GroupCommit {
  /** Makes everything written so far durable. */
  @FunctionalInterface
  interface Sync {
    void force() throws IOException;
  }

  private final Semaphore slots;
  private final AtomicLong written = new AtomicLong(); // end of the bytes handed to the OS
  private final AtomicLong started = new AtomicLong(); // the highest end an fsync began for
  private final AtomicLong durable = new AtomicLong(); // the end known to be on disk
  private final ConcurrentSkipListMap<Long, Thread> waiting = new ConcurrentSkipListMap<>();
  private final AtomicLong syncs = new AtomicLong();
  private volatile IOException failure;

  GroupCommit(int concurrency, long start) {
    this.slots = new Semaphore(concurrency);
    written.set(start);
    started.set(start);
    durable.set(start);
  }

  /** Records that the bytes up to {@code end} were written; call in append order. */
  void written(long end) {
    written.accumulateAndGet(end, Math::max);
  }

  /** Records that the bytes up to {@code end} are durable (made so outside this class). */
  void durableUpTo(long end) {
    durable.accumulateAndGet(end, Math::max);
    wakeCovered();
  }

  /** The end of the bytes known to be on disk. */
  long durable() {
    return durable.get();
  }

  /** How many fsyncs ran. */
  long syncs() {
    return syncs.get();
  }

  /**
   * Returns once the bytes up to {@code end} are durable, running an fsync through {@code sync}
   * when needed.
   *
   * @throws IOException when an fsync failed: after that nothing is known to be durable any more,
   *     and every later caller gets the same failure
   */
  // An interrupt does not end the wait: the record is appended and will be durable within an
  // fsync, and a caller told "failed" could retry a write that happened. It is restored after.
  void awaitDurable(long end, Sync sync) throws IOException {
    Thread me = Thread.currentThread();
    boolean interrupted = false;
    try {
      while (true) {
        check();
        if (durable.get() >= end) {
          return;
        }
        if (started.get() < end && slots.tryAcquire()) {
          runSync(sync);
          continue;
        }
        waiting.put(end, me);
        try {
          if (durable.get() >= end
              || failure != null
              || (started.get() < end && slots.availablePermits() > 0)) {
            continue; // the re-check: see the class comment
          }
          LockSupport.park(this);
          interrupted |= Thread.interrupted(); // else park would return at once, spinning
        } finally {
          waiting.remove(end, me);
        }
      }
    } finally {
      if (interrupted) {
        me.interrupt();
      }
    }
  }

  private void runSync(Sync sync) throws IOException {
    try {
      long target = written.get(); // read before the sync: see Journal.force
      started.accumulateAndGet(target, Math::max);
      sync.force();
      syncs.incrementAndGet();
      durable.accumulateAndGet(target, Math::max);
    } catch (IOException | RuntimeException e) {
      // fsync failure leaves the page cache in an unknown state (PostgreSQL's "fsyncgate"):
      // retrying could report data durable that is not. Fail this and every later write.
      failure = e instanceof IOException io ? io : new IOException(e);
      throw failure;
    } finally {
      slots.release();
      wakeCovered();
      wakeNextSyncer();
    }
  }

  private void wakeCovered() {
    long d = durable.get();
    for (Map.Entry<Long, Thread> w : waiting.entrySet()) {
      if (w.getKey() > d && failure == null) {
        break;
      }
      LockSupport.unpark(w.getValue());
    }
  }

  private void wakeNextSyncer() {
    Map.Entry<Long, Thread> next = waiting.higherEntry(started.get());
    if (next != null) {
      LockSupport.unpark(next.getValue());
    }
  }

  private void check() throws IOException {
    IOException f = failure;
    if (f != null) {
      throw new IOException("an earlier fsync of the journal failed", f);
    }
  }
}
