package io.tiercache;

/**
 * The source of truth failed to load a key. The cause is the loader's own exception. A failed load
 * is never cached: the next read tries the source again.
 */
public class LoadFailedException extends TierCacheException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public LoadFailedException(String key, Throwable cause) {
    super("loading '" + key + "' from the source failed: " + cause, cause);
    this.key = key;
  }

  /** The key whose load failed (for a bulk load, the first key of the batch). */
  public String key() {
    return key;
  }
}
