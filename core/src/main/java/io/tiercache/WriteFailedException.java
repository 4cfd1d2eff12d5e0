package io.tiercache;

/**
 * Writing a key failed: the source refused or could not be reached (the cause is the writer's own
 * exception), or the write-back journal could not be written. Nothing was acknowledged; the cache
 * holds what it held before, except that its copies of the key may have been dropped.
 */
public class WriteFailedException extends TierCacheException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public WriteFailedException(String key, Throwable cause) {
    super("writing '" + key + "' failed: " + cause, cause);
    this.key = key;
  }

  public WriteFailedException(String key, String message) {
    super("writing '" + key + "' failed: " + message);
    this.key = key;
  }

  /** The key whose write failed. */
  public String key() {
    return key;
  }
}
