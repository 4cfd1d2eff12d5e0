package io.tiercache.spi;

import java.util.Objects;
import java.util.Set;

/**
 * The envelope every tier stores: the encoded value and the metadata that travels with it.
 * Deadlines are absolute (epoch milliseconds) so that a copy made into a lower tier keeps them
 * (DESIGN invariant 2): an entry loaded 59 s ago into L2 reaches L1 with the deadline it already
 * has.
 *
 * @param value the encoded value; never mutated once in an entry
 * @param version the source's version; larger is newer
 * @param writtenAtMs when the value was read from, or written to, the source
 * @param freshUntilMs until when the value is served as fresh
 * @param staleUntilMs until when the value may be served stale (>= {@code freshUntilMs}); tiers
 *     drop the entry after it
 * @param computeMillis how long the source took to produce the value (the XFetch delta)
 * @param tags surrogate keys the value belongs to
 * @param generation the fleet-wide invalidation sequence number this node had applied when the
 *     value was read from the source (or last found valid): an invalidation rule with a higher
 *     sequence that matches the entry makes it invalid (DESIGN invariant 8)
 */
public record Entry(
    byte[] value,
    long version,
    long writtenAtMs,
    long freshUntilMs,
    long staleUntilMs,
    int computeMillis,
    Set<String> tags,
    long generation) {

  public Entry {
    Objects.requireNonNull(value, "value");
    tags = Set.copyOf(tags);
    if (version < 0 || writtenAtMs < 0 || computeMillis < 0 || generation < 0) {
      throw new IllegalArgumentException(
          "version, writtenAtMs, computeMillis and generation must be >= 0");
    }
    if (freshUntilMs < writtenAtMs || staleUntilMs < freshUntilMs) {
      throw new IllegalArgumentException(
          "deadlines must satisfy writtenAt <= freshUntil <= staleUntil, were "
              + writtenAtMs
              + ", "
              + freshUntilMs
              + ", "
              + staleUntilMs);
    }
  }

  /**
   * The reserved tag of a tombstone: an entry recording that the source has no value for the key,
   * cached like a value so that misses on absent keys are coalesced and rate limited too. Classes
   * may not use tags starting with {@code tc:}.
   */
  public static final String ABSENT_TAG = "tc:absent";

  /** A tombstone for a key the source does not have. */
  public static Entry absent(
      long writtenAtMs, long freshUntilMs, long staleUntilMs, int computeMillis, long generation) {
    return new Entry(
        new byte[0],
        0,
        writtenAtMs,
        freshUntilMs,
        staleUntilMs,
        computeMillis,
        Set.of(ABSENT_TAG),
        generation);
  }

  /** An entry of generation 0 (before any invalidation). */
  public Entry(
      byte[] value,
      long version,
      long writtenAtMs,
      long freshUntilMs,
      long staleUntilMs,
      int computeMillis,
      Set<String> tags) {
    this(value, version, writtenAtMs, freshUntilMs, staleUntilMs, computeMillis, tags, 0);
  }

  /** Whether this is a tombstone (see {@link #absent}). */
  public boolean isAbsent() {
    return tags.contains(ABSENT_TAG);
  }

  /** Whether the value is fresh at {@code nowMs}. */
  public boolean isFreshAt(long nowMs) {
    return nowMs < freshUntilMs;
  }

  /** Whether the entry may still be served, fresh or stale, at {@code nowMs}. */
  public boolean isServableAt(long nowMs) {
    return nowMs < staleUntilMs;
  }

  /** A copy with new deadlines (sliding expiry), keeping value, version and tags. */
  public Entry withDeadlines(long freshUntil, long staleUntil) {
    return new Entry(
        value, version, writtenAtMs, freshUntil, staleUntil, computeMillis, tags, generation);
  }

  /** A copy stamped with a later generation, after it was checked valid against every rule. */
  public Entry withGeneration(long generation) {
    return new Entry(
        value, version, writtenAtMs, freshUntilMs, staleUntilMs, computeMillis, tags, generation);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && e.version == version
        && e.writtenAtMs == writtenAtMs
        && e.freshUntilMs == freshUntilMs
        && e.staleUntilMs == staleUntilMs
        && e.computeMillis == computeMillis
        && e.generation == generation
        && e.tags.equals(tags)
        && java.util.Arrays.equals(e.value, value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        version, writtenAtMs, freshUntilMs, staleUntilMs, java.util.Arrays.hashCode(value));
  }

  @Override
  public String toString() {
    return "Entry[version="
        + version
        + ", bytes="
        + value.length
        + ", writtenAt="
        + writtenAtMs
        + ", freshUntil="
        + freshUntilMs
        + ", staleUntil="
        + staleUntilMs
        + ", tags="
        + tags
        + "]";
  }
}
