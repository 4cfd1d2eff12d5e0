package io.tiercache;

import java.time.Duration;

/**
 * How the cache guards its calls to L2. Immutable; start from {@link #DEFAULT}.
 *
 * @param timeout the longest one L2 operation may take before the read goes on without it
 * @param breakerFailureRate percentage of failed or timed-out calls, over the last {@code
 *     breakerWindow} calls, that opens the circuit breaker
 * @param breakerWindow how many recent calls the failure rate is computed over (at least 2)
 * @param breakerOpenFor how long the breaker stays open before it lets probes through
 */
public record L2Options(
    Duration timeout, float breakerFailureRate, int breakerWindow, Duration breakerOpenFor) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(50);
  public static final float DEFAULT_BREAKER_FAILURE_RATE = 50;
  public static final int DEFAULT_BREAKER_WINDOW = 20;
  public static final Duration DEFAULT_BREAKER_OPEN_FOR = Duration.ofSeconds(1);

  public static final L2Options DEFAULT =
      new L2Options(
          DEFAULT_TIMEOUT,
          DEFAULT_BREAKER_FAILURE_RATE,
          DEFAULT_BREAKER_WINDOW,
          DEFAULT_BREAKER_OPEN_FOR);

  public L2Options {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new InvalidConfigException("timeout", "must be positive, was " + timeout);
    }
    if (!(breakerFailureRate > 0 && breakerFailureRate <= 100)) {
      throw new InvalidConfigException(
          "breakerFailureRate", "must be in (0, 100], was " + breakerFailureRate);
    }
    if (breakerWindow < 2 || breakerWindow > 10_000) {
      throw new InvalidConfigException("breakerWindow", "must be 2 to 10000, was " + breakerWindow);
    }
    if (breakerOpenFor == null || breakerOpenFor.isNegative() || breakerOpenFor.isZero()) {
      throw new InvalidConfigException("breakerOpenFor", "must be positive, was " + breakerOpenFor);
    }
  }

  /** A copy with another timeout. */
  public L2Options withTimeout(Duration timeout) {
    return new L2Options(timeout, breakerFailureRate, breakerWindow, breakerOpenFor);
  }

  /** A copy with another open duration. */
  public L2Options withBreakerOpenFor(Duration openFor) {
    return new L2Options(timeout, breakerFailureRate, breakerWindow, openFor);
  }
}
