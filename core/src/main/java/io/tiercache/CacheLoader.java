package io.tiercache;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads values from the source of truth. Implementations are called at most once per key at a time
 * in one process (single-flight); they may be called from any thread.
 */
@FunctionalInterface
public interface CacheLoader<V> {

  /**
   * Loads one key.
   *
   * @return the value with its version, or {@code null} when the source has no value for the key
   * @throws Exception any failure; it reaches the caller as {@link LoadFailedException} and is
   *     never cached
   */
  Loaded<V> load(String key) throws Exception;

  /**
   * Loads many keys in one round trip. The default calls {@link #load} for each key; sources that
   * can do better (SQL {@code IN}, a batch API) should override it.
   *
   * @return the values found; keys the source does not have are absent from the map
   */
  default Map<String, Loaded<V>> loadAll(Set<String> keys) throws Exception {
    Map<String, Loaded<V>> found = new HashMap<>();
    for (String key : keys) {
      Loaded<V> loaded = load(key);
      if (loaded != null) {
        found.put(key, loaded);
      }
    }
    return found;
  }
}
