package io.tiercache;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Writes values to the source of truth; the write half of {@link CacheLoader}. Which methods the
 * cache calls depends on the key's class write policy: {@link #write} and {@link #delete} for
 * write-through, write-around and write-once; {@link #writeAll} for the batches of write-back.
 * Implementations may be called from any thread, concurrently.
 */
public interface CacheWriter<V> {

  /**
   * Writes one value and returns the version the source now holds for it, larger than any version
   * it held before (the cache refuses to install older versions over newer ones with it).
   *
   * @throws Exception any failure; it reaches the caller as {@link WriteFailedException} and the
   *     cache is left as it was
   */
  long write(String key, V value) throws Exception;

  /**
   * Writes one value only if the source holds none for {@code key} (write-once classes), and
   * returns the version written; empty when the key already has a value, which the cache then reads
   * with its loader and compares. The cache claims the key in L2 first, so two nodes rarely get
   * here with different content at once; this check is what decides when L2 is down. The default
   * writes unconditionally: override it where the source can insert-if-absent.
   *
   * @throws Exception any failure; it reaches the caller as {@link WriteFailedException}
   */
  default OptionalLong writeIfAbsent(String key, V value) throws Exception {
    return OptionalLong.of(write(key, value));
  }

  /**
   * Removes a key from the source.
   *
   * @throws Exception any failure; it reaches the caller as {@link WriteFailedException}
   */
  void delete(String key) throws Exception;

  /**
   * Applies a write-back batch: for each key, an upsert of its value (or, for a {@link
   * VersionedValue#isDelete() delete}, a removal) that takes effect only where the source holds an
   * older version than the one given. The batch may be applied again after a crash or a failed
   * attempt, in part or in whole, so it must be idempotent; with the version check it is. Keys are
   * distinct, and each carries the newest write of its key that this node journaled.
   *
   * @throws Exception any failure; the cache retries the whole batch with backoff
   */
  void writeAll(Map<String, VersionedValue<V>> batch) throws Exception;
}
