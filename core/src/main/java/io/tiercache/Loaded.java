package io.tiercache;

import java.util.Objects;
import java.util.Set;

/**
 * A value read from the source of truth, with the version the source gave it and the tags
 * (surrogate keys) it belongs to.
 *
 * @param value the value, never null (a loader returns {@code null} instead of a {@code Loaded}
 *     when the source has no value)
 * @param version the source's version of the value; larger is newer. Used to refuse stale sets.
 * @param tags surrogate keys for invalidation by tag; may be empty, never null
 */
public record Loaded<V>(V value, long version, Set<String> tags) {
  public Loaded {
    Objects.requireNonNull(value, "value");
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, was " + version);
    }
    tags = Set.copyOf(tags);
  }

  /** A value without tags. */
  public static <V> Loaded<V> of(V value, long version) {
    return new Loaded<>(value, version, Set.of());
  }
}
