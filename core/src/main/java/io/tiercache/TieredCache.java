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
   *
   * <p>When L2 does not take the value (it timed out or is down), the key is deleted from L2 and
   * invalidated on the other nodes instead, or both are journaled and replayed when Redis is back:
   * no node reads an older copy back from L2. When L2 already holds a newer version, this node
   * drops its own copy and reads that one.
   */
  void put(String key, V value, long version);

  /**
   * Writes a value by the write policy of the key's class:
   *
   * <ul>
   *   <li>{@code write_through}: the source first ({@link CacheWriter#write}), then L1 before this
   *       method returns (this node reads the write at once); L2 and the invalidation of other
   *       nodes' L1 copies follow in the background, in order per key, normally within a
   *       millisecond. An {@link #invalidate} or {@link #delete} of the key on this node waits for
   *       them;
   *   <li>{@code write_around}: the source, then the key is invalidated on every tier and node;
   *   <li>{@code write_back}: journaled durably on this node, then put in L1 and L2; the source
   *       gets it later in batches ({@link CacheWriter#writeAll}). Reads on this node see it at
   *       once, other nodes through L2;
   *   <li>{@code write_once}: like write-through for a key that has no value, claimed atomically in
   *       L2 and inserted only if absent at the source, so of two nodes writing different content
   *       at once one is refused; the same content again is a no-op; other content is refused.
   * </ul>
   *
   * A load that started before the write never installs its older value after it (DESIGN invariant
   * 3).
   *
   * @return the version of the value now held (for write-back, the version it was journaled with)
   * @throws WriteFailedException when the source or the journal failed; nothing was acknowledged
   * @throws WriteBackFullException when the write-back journal is at its bound (back-pressure)
   * @throws ImmutableValueException when a write-once key holds different content
   * @throws InvalidConfigException when the class's policy needs a writer (or write-back options)
   *     that the builder was not given
   */
  long write(String key, V value);

  /**
   * Deletes a key from the source and every tier, by the class's write policy: from the source then
   * the tiers, or for {@code write_back} journaled and invalidated now, deleted from the source
   * later.
   *
   * @throws WriteFailedException when the source or the journal failed
   * @throws InvalidConfigException when no writer was given
   */
  void delete(String key);

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

  /**
   * The highest invalidation sequence this node has applied: its watermark on the bus. An
   * invalidation with sequence {@code s} has reached this node once the watermark is {@code >= s}.
   */
  long invalidationWatermark();

  /** The cache class of {@code key}. */
  CacheClass classOf(String key);

  /**
   * The keys read most across the fleet recently, hottest first: sampled on every node, merged in
   * L2 (this node's own without L2). Hot keys are kept in every node's L1.
   */
  java.util.List<HotKey> hotKeys();

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
