package io.tiercache;

/**
 * The one unchecked root of every exception tiercache throws. Catch this to handle any cache
 * failure; catch a subtype to handle one kind.
 */
public class TierCacheException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TierCacheException(String message) {
    super(message);
  }

  public TierCacheException(String message, Throwable cause) {
    super(message, cause);
  }
}
