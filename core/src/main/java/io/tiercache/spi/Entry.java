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
 */
public record Entry(
    byte[] value,
    long version,
    long writtenAtMs,
    long freshUntilMs,
    long staleUntilMs,
    int computeMillis,
    Set<String> tags) {

  public Entry {
    Objects.requireNonNull(value, "value");
    tags = Set.copyOf(tags);
    if (version < 0 || writtenAtMs < 0 || computeMillis < 0) {
      throw new IllegalArgumentException("version, writtenAtMs and computeMillis must be >= 0");
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
      long writtenAtMs, long freshUntilMs, long staleUntilMs, int computeMillis) {
    return new Entry(
        new byte[0], 0, writtenAtMs, freshUntilMs, staleUntilMs, computeMillis, Set.of(ABSENT_TAG));
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
    return new Entry(value, version, writtenAtMs, freshUntil, staleUntil, computeMillis, tags);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && e.version == version
        && e.writtenAtMs == writtenAtMs
        && e.freshUntilMs == freshUntilMs
        && e.staleUntilMs == staleUntilMs
        && e.computeMillis == computeMillis
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
