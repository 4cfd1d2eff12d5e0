package io.tiercache.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.tiercache.HotKeyOptions;
import io.tiercache.Loaded;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * An L1 hit through {@code TieredCache.get} against its anchor, a raw Caffeine {@code getIfPresent}
 * of the same keys and values. All read 1,024 hot keys round-robin per thread.
 *
 * <p>Four references explain the ratio and are not judged: {@link #caffeineWithExpiry}, Caffeine
 * with per-entry expiry read from a ticker on the wall clock (what L1 would cost if Caffeine kept
 * the deadlines), {@link #caffeineWithStats}, Caffeine counting its hits ({@code recordStats()},
 * what exact hit counts cost Caffeine itself), {@link #tieredCacheNoHotKeys}, tiercache with
 * hot-key sampling off, and {@link #tieredCacheNearBound}, tiercache whose class is bounded at 1.5x
 * the keys read, so that every hit is also recorded in Caffeine's eviction policy. The subject is
 * tiercache as built by default, far from its class's bound.
 */
@State(Scope.Benchmark)
public class L1HitBenchmark {
  private static final int KEYS = 1024;
  private String[] keys;
  private Cache<String, String> caffeine;
  private Cache<String, String> caffeineWithExpiry;
  private Cache<String, String> caffeineWithStats;
  private TieredCache<String> tiered;
  private TieredCache<String> tieredNoHotKeys;
  private TieredCache<String> tieredNearBound;

  @State(Scope.Thread)
  public static class Cursor {
    int i;
  }

  @Setup(Level.Trial)
  public void setUp() {
    keys = new String[KEYS];
    caffeine = Caffeine.newBuilder().maximumSize(100_000).build();
    caffeineWithExpiry = expiringLikeL1(Clock.systemUTC());
    caffeineWithStats = Caffeine.newBuilder().maximumSize(100_000).recordStats().build();
    CacheClasses classes =
        CacheClasses.of(
            List.of(
                CacheClass.builder("hot", "*")
                    .ttl(Duration.ofHours(1))
                    .l1MaxEntries(100_000)
                    .build()));
    tiered =
        TieredCache.builder(ValueCodec.utf8())
            .classes(classes)
            .loader(key -> Loaded.of("value-of-" + key, 1))
            .build();
    tieredNoHotKeys =
        TieredCache.builder(ValueCodec.utf8())
            .classes(classes)
            .loader(key -> Loaded.of("value-of-" + key, 1))
            .hotKeys(HotKeyOptions.DISABLED)
            .build();
    // Bounded at 1.5x the keys read: more than half full, so every hit is recorded in Caffeine's
    // eviction policy (L1Tier.Lane#nearBound says why), which the subject, far from its bound, is
    // not.
    tieredNearBound =
        TieredCache.builder(ValueCodec.utf8())
            .classes(
                CacheClasses.of(
                    List.of(
                        CacheClass.builder("hot", "*")
                            .ttl(Duration.ofHours(1))
                            .l1MaxEntries(KEYS * 3 / 2)
                            .build())))
            .loader(key -> Loaded.of("value-of-" + key, 1))
            .build();
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "hot:" + i;
      caffeine.put(keys[i], "value-of-" + keys[i]);
      caffeineWithExpiry.put(keys[i], "value-of-" + keys[i]);
      caffeineWithStats.put(keys[i], "value-of-" + keys[i]);
      tiered.get(keys[i]);
      tieredNoHotKeys.get(keys[i]);
      tieredNearBound.get(keys[i]);
    }
    // A running service's cached entries have been through the collector, which packs what lives
    // and drops what doesn't. Filling the caches above leaves each key's few live objects apart,
    // among the garbage of six caches' fills (misses allocate), and no collection happens while
    // the hits run, since hits allocate nothing. Measured on that layout, every cache paid for how
    // its fill allocated rather than for its hit. One full collection, before the anchor's and the
    // subject's runs alike, measures both on a collected heap (docs/BENCHMARKS.md, "L1 hit").
    System.gc();
  }

  /**
   * Caffeine configured as {@code io.tiercache.internal.L1Tier} configures an entry-bounded class.
   */
  private static Cache<String, String> expiringLikeL1(Clock clock) {
    long oneHour = Duration.ofHours(1).toNanos();
    return Caffeine.newBuilder()
        .executor(ForkJoinPool.commonPool())
        .ticker(() -> clock.millis() * 1_000_000L)
        .maximumSize(100_000)
        .expireAfter(
            new Expiry<String, String>() {
              @Override
              public long expireAfterCreate(String key, String value, long now) {
                return oneHour;
              }

              @Override
              public long expireAfterUpdate(String key, String value, long now, long current) {
                return oneHour;
              }

              @Override
              public long expireAfterRead(String key, String value, long now, long current) {
                return current;
              }
            })
        .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    try {
      for (String key : keys) {
        if (tiered.lookup(key).tier() != Tier.L1
            || tieredNoHotKeys.lookup(key).tier() != Tier.L1
            || tieredNearBound.lookup(key).tier() != Tier.L1) {
          throw new IllegalStateException("not an L1-hit measurement: '" + key + "' left L1");
        }
      }
    } finally {
      tiered.close();
      tieredNoHotKeys.close();
      tieredNearBound.close();
    }
  }

  @Benchmark
  public String rawCaffeine(Cursor c) {
    return caffeine.getIfPresent(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String caffeineWithExpiry(Cursor c) {
    return caffeineWithExpiry.getIfPresent(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String caffeineWithStats(Cursor c) {
    return caffeineWithStats.getIfPresent(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String tieredCache(Cursor c) {
    return tiered.get(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String tieredCacheNoHotKeys(Cursor c) {
    return tieredNoHotKeys.get(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String tieredCacheNearBound(Cursor c) {
    return tieredNearBound.get(keys[c.i++ & (KEYS - 1)]);
  }
}
