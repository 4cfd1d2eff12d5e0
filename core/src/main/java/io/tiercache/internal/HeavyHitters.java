package io.tiercache.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Space-Saving heavy-hitters sketch (Metwally, Agrawal, El Abbadi, "Efficient Computation of
 * Frequent and Top-k Elements in Data Streams", ICDT 2005): {@code capacity} counters; an untracked
 * item replaces the one with the smallest count and inherits that count plus one. Any item whose
 * true frequency exceeds {@code total / capacity} is guaranteed to be tracked, and a count
 * overestimates by at most the count it inherited.
 *
 * <p>With the randomized admission of Ben Basat, Einziger, Friedman and Kassner ("Randomized
 * Admission Policy for Efficient Top-k and Frequency Estimation", INFOCOM 2017): an untracked item
 * replaces the smallest counter only with probability {@code 1 / (min + 1)}. A hot item still gets
 * in after about {@code min + 1} sightings, and a long tail of keys seen once no longer churns the
 * counters: with a uniform spread of keys every sample was a miss that scanned for the minimum,
 * which cost the L1 hit path several nanoseconds per read (docs/BENCHMARKS.md).
 *
 * <p>Written by hand: no well-kept Java library ships it without a large dependency, and with the
 * small capacities used here (tens of keys) an index plus a linear scan of a {@code long[]} for the
 * minimum is as fast as the linked-bucket structure of the paper (the scan of 64 counters takes
 * tens of nanoseconds; iterating a map's entries instead cost the L1 hit path measurably). Guarded
 * by {@code lock}, which only the round that drains it contends for: each reading thread counts in
 * a sketch of its own ({@link HotKeys}).
 */
final class HeavyHitters {
  private final int capacity;
  private final Map<String, Integer> slots; // key -> its index in keys and counts
  private final String[] keys;
  private final long[] counts;
  private int size;
  private int minIndex = -1; // the index of a smallest counter while >= 0; recomputed when stale

  HeavyHitters(int capacity) {
    this.capacity = capacity;
    this.slots = new HashMap<>(capacity * 2);
    this.keys = new String[capacity];
    this.counts = new long[capacity];
  }

  private final java.util.concurrent.locks.ReentrantLock lock =
      new java.util.concurrent.locks.ReentrantLock();

  /**
   * Counts {@code weight} sightings of {@code key} at once: a sample that stands for that many
   * reads. Weighted, an untracked item replaces the smallest counter with probability {@code weight
   * / (min + weight)}, {@code 1 / (min + 1)} for one sighting as in the paper, so that an item is
   * admitted after about {@code min} reads whatever its samples weigh.
   */
  void offer(String key, long weight) {
    lock.lock();
    try {
      offerLocked(key, weight);
    } finally {
      lock.unlock();
    }
  }

  private void offerLocked(String key, long weight) {
    Integer at = slots.get(key);
    if (at != null) {
      counts[at] += weight;
      if (at == minIndex) {
        minIndex = -1;
      }
      return;
    }
    if (size < capacity) {
      keys[size] = key;
      counts[size] = weight;
      slots.put(key, size++);
      minIndex = -1;
      return;
    }
    if (minIndex < 0) {
      minIndex = 0;
      for (int i = 1; i < size; i++) {
        if (counts[i] < counts[minIndex]) {
          minIndex = i;
        }
      }
    }
    long min = counts[minIndex];
    if (ThreadLocalRandom.current().nextLong(min + weight) >= weight) {
      return; // not admitted this time
    }
    int victim = minIndex;
    slots.remove(keys[victim]);
    keys[victim] = key;
    counts[victim] = min + weight;
    slots.put(key, victim);
    minIndex = -1;
  }

  /** The counts so far, and a fresh start (each publishing window counts on its own). */
  Map<String, Long> drain() {
    lock.lock();
    try {
      Map<String, Long> out = new HashMap<>(size * 2);
      for (int i = 0; i < size; i++) {
        out.put(keys[i], counts[i]);
        keys[i] = null;
      }
      slots.clear();
      size = 0;
      minIndex = -1;
      return out;
    } finally {
      lock.unlock();
    }
  }

  /** The tracked keys, most counted first (for tests). */
  List<String> top() {
    lock.lock();
    try {
      List<Integer> order = new ArrayList<>(slots.values());
      order.sort((a, b) -> Long.compare(counts[b], counts[a]));
      return order.stream().map(i -> keys[i]).toList();
    } finally {
      lock.unlock();
    }
  }
}
