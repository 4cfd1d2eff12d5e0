package io.tiercache.redis;

import io.tiercache.InvalidConfigException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How {@link RedisInvalidationBus} uses Redis. Immutable; start from {@link #DEFAULT} and derive
 * copies with the {@code with*} methods.
 *
 * @param keyPrefix names the bus's keys: {@code {prefix}:seq}, {@code {prefix}:stream}, {@code
 *     {prefix}:nodes} (one hash tag, so one cluster slot); 1 to 64 of {@code A-Z a-z 0-9 : _ - .}
 * @param maxLength about how many entries the stream keeps (XADD MAXLEN ~), 100 to 100,000,000. A
 *     node that falls further behind flushes its L1 instead of replaying.
 * @param maxAge how long an entry is kept at most, 1 s to 7 days. Keep it longer than the longest
 *     TTL plus stale window of any class: a node that rejoins within it replays what it missed.
 * @param pollTimeout how long one XREAD waits for new entries, 1 ms to 10 s; a node's view of the
 *     bus is known to be current up to the start of its last read, so this bounds how stale that
 *     knowledge is when nothing happens, and must stay well under every class's staleness epsilon
 * @param readBatch the most entries one XREAD returns, 1 to 100,000
 * @param heartbeatInterval how often a node records its applied watermark, 10 ms to 60 s
 * @param nodeLiveness how recent a node's heartbeat must be for it to count as alive, more than
 *     twice the heartbeat interval and at most 1 h
 * @param commandTimeout how long a publish or another command may take, 1 ms to 60 s
 * @param reconnectDelayMax the longest pause between reconnection attempts, 1 ms to 60 s
 */
public record RedisBusOptions(
    String keyPrefix,
    long maxLength,
    Duration maxAge,
    Duration pollTimeout,
    int readBatch,
    Duration heartbeatInterval,
    Duration nodeLiveness,
    Duration commandTimeout,
    Duration reconnectDelayMax) {

  // Declared before DEFAULT: its constructor reads them while the class initializes.
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9:_\\-.]{1,64}");
  private static final Duration MS = Duration.ofMillis(1);
  private static final Duration MINUTE = Duration.ofMinutes(1);

  public static final String DEFAULT_KEY_PREFIX = "tc:bus";
  public static final long DEFAULT_MAX_LENGTH = 100_000;
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(15);
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);
  public static final int DEFAULT_READ_BATCH = 1000;
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(250);
  public static final Duration DEFAULT_NODE_LIVENESS = Duration.ofSeconds(5);
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_RECONNECT_DELAY_MAX = Duration.ofMillis(250);

  public static final RedisBusOptions DEFAULT =
      new RedisBusOptions(
          DEFAULT_KEY_PREFIX,
          DEFAULT_MAX_LENGTH,
          DEFAULT_MAX_AGE,
          DEFAULT_POLL_TIMEOUT,
          DEFAULT_READ_BATCH,
          DEFAULT_HEARTBEAT_INTERVAL,
          DEFAULT_NODE_LIVENESS,
          DEFAULT_COMMAND_TIMEOUT,
          DEFAULT_RECONNECT_DELAY_MAX);

  public RedisBusOptions {
    if (keyPrefix == null || !PREFIX.matcher(keyPrefix).matches()) {
      throw new InvalidConfigException(
          "keyPrefix", "must be 1 to 64 of A-Z a-z 0-9 : _ - . , was " + keyPrefix);
    }
    if (maxLength < 100 || maxLength > 100_000_000) {
      throw new InvalidConfigException("maxLength", "must be 100 to 100000000, was " + maxLength);
    }
    requireRange("maxAge", maxAge, Duration.ofSeconds(1), Duration.ofDays(7));
    requireRange("pollTimeout", pollTimeout, MS, Duration.ofSeconds(10));
    if (readBatch < 1 || readBatch > 100_000) {
      throw new InvalidConfigException("readBatch", "must be 1 to 100000, was " + readBatch);
    }
    requireRange("heartbeatInterval", heartbeatInterval, Duration.ofMillis(10), MINUTE);
    requireRange("nodeLiveness", nodeLiveness, MS, Duration.ofHours(1));
    if (heartbeatInterval != null
        && nodeLiveness.compareTo(heartbeatInterval.multipliedBy(2)) <= 0) {
      throw new InvalidConfigException(
          "nodeLiveness",
          "must be more than twice heartbeatInterval ("
              + heartbeatInterval
              + "), was "
              + nodeLiveness);
    }
    requireRange("commandTimeout", commandTimeout, MS, MINUTE);
    requireRange("reconnectDelayMax", reconnectDelayMax, MS, MINUTE);
  }

  /** A copy with another key prefix (separate buses on one Redis). */
  public RedisBusOptions withKeyPrefix(String keyPrefix) {
    return new RedisBusOptions(
        keyPrefix,
        maxLength,
        maxAge,
        pollTimeout,
        readBatch,
        heartbeatInterval,
        nodeLiveness,
        commandTimeout,
        reconnectDelayMax);
  }

  /** A copy that keeps about {@code maxLength} entries. */
  public RedisBusOptions withMaxLength(long maxLength) {
    return new RedisBusOptions(
        keyPrefix,
        maxLength,
        maxAge,
        pollTimeout,
        readBatch,
        heartbeatInterval,
        nodeLiveness,
        commandTimeout,
        reconnectDelayMax);
  }

  /** A copy that keeps entries for at most {@code maxAge}. */
  public RedisBusOptions withMaxAge(Duration maxAge) {
    return new RedisBusOptions(
        keyPrefix,
        maxLength,
        maxAge,
        pollTimeout,
        readBatch,
        heartbeatInterval,
        nodeLiveness,
        commandTimeout,
        reconnectDelayMax);
  }

  /** A copy whose reads wait at most {@code pollTimeout}. */
  public RedisBusOptions withPollTimeout(Duration pollTimeout) {
    return new RedisBusOptions(
        keyPrefix,
        maxLength,
        maxAge,
        pollTimeout,
        readBatch,
        heartbeatInterval,
        nodeLiveness,
        commandTimeout,
        reconnectDelayMax);
  }

  /** A copy with another heartbeat interval and liveness. */
  public RedisBusOptions withHeartbeats(Duration interval, Duration liveness) {
    return new RedisBusOptions(
        keyPrefix,
        maxLength,
        maxAge,
        pollTimeout,
        readBatch,
        interval,
        liveness,
        commandTimeout,
        reconnectDelayMax);
  }

  /** A copy whose commands time out after {@code commandTimeout}. */
  public RedisBusOptions withCommandTimeout(Duration commandTimeout) {
    return new RedisBusOptions(
        keyPrefix,
        maxLength,
        maxAge,
        pollTimeout,
        readBatch,
        heartbeatInterval,
        nodeLiveness,
        commandTimeout,
        reconnectDelayMax);
  }

  /** The counter of sequences. */
  String counterKey() {
    return '{' + keyPrefix + "}:seq";
  }

  /** The stream of invalidations. */
  String streamKey() {
    return '{' + keyPrefix + "}:stream";
  }

  /** The hash of node watermarks. */
  String nodesKey() {
    return '{' + keyPrefix + "}:nodes";
  }

  private static void requireRange(String field, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidConfigException(field, "must be " + min + " to " + max + ", was " + value);
    }
  }
}
