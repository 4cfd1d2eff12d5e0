package io.tiercache;

/** Where a value was found. */
public enum Tier {
  /** The node-local Caffeine cache. */
  L1,
  /** The shared remote tier (Redis). */
  L2,
  /** The source of truth, through the {@link CacheLoader}. */
  SOURCE
}
