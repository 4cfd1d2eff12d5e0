package io.tiercache.spi;

/**
 * The answer of {@link RemoteTier#getOrLease}: the entry if one is stored, and the lease state.
 *
 * @param entry the stored entry, or {@code null}
 * @param lease {@link LeaseState#GRANTED} only when no entry was stored and nobody held the lease
 */
public record LeasedRead(Entry entry, LeaseState lease) {}
