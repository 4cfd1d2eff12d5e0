package io.tiercache.bench;

import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.L2Options;
import io.tiercache.Loaded;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.EvictionPolicy;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.spi.RemoteTier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cache the L2 benchmarks measure: one class that bypasses L1 ({@link EvictionPolicy#L2_ONLY}),
 * so every read is an L2 read, over a source that only counts its loads. After seeding, the source
 * must never be called again: {@link #requireOnlyL2Hits} checks that at the end of a trial, so a
 * figure can never silently measure source loads or L2 fallbacks instead of L2 hits.
 */
final class L2Fixture implements AutoCloseable {
  /** Where tiercache stores {@code key} in Redis ({@code RedisTierOptions.DEFAULT_KEY_PREFIX}). */
  static String redisKey(String key) {
    return RedisTierOptions.DEFAULT_KEY_PREFIX + '{' + key + '}';
  }

  /**
   * L2 timeouts of one second instead of the 50 ms defaults. A timeout does not change what a
   * successful call costs; it only decides when a slow call is abandoned for the source. On a busy
   * two-core machine a GC pause can exceed 50 ms, and the sample would then time a source load;
   * {@link #requireOnlyL2Hits} would fail the trial. The generous timeout keeps the figure about
   * hits.
   */
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private static final int SEED_ATTEMPTS = 10;
  private static final Duration SEED_RETRY_PAUSE = Duration.ofMillis(500);

  private final AtomicLong loads = new AtomicLong();
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final TieredCache<String> cache;
  private long loadsAfterSeeding = -1;
  private double missesAfterSeeding = -1;
  private double errorsAfterSeeding = -1;

  private L2Fixture(RemoteTier remote) {
    CacheClass l2Only =
        CacheClass.builder("bench", "*")
            .ttl(Duration.ofHours(1))
            .evictionPolicy(EvictionPolicy.L2_ONLY)
            .l1MaxEntries(0)
            .build();
    this.cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CacheClasses.of(List.of(l2Only)))
            .loader(
                key -> {
                  loads.incrementAndGet();
                  return Loaded.of(valueOf(key), 1);
                })
            .remoteTier(remote)
            .l2Options(L2Options.DEFAULT.withTimeout(TIMEOUT))
            .meterRegistry(registry)
            .build();
  }

  /** A cache over a standalone Redis. */
  static L2Fixture standalone(RedisURI uri) {
    return new L2Fixture(
        RedisRemoteTier.standalone(uri, RedisTierOptions.DEFAULT.withCommandTimeout(TIMEOUT)));
  }

  /** A cache over a Redis Cluster. */
  static L2Fixture cluster(List<RedisURI> seeds) {
    return new L2Fixture(
        RedisRemoteTier.cluster(seeds, RedisTierOptions.DEFAULT.withCommandTimeout(TIMEOUT)));
  }

  /** The value the source has for {@code key}: about 64 bytes. */
  static String valueOf(String key) {
    return String.format("%-64s", "value-of-" + key);
  }

  TieredCache<String> cache() {
    return cache;
  }

  /**
   * Loads every key through the cache, which stores them in L2, and checks that each key now reads
   * as an L2 hit. On a busy machine a fresh connection or cluster can fail the first calls; the
   * cache then serves from the source without storing (that is its job), so seeding tries again a
   * few times before it gives up.
   *
   * @throws IllegalStateException when L2 still does not hold every key
   */
  void seed(String... keys) {
    for (int attempt = 1; ; attempt++) {
      cache.getAll(Arrays.asList(keys)); // loads, in bulk, whatever L2 does not hold
      if (everyKeyHitsL2(keys)) {
        break;
      }
      if (attempt == SEED_ATTEMPTS) {
        throw new IllegalStateException(
            "L2 does not hold the "
                + keys.length
                + " seeded keys after "
                + SEED_ATTEMPTS
                + " attempts");
      }
      pause(SEED_RETRY_PAUSE);
    }
    loadsAfterSeeding = loads.get();
    missesAfterSeeding = count("tiercache.gets", "tier", "l2", "result", "miss");
    errorsAfterSeeding = count("tiercache.l2.errors");
  }

  /**
   * Whether a read of each key is an L2 hit now (a key that is not there gets loaded and stored).
   */
  private boolean everyKeyHitsL2(String[] keys) {
    boolean all = true;
    for (String key : keys) {
      all &= cache.lookup(key).tier() == Tier.L2;
    }
    return all;
  }

  /**
   * Fails when anything since {@link #seed} reached the source, found an L2 miss or failed in L2:
   * then the trial did not measure L2 hits and its figure must not be used.
   */
  void requireOnlyL2Hits() {
    long sourceLoads = loads.get() - loadsAfterSeeding;
    double l2Misses = count("tiercache.gets", "tier", "l2", "result", "miss") - missesAfterSeeding;
    double l2Errors = count("tiercache.l2.errors") - errorsAfterSeeding;
    if (sourceLoads != 0 || l2Errors != 0 || l2Misses != 0) {
      throw new IllegalStateException(
          "not an L2-hit measurement: "
              + sourceLoads
              + " source loads, "
              + l2Errors
              + " L2 errors, "
              + l2Misses
              + " L2 misses after seeding");
    }
  }

  /** Seeding's pause between attempts, for a connection or breaker to recover; not a test wait. */
  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while seeding", e);
    }
  }

  private double count(String name, String... tags) {
    return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  /**
   * Closes what a benchmark opened, in the order given, skipping what was never opened (a setup can
   * fail half-way): the raw connection and client first, then this fixture, then the servers.
   */
  static void closeAll(AutoCloseable... opened) {
    RuntimeException first = null;
    for (AutoCloseable c : opened) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        first = first != null ? first : new IllegalStateException("closing " + c + " failed", e);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public void close() {
    cache.close();
  }
}
