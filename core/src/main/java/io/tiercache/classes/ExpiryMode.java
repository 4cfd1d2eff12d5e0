package io.tiercache.classes;

/** Whether an entry's deadline is fixed when it is loaded or extended when it is read. */
public enum ExpiryMode {
  /** The deadline is set once, at load or write time, and inherited by every tier. */
  FIXED,
  /** Every read extends the deadline by the class's TTL in every tier (sessions). */
  SLIDING
}
