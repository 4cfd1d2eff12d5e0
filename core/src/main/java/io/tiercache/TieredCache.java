package io.tiercache;

import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import java.util.Collection;
import java.util.Map;

/**
 * A read-through cache over a source of truth, with a node-local L1 (Caffeine) and an optional
 * shared L2 (see {@code tiercache-redis}). Reads go L1, then L2, then the source, with one source
 * load per key at a time in this process; what a lower tier finds is copied up with its deadlines
 * unchanged.
 *
 * <p>Failures of L2 never reach callers: reads fall back to L1 and the source, and a circuit
 * breaker stops calling L2 until a probe succeeds. Loader failures do reach callers, as {@link
 * LoadFailedException}, and are never cached.
 *
 * <p>Thread-safe. Build one with {@link #builder(ValueCodec)}.
 */
public interface TieredCache<V> extends AutoCloseable {

  /** A builder for a cache of values encoded by {@code codec}. */
  static <V> TieredCacheBuilder<V> builder(ValueCodec<V> codec) {
    return new TieredCacheBuilder<>(codec);
  }

  /**
   * The value of {@code key}, loading it through the tiers as needed.
   *
   * @return the value, or {@code null} when the source has none
   * @throws LoadFailedException when the value had to be loaded and the loader failed
   * @throws TierCacheException when no cache class matches the key
   */
  V get(String key);

  /** Like {@link #get}, with where the value came from and its metadata. */
  Lookup<V> lookup(String key);

  /**
   * The values of many keys: L1 first, then one pipelined L2 read for the rest, then one bulk
   * source load for what is still missing. Keys the source does not have are absent from the
   * result.
   *
   * @throws LoadFailedException when the bulk load failed
   */
  Map<String, V> getAll(Collection<String> keys);

  /**
   * Stores a value the caller has already written to the source, with the source's version, in
   * every tier (the deadlines start now). Write policies that also write the source build on this.
   */
  void put(String key, V value, long version);

  /**
   * Removes {@code key} from every tier and node; the next read loads it again. When Redis cannot
   * be reached the key is removed here at once and from L2 and the other nodes when it is back.
   */
  void invalidate(String key);

  /**
   * Invalidates a key, key list, prefix, tag, class or everything, on every tier and node. Keys are
   * deleted; wider scopes cost O(1) whatever the number of keys: they become a rule, numbered by
   * the bus, that voids every older entry it matches when it is read (DESIGN invariant 8).
   *
   * @return the invalidation with its fleet-wide sequence number
   * @throws InvalidConfigException when a class scope names no class
   * @throws InvalidationDeferredException when L2 or the bus cannot be reached: the invalidation
   *     took effect on this node and is replayed to L2 and the other nodes when Redis answers again
   */
  Invalidation invalidate(InvalidationRequest request);

  /** The cache class of {@code key}. */
  CacheClass classOf(String key);

  /** The cache classes in force. */
  CacheClasses classes();

  /**
   * Adopts new cache classes at run time (from the metadata table or the API). Keys resolve under
   * the new classes at once; L1 keeps the entries of classes whose settings did not change and
   * drops those of changed or removed classes. Entries already in L2 keep the deadlines they were
   * given.
   */
  void updateClasses(CacheClasses classes);

  /** Stops background work and releases the remote tier. */
  @Override
  void close();
}
