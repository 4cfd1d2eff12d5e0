package io.tiercache.redis;

import io.lettuce.core.ReadFrom;
import io.tiercache.InvalidConfigException;
import java.time.Duration;

/**
 * How {@link RedisRemoteTier} talks to Redis. Immutable; start from {@link #DEFAULT} and derive
 * copies with the {@code with*} methods.
 *
 * @param commandTimeout how long Lettuce waits for one command before failing it, 1 ms to 60 s. The
 *     cache applies its own L2 timeout too; this one bounds what Lettuce keeps in flight.
 * @param topologyRefreshPeriod how often a cluster connection re-reads the slot map, 1 s to 1 h.
 *     Every adaptive trigger (MOVED, ASK, reconnects, unknown nodes) refreshes it sooner.
 * @param keyPrefix put before every key, so tiercache's keys never meet other data in the same
 *     Redis; at most 128 characters, may be empty
 * @param readFrom which cluster nodes serve reads; ignored by standalone connections
 */
public record RedisTierOptions(
    Duration commandTimeout, Duration topologyRefreshPeriod, String keyPrefix, ReadFrom readFrom) {

  // Declared before DEFAULT: its constructor reads them while the class initializes.
  private static final Duration MAX_COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration MIN_REFRESH = Duration.ofSeconds(1);
  private static final Duration MAX_REFRESH = Duration.ofHours(1);
  private static final int MAX_PREFIX_LENGTH = 128;

  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(50);
  public static final Duration DEFAULT_TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);
  public static final String DEFAULT_KEY_PREFIX = "tc:";
  public static final ReadFrom DEFAULT_READ_FROM = ReadFrom.UPSTREAM;

  public static final RedisTierOptions DEFAULT =
      new RedisTierOptions(
          DEFAULT_COMMAND_TIMEOUT,
          DEFAULT_TOPOLOGY_REFRESH_PERIOD,
          DEFAULT_KEY_PREFIX,
          DEFAULT_READ_FROM);

  public RedisTierOptions {
    requireRange("commandTimeout", commandTimeout, Duration.ofMillis(1), MAX_COMMAND_TIMEOUT);
    requireRange("topologyRefreshPeriod", topologyRefreshPeriod, MIN_REFRESH, MAX_REFRESH);
    if (keyPrefix == null || keyPrefix.length() > MAX_PREFIX_LENGTH) {
      throw new InvalidConfigException(
          "keyPrefix",
          "must be a string of 0 to " + MAX_PREFIX_LENGTH + " characters, was " + keyPrefix);
    }
    if (readFrom == null) {
      throw new InvalidConfigException("readFrom", "is required");
    }
  }

  /** A copy with another command timeout. */
  public RedisTierOptions withCommandTimeout(Duration commandTimeout) {
    return new RedisTierOptions(commandTimeout, topologyRefreshPeriod, keyPrefix, readFrom);
  }

  /** A copy with another periodic topology refresh. */
  public RedisTierOptions withTopologyRefreshPeriod(Duration period) {
    return new RedisTierOptions(commandTimeout, period, keyPrefix, readFrom);
  }

  /** A copy with another key prefix. */
  public RedisTierOptions withKeyPrefix(String keyPrefix) {
    return new RedisTierOptions(commandTimeout, topologyRefreshPeriod, keyPrefix, readFrom);
  }

  /** A copy that reads from other cluster nodes. */
  public RedisTierOptions withReadFrom(ReadFrom readFrom) {
    return new RedisTierOptions(commandTimeout, topologyRefreshPeriod, keyPrefix, readFrom);
  }

  private static void requireRange(String field, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidConfigException(field, "must be " + min + " to " + max + ", was " + value);
    }
  }
}
