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
 * <p>Two references explain the ratio and are not judged: {@link #caffeineWithExpiry}, Caffeine
 * built the way {@code L1Tier} builds its caches (per-entry expiry read from a ticker on the wall
 * clock), and {@link #tieredCacheNoHotKeys}, tiercache with hot-key sampling off. Together they
 * split the gap into what Caffeine's expiry costs, what hot-key sampling costs, and the rest of
 * tiercache's read path. The subject is tiercache as built by default.
 */
@State(Scope.Benchmark)
public class L1HitBenchmark {
  private static final int KEYS = 1024;
  private String[] keys;
  private Cache<String, String> caffeine;
  private Cache<String, String> caffeineWithExpiry;
  private TieredCache<String> tiered;
  private TieredCache<String> tieredNoHotKeys;

  @State(Scope.Thread)
  public static class Cursor {
    int i;
  }

  @Setup(Level.Trial)
  public void setUp() {
    keys = new String[KEYS];
    caffeine = Caffeine.newBuilder().maximumSize(100_000).build();
    caffeineWithExpiry = expiringLikeL1(Clock.systemUTC());
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
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "hot:" + i;
      caffeine.put(keys[i], "value-of-" + keys[i]);
      caffeineWithExpiry.put(keys[i], "value-of-" + keys[i]);
      tiered.get(keys[i]);
      tieredNoHotKeys.get(keys[i]);
    }
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
        if (tiered.lookup(key).tier() != Tier.L1 || tieredNoHotKeys.lookup(key).tier() != Tier.L1) {
          throw new IllegalStateException("not an L1-hit measurement: '" + key + "' left L1");
        }
      }
    } finally {
      tiered.close();
      tieredNoHotKeys.close();
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
  public String tieredCache(Cursor c) {
    return tiered.get(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String tieredCacheNoHotKeys(Cursor c) {
    return tieredNoHotKeys.get(keys[c.i++ & (KEYS - 1)]);
  }
}
