package io.tiercache;

/**
 * A write-once key (a content address) already holds different content: immutable values are never
 * overwritten. Writing the same content again is not an error.
 */
public class ImmutableValueException extends TierCacheException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public ImmutableValueException(String key) {
    super(
        "'"
            + key
            + "' is write-once and already holds different content; immutable values are never"
            + " overwritten");
    this.key = key;
  }

  /** The key that was not overwritten. */
  public String key() {
    return key;
  }
}
