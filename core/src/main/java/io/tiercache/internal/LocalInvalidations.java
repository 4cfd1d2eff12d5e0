package io.tiercache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remembers which keys this node invalidated recently, so that a load which began before an
 * invalidation does not install its older value in L1 after it (DESIGN invariant 3 on the node; L2
 * enforces it fleet-wide with leases). Used when L2 could not arbitrate, and after every L1
 * install.
 *
 * <p>A load takes {@link #begin()} before reading the source and asks {@link #invalidatedSince}
 * before and after installing. The second check closes this interleaving: the load installs v1
 * after its first check, an invalidation records itself and removes L1 before the install lands.
 * The invalidation's record precedes its L1 removal, so either the second check sees the record, or
 * the removal comes after the install and removes it.
 */
final class LocalInvalidations {
  private final AtomicLong sequence = new AtomicLong();
  // Keys whose record was evicted early: a load that began before the highest evicted sequence is
  // treated as invalidated, which is safe (it merely skips caching).
  private final AtomicLong evictedFloor = new AtomicLong();
  private final Cache<String, Long> lastInvalidated;

  LocalInvalidations(int maxKeys, Duration remember) {
    this.lastInvalidated =
        Caffeine.newBuilder()
            .maximumSize(maxKeys)
            .expireAfterWrite(remember)
            .evictionListener(
                (String k, Long seq, RemovalCause cause) -> {
                  if (seq != null && cause != RemovalCause.REPLACED) {
                    evictedFloor.accumulateAndGet(seq, Math::max);
                  }
                })
            .executor(Runnable::run)
            .build();
  }

  /** The point a load starts from. */
  long begin() {
    return sequence.get();
  }

  /** Records an invalidation of {@code key}; call before removing the key from L1. */
  void record(String key) {
    lastInvalidated.put(key, sequence.incrementAndGet());
  }

  /** Records an invalidation of everything (a class or all): every load in flight is refused. */
  void recordAll() {
    evictedFloor.accumulateAndGet(sequence.incrementAndGet(), Math::max);
  }

  /** Whether {@code key} was invalidated after {@code begin}. */
  boolean invalidatedSince(String key, long begin) {
    if (begin < evictedFloor.get()) {
      return true;
    }
    Long seq = lastInvalidated.getIfPresent(key);
    return seq != null && seq > begin;
  }
}
