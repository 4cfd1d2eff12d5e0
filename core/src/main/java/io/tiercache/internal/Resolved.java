package io.tiercache.internal;

import io.tiercache.Tier;
import io.tiercache.internal.L1Tier.Cached;

/**
 * What a read resolved to: the cached value (its entry may be a tombstone), the tier it came from,
 * and whether it is served past its fresh deadline.
 */
record Resolved<V>(Cached<V> cached, Tier tier, boolean stale) {}
