package io.tiercache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.tiercache.Loaded;
import io.tiercache.Tier;
import io.tiercache.TierCacheException;
import io.tiercache.classes.CacheClass;
import io.tiercache.spi.Entry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a fraction of served hits against the source in the background, to catch in production
 * what DESIGN invariant 1 forbids: a value served later than {@code ttl + staleness_epsilon} after
 * the source changed.
 *
 * <p>The source says which version it has, not since when. So a check that finds a newer version at
 * the source remembers when it first saw one ({@code key -> version, seen at}); a later sampled
 * read that serves an older version more than the bound after that moment is proven stale by at
 * least that much, and is counted as {@code tiercache.stale.reads{class,tier}} and logged with key,
 * tier and age. The first sighting itself proves nothing (the source may have changed a moment
 * before), so detection needs repeated samples of a key; hot keys, where staleness hurts, get them.
 *
 * <p>Checks go through the class's rate limit like any load and are dropped when the limit or the
 * bounded queue is full: the sampler never competes with readers.
 */
final class StaleReadSampler<V> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StaleReadSampler.class);
  private static final int QUEUE = 1024;
  private static final int REMEMBERED_KEYS = 100_000;

  private final double fraction;
  private final SourceGate<V> gate;
  private final CacheMetrics metrics;
  private final Clock clock;
  private final ThreadPoolExecutor pool;
  // key -> {newest version seen at the source that was newer than one served, when first seen}
  private final Cache<String, long[]> newerAtSource =
      Caffeine.newBuilder()
          .maximumSize(REMEMBERED_KEYS)
          .expireAfterWrite(Duration.ofHours(1))
          .executor(Runnable::run)
          .build();
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

  StaleReadSampler(double fraction, SourceGate<V> gate, CacheMetrics metrics, Clock clock) {
    this.fraction = fraction;
    this.gate = gate;
    this.metrics = metrics;
    this.clock = clock;
    this.pool =
        new ThreadPoolExecutor(
            1,
            1,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "tiercache-stale-sampler");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  /** A value of {@code key} was served from {@code tier} at {@code servedAtMs}; maybe check it. */
  void served(CacheClass c, String key, Tier tier, Entry e, long servedAtMs) {
    if (fraction <= 0 || ThreadLocalRandom.current().nextDouble() >= fraction) {
      return;
    }
    submit(c, key, tier, e, servedAtMs);
  }

  /** The fraction of served hits checked. */
  double fraction() {
    return fraction;
  }

  /** Checks this read, which the caller sampled itself (the L1 hit path). */
  void submit(CacheClass c, String key, Tier tier, Entry e, long servedAtMs) {
    try {
      pool.execute(() -> check(c, key, tier, e.version(), e.isAbsent(), servedAtMs));
    } catch (RejectedExecutionException full) {
      // A sample fewer; never a slower read.
    }
  }

  void check(CacheClass c, String key, Tier tier, long served, boolean absent, long servedAtMs) {
    long bound = c.ttl().plus(c.stalenessEpsilon()).toMillis();
    long[] known = newerAtSource.getIfPresent(key);
    if (known != null && known[0] > served && servedAtMs - known[1] > bound) {
      long age = servedAtMs - known[1];
      counter("tiercache.stale.reads", c, tier).increment();
      log.warn(
          "stale read: '{}' (class {}) served from {} at version {}, {} ms after the source had"
              + " version {}; the bound is {} ms",
          key,
          c.name(),
          tier,
          served,
          age,
          known[0],
          bound);
    }
    Loaded<V> now;
    try {
      now = gate.load(c, key);
    } catch (TierCacheException e) {
      return; // over the rate limit or the source failed: no sample
    }
    counter("tiercache.stale.checks", c, tier).increment();
    boolean newer = absent ? now != null : now == null || now.version() > served;
    if (newer) {
      long version = now == null ? Long.MAX_VALUE : Math.max(now.version(), served + 1);
      long seenAt = clock.millis();
      newerAtSource
          .asMap()
          .merge(
              key,
              new long[] {version, seenAt},
              (old, fresh) -> old[0] > served ? old : fresh); // the earlier sighting proves more
    }
  }

  private Counter counter(String name, CacheClass c, Tier tier) {
    String tierName = tier.name().toLowerCase(java.util.Locale.ROOT);
    return counters.computeIfAbsent(
        name + '/' + c.name() + '/' + tierName,
        k ->
            Counter.builder(name)
                .description(
                    name.endsWith("reads")
                        ? "sampled reads proven staler than ttl + staleness_epsilon"
                        : "served hits re-checked against the source")
                .tag("class", c.name())
                .tag("tier", tierName)
                .register(metrics.registry()));
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
