package io.tiercache;

/** What an invalidation covers. */
public enum InvalidationScope {
  /** One key. */
  KEY,
  /** A list of keys. */
  KEYS,
  /** Every key starting with a prefix. */
  PREFIX,
  /** Every value carrying a tag (surrogate key). */
  TAG,
  /** Every key of a cache class. */
  CLASS,
  /** Everything. */
  ALL
}
