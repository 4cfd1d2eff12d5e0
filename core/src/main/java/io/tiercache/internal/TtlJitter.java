package io.tiercache.internal;

import io.tiercache.classes.CacheClass;

/**
 * Deterministic TTL jitter (DESIGN invariant 9). Keys loaded together should not expire together,
 * so each key's TTL is shortened by a fraction of the class's {@code ttl_jitter}; the fraction
 * comes from a hash of the key, never from a random number, so every node and every replica
 * computes the same deadline for the same key. Jitter only shortens: a TTL is never longer than
 * configured.
 */
public final class TtlJitter {
  private TtlJitter() {}

  /**
   * The jittered TTL of {@code key} in {@code c}, in milliseconds, between (1 - jitter) * ttl and
   * ttl.
   */
  public static long ttlMillis(CacheClass c, String key) {
    long ttl = c.ttl().toMillis();
    if (c.ttlJitter() == 0) {
      return ttl;
    }
    return Math.max(1, ttl - (long) (ttl * c.ttlJitter() * unitHash(key)));
  }

  /**
   * A number in [0, 1) from the key's characters: FNV-1a over the UTF-16 code units, then the
   * MurmurHash3 finalizer for avalanche. Both are fixed algorithms, so the value is the same on
   * every JVM and platform (unlike identity hashes, and more evenly spread than String.hashCode
   * alone).
   */
  static double unitHash(String key) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < key.length(); i++) {
      h ^= key.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53;
  }
}
