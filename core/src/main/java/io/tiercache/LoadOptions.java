package io.tiercache;

import java.time.Duration;

/**
 * How loads are coordinated across the fleet and protected at the source. Immutable; start from
 * {@link #DEFAULT}.
 *
 * @param leaseTime how long a node's right to load a key lasts; a holder that dies is taken over
 *     after it. Longer than a normal load.
 * @param maxLeaseWait the longest a caller waits for another node's load before it fails
 * @param rateLimitWait the longest a load waits for a permit of its class's rate limit before it
 *     serves stale or fails with {@link SourceOverloadedException}
 * @param fleetSize how many nodes share a class's rate limit; each takes {@code 1/fleetSize} of it
 *     locally while L2 (and so the fleet-wide bucket) is unreachable
 * @param refreshThreads threads refreshing entries in the background (stale-while-revalidate, early
 *     and ahead refreshes)
 * @param refreshQueue refreshes that may wait for a thread; more are dropped and counted
 * @param refreshAheadFraction for refresh-ahead classes, the fraction of the TTL left at which a
 *     read renews the entry
 */
public record LoadOptions(
    Duration leaseTime,
    Duration maxLeaseWait,
    Duration rateLimitWait,
    int fleetSize,
    int refreshThreads,
    int refreshQueue,
    double refreshAheadFraction) {

  public static final LoadOptions DEFAULT =
      new LoadOptions(
          Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMillis(100), 1, 2, 1024, 0.2);

  public LoadOptions {
    positive("leaseTime", leaseTime);
    positive("maxLeaseWait", maxLeaseWait);
    if (rateLimitWait == null || rateLimitWait.isNegative()) {
      throw new InvalidConfigException("rateLimitWait", "must be >= 0, was " + rateLimitWait);
    }
    if (fleetSize < 1 || fleetSize > 10_000) {
      throw new InvalidConfigException("fleetSize", "must be 1 to 10000, was " + fleetSize);
    }
    if (refreshThreads < 1 || refreshThreads > 256) {
      throw new InvalidConfigException("refreshThreads", "must be 1 to 256, was " + refreshThreads);
    }
    if (refreshQueue < 1 || refreshQueue > 1_000_000) {
      throw new InvalidConfigException("refreshQueue", "must be 1 to 1000000, was " + refreshQueue);
    }
    if (!(refreshAheadFraction > 0 && refreshAheadFraction < 1)) {
      throw new InvalidConfigException(
          "refreshAheadFraction", "must be in (0, 1), was " + refreshAheadFraction);
    }
  }

  private static void positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new InvalidConfigException(field, "must be positive, was " + d);
    }
  }

  public LoadOptions withLeaseTime(Duration leaseTime) {
    return new LoadOptions(
        leaseTime,
        maxLeaseWait,
        rateLimitWait,
        fleetSize,
        refreshThreads,
        refreshQueue,
        refreshAheadFraction);
  }

  public LoadOptions withRateLimitWait(Duration rateLimitWait) {
    return new LoadOptions(
        leaseTime,
        maxLeaseWait,
        rateLimitWait,
        fleetSize,
        refreshThreads,
        refreshQueue,
        refreshAheadFraction);
  }

  public LoadOptions withFleetSize(int fleetSize) {
    return new LoadOptions(
        leaseTime,
        maxLeaseWait,
        rateLimitWait,
        fleetSize,
        refreshThreads,
        refreshQueue,
        refreshAheadFraction);
  }

  public LoadOptions withMaxLeaseWait(Duration maxLeaseWait) {
    return new LoadOptions(
        leaseTime,
        maxLeaseWait,
        rateLimitWait,
        fleetSize,
        refreshThreads,
        refreshQueue,
        refreshAheadFraction);
  }
}
