package io.tiercache.internal;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.tiercache.CacheLoader;
import io.tiercache.LoadFailedException;
import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.SourceOverloadedException;
import io.tiercache.classes.CacheClass;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The only way to the source: every load takes a permit of its class's rate limit first (DESIGN
 * invariant 5), then calls the loader and records its latency.
 *
 * <p>Permits come from a token bucket per class in L2, shared by the whole fleet. While L2 cannot
 * be asked, each node takes permits from a local limiter holding {@code 1/fleetSize} of the rate,
 * so the fleet together still stays within the limit. A load that finds no permit within {@code
 * rateLimitWait} fails with {@link SourceOverloadedException}; callers serve stale instead when
 * they can.
 */
final class SourceGate<V> {
  private final CacheLoader<V> loader;
  private final L2Guard l2;
  private final CacheMetrics metrics;
  private final LoadOptions options;
  private final Map<String, RateLimiter> localShares = new ConcurrentHashMap<>();

  SourceGate(CacheLoader<V> loader, L2Guard l2, CacheMetrics metrics, LoadOptions options) {
    this.loader = loader;
    this.l2 = l2;
    this.metrics = metrics;
    this.options = options;
  }

  /** Loads one key; {@code null} when the source has none. */
  Loaded<V> load(CacheClass c, String key) {
    permit(c);
    CacheMetrics.ClassMeters m = metrics.of(c);
    long start = System.nanoTime();
    try {
      Loaded<V> loaded = loader.load(key);
      m.loadLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      (loaded == null ? m.loadsAbsent : m.loadsSuccess).increment();
      return loaded;
    } catch (Exception e) {
      m.loadsFailed.increment();
      throw new LoadFailedException(key, e);
    }
  }

  /** Loads many keys of one class in one call (one permit). */
  Map<String, Loaded<V>> loadAll(CacheClass c, Set<String> keys) {
    permit(c);
    CacheMetrics.ClassMeters m = metrics.of(c);
    long start = System.nanoTime();
    try {
      Map<String, Loaded<V>> loaded = loader.loadAll(keys);
      m.loadLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      m.loadsSuccess.increment(loaded.size());
      m.loadsAbsent.increment(keys.size() - loaded.size());
      return loaded;
    } catch (Exception e) {
      m.loadsFailed.increment(keys.size());
      throw new LoadFailedException(keys.iterator().next(), e);
    }
  }

  private void permit(CacheClass c) {
    if (c.sourceRateLimit().isUnlimited()) {
      return;
    }
    double rate = c.sourceRateLimit().perSecond();
    long deadline = System.nanoTime() + options.rateLimitWait().toNanos();
    while (true) {
      Object answer = l2.takePermit("rate:" + c.name(), rate, Math.max(1, rate / 10));
      long waitMillis;
      if (answer == L2Guard.NO_ANSWER) {
        if (localShare(c).acquirePermission()) {
          return;
        }
        waitMillis = (long) Math.ceil(1000 * options.fleetSize() / rate);
      } else if ((Long) answer == 0L) {
        return;
      } else {
        waitMillis = (Long) answer;
      }
      long now = System.nanoTime();
      if (now + TimeUnit.MILLISECONDS.toNanos(waitMillis) > deadline) {
        metrics.of(c).overloaded.increment();
        throw new SourceOverloadedException(c.name(), Duration.ofMillis(Math.max(1, waitMillis)));
      }
      sleep(waitMillis);
    }
  }

  /**
   * The local limiter used while L2 is unreachable. It refills {@code perPeriod} permits (a tenth
   * of a second's worth, rounded down, at least one) every {@code perPeriod / share} seconds, so
   * the rate is exactly the share and a burst never exceeds a tenth of a second's worth. Rounding
   * the quota of a fixed 100 ms period instead would overshoot: a 15/s share would become 20/s.
   */
  private RateLimiter localShare(CacheClass c) {
    return localShares.computeIfAbsent(
        c.name() + "@" + c.sourceRateLimit().perSecond(),
        name -> {
          double share = c.sourceRateLimit().perSecond() / options.fleetSize();
          RateLimiterConfig.Builder b = RateLimiterConfig.custom().timeoutDuration(Duration.ZERO);
          int perPeriod = (int) Math.max(1, Math.floor(share / 10));
          b.limitRefreshPeriod(Duration.ofNanos(Math.round(perPeriod * 1e9 / share)))
              .limitForPeriod(perPeriod);

          return RateLimiter.of("tiercache-" + name, b.build());
        });
  }

  private static void sleep(long millis) {
    try {
      // A real backoff before asking the bucket again, not a wait for a condition.
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LoadFailedException("(rate limit wait)", e);
    }
  }
}
