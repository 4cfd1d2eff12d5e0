package io.tiercache.redis.local;

import io.tiercache.TierCacheException;

/**
 * A local {@code redis-server} could not be found, started or made into a cluster. The message says
 * what was tried and ends with the tail of the server's log when there is one.
 */
public class LocalRedisException extends TierCacheException {
  private static final long serialVersionUID = 1L;

  public LocalRedisException(String message) {
    super(message);
  }

  public LocalRedisException(String message, Throwable cause) {
    super(message, cause);
  }
}
