package io.tiercache.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Space-Saving heavy-hitters sketch (Metwally, Agrawal, El Abbadi, "Efficient Computation of
 * Frequent and Top-k Elements in Data Streams", ICDT 2005): {@code capacity} counters; an untracked
 * item replaces the one with the smallest count and inherits that count plus one. Any item whose
 * true frequency exceeds {@code total / capacity} is guaranteed to be tracked, and a count
 * overestimates by at most the count it inherited.
 *
 * <p>Written by hand: no well-kept Java library ships it without a large dependency, and with the
 * small capacities used here (tens of keys) a map plus a linear scan for the minimum is as fast as
 * the linked-bucket structure of the paper. Guarded by {@code lock}. Readers on the hot path only
 * try the lock: a sample dropped under contention changes an estimate, never a result.
 */
final class HeavyHitters {
  private final int capacity;
  private final Map<String, long[]> counts;

  HeavyHitters(int capacity) {
    this.capacity = capacity;
    this.counts = new HashMap<>(capacity * 2);
  }

  private final java.util.concurrent.locks.ReentrantLock lock =
      new java.util.concurrent.locks.ReentrantLock();

  /** Counts {@code key} unless another thread is counting right now. */
  void tryOffer(String key) {
    if (lock.tryLock()) {
      try {
        offer(key);
      } finally {
        lock.unlock();
      }
    }
  }

  void offer(String key) {
    lock.lock();
    try {
      offerLocked(key);
    } finally {
      lock.unlock();
    }
  }

  private void offerLocked(String key) {
    long[] c = counts.get(key);
    if (c != null) {
      c[0]++;
      return;
    }
    if (counts.size() < capacity) {
      counts.put(key, new long[] {1});
      return;
    }
    String victim = null;
    long min = Long.MAX_VALUE;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      if (e.getValue()[0] < min) {
        min = e.getValue()[0];
        victim = e.getKey();
      }
    }
    counts.remove(victim);
    counts.put(key, new long[] {min + 1});
  }

  /** The counts so far, and a fresh start (each publishing window counts on its own). */
  Map<String, Long> drain() {
    lock.lock();
    try {
      Map<String, Long> out = new HashMap<>(counts.size() * 2);
      counts.forEach((k, v) -> out.put(k, v[0]));
      counts.clear();
      return out;
    } finally {
      lock.unlock();
    }
  }

  /** The tracked keys, most counted first (for tests). */
  List<String> top() {
    lock.lock();
    try {
      List<Map.Entry<String, long[]>> entries = new ArrayList<>(counts.entrySet());
      entries.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
      return entries.stream().map(Map.Entry::getKey).toList();
    } finally {
      lock.unlock();
    }
  }
}
