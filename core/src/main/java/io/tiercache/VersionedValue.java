package io.tiercache;

/**
 * A write of write-back, as journaled and later written to the source by {@link
 * CacheWriter#writeAll}.
 *
 * @param value the value; {@code null} when the write is a delete
 * @param version the write's version, stamped by the writing node: larger is newer. Stamps start
 *     from the node's clock in microseconds and never repeat or go back on one node, even across
 *     restarts (the journal remembers the last one).
 */
public record VersionedValue<V>(V value, long version) {
  public VersionedValue {
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, was " + version);
    }
  }

  /** Whether this write removes the key. */
  public boolean isDelete() {
    return value == null;
  }
}
