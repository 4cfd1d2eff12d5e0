package io.tiercache.internal;

import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * A value of its own for every thread that asks ({@link #get}, a thread-local lookup), and a walk
 * over all of them ({@link #forEach}) that lets go of the values of threads that have ended. The L1
 * hit path keeps its hit counts and hot-key samples this way, so two reading threads never write
 * the same memory; readers of the totals walk the values.
 *
 * <p>Written by hand: {@link ThreadLocal} alone cannot enumerate the values of other threads.
 */
final class PerThread<T> {
  /** What {@link #forEach} sees of one thread. */
  interface Visitor<T> {
    /**
     * @param ended whether the value's thread has ended: this is the value's last visit, and no
     *     write to it can follow (a thread's end happens-before {@code isAlive()} returns false)
     */
    void visit(T value, boolean ended);
  }

  private record Owned<T>(WeakReference<Thread> owner, T value) {}

  private final ThreadLocal<T> mine;
  private final ConcurrentLinkedQueue<Owned<T>> all = new ConcurrentLinkedQueue<>();

  PerThread(Supplier<T> make) {
    this.mine =
        ThreadLocal.withInitial(
            () -> {
              T value = make.get();
              all.add(new Owned<>(new WeakReference<>(Thread.currentThread()), value));
              return value;
            });
  }

  /** The calling thread's value, made on its first call. */
  T get() {
    return mine.get();
  }

  /**
   * Visits every thread's value; the value of a thread that has ended is visited once more with
   * {@code ended} set, then dropped. Callers that must not visit a value twice serialize their
   * walks.
   */
  void forEach(Visitor<T> visitor) {
    for (Owned<T> o : all) {
      Thread owner = o.owner().get();
      boolean ended = owner == null || !owner.isAlive(); // checked before the visit: then final
      visitor.visit(o.value(), ended);
      if (ended) {
        all.remove(o);
      }
    }
  }
}
