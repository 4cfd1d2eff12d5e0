package io.tiercache;

import java.time.Duration;

/**
 * A load was refused because the class's source rate limit is spent and no stale value could be
 * served (DESIGN invariant 5). A gateway maps it to 503 with {@code Retry-After}.
 */
public class SourceOverloadedException extends TierCacheException {
  private static final long serialVersionUID = 1L;
  private final String cacheClass;
  private final Duration retryAfter;

  public SourceOverloadedException(String cacheClass, Duration retryAfter) {
    super(
        "the source rate limit of class '"
            + cacheClass
            + "' is spent; retry after "
            + retryAfter.toMillis()
            + " ms");
    this.cacheClass = cacheClass;
    this.retryAfter = retryAfter;
  }

  /** The class whose limit was hit. */
  public String cacheClass() {
    return cacheClass;
  }

  /** When a permit is expected to be available again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
