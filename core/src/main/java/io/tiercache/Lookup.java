package io.tiercache;

import io.tiercache.classes.CacheClass;
import java.time.Instant;
import java.util.Set;

/**
 * The result of a read with what an HTTP layer needs to describe it: where the value came from, its
 * version (an ETag) and its deadlines (Cache-Control max-age from the remaining freshness).
 *
 * @param key the key read
 * @param value the value, or {@code null} when the source has none
 * @param tier where the value was found; {@link Tier#SOURCE} for an absent value too
 * @param stale whether the value is past its fresh deadline (served within the class's stale window
 *     while a refresh runs, or because the source failed or is overloaded)
 * @param version the source's version, 0 when absent
 * @param freshUntil until when the value is fresh
 * @param staleUntil until when it may be served stale
 * @param tags the value's surrogate keys
 * @param cacheClass the class of the key
 */
public record Lookup<V>(
    String key,
    V value,
    Tier tier,
    boolean stale,
    long version,
    Instant freshUntil,
    Instant staleUntil,
    Set<String> tags,
    CacheClass cacheClass) {

  /** Whether the source has a value for the key. */
  public boolean found() {
    return value != null;
  }
}
