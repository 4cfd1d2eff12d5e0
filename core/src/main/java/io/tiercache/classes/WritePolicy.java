package io.tiercache.classes;

/** How a write through tiercache reaches the source and the tiers. */
public enum WritePolicy {
  /** Source first, then every tier. */
  WRITE_THROUGH,
  /** Source first, then every tier's copy is invalidated. */
  WRITE_AROUND,
  /** A durable journal first, the source later in batches. */
  WRITE_BACK,
  /** Content-addressed values: the first write wins and overwrites are refused. */
  WRITE_ONCE
}
