package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.InvalidationRequest;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.DataSize;
import io.tiercache.internal.L1Tier.Cached;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The L1 hit path reads copies through one index over every class's cache (L1Tier says why). These
 * tests hold it to what makes that safe: the index never holds a copy its class's cache does not
 * hold, and a copy stored under classes no longer in force is not served as the new class's.
 */
class L1IndexTest {
  private final ManualClock clock = ManualClock.startingAt2030();
  private final CountingLoader source = new CountingLoader();

  private DefaultTieredCache<String> cache(CacheClass... classes) {
    TieredCache<String> built =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CacheClasses.of(List.of(classes)))
            .loader(source)
            .clock(clock)
            .executor(Runnable::run)
            .meterRegistry(new SimpleMeterRegistry())
            .build();
    return (DefaultTieredCache<String>) built;
  }

  @Test
  void evictedCopies_leaveTheIndex() {
    DefaultTieredCache<String> cache =
        cache(CacheClass.builder("small", "*").ttl(Duration.ofHours(1)).l1MaxEntries(100).build());
    for (int i = 0; i < 2_000; i++) {
      source.put("k:" + i, "v" + i, 1);
      cache.get("k:" + i);
    }
    cache.cleanUpL1();
    L1Tier<String> l1 = cache.l1();
    assertThat(l1.indexSize()).isLessThanOrEqualTo(100);
    assertThat(l1.indexedButNotCached()).isEmpty();
  }

  @Test
  void aKeyGivenAnotherClass_isNotServedFromItsOldCopy_onTheHitPath() {
    CacheClass plain = CacheClass.builder("plain", "*").ttl(Duration.ofHours(1)).build();
    DefaultTieredCache<String> cache = cache(plain);
    source.put("order:1", "old", 1);
    assertThat(cache.get("order:1")).isEqualTo("old");
    assertThat(cache.get("order:1")).isEqualTo("old"); // an L1 hit through the index
    assertThat(source.loads()).isEqualTo(1);

    // "plain" is unchanged, so its cache and the copy stay; the key now belongs to "order".
    CacheClass order = CacheClass.builder("order", "order:*").ttl(Duration.ofMinutes(5)).build();
    cache.updateClasses(CacheClasses.of(List.of(plain, order)));
    source.put("order:1", "new", 2);
    assertThat(cache.get("order:1")).isEqualTo("new");
    assertThat(source.loads()).isEqualTo(2);
    assertThat(cache.l1().indexedButNotCached()).isEmpty();
  }

  @Test
  void aKeptCopy_isServedFromL1AfterReconfiguration_andIndexedAgain() {
    CacheClass plain = CacheClass.builder("plain", "*").ttl(Duration.ofHours(1)).build();
    DefaultTieredCache<String> cache = cache(plain);
    source.put("user:1", "u", 1);
    cache.get("user:1");
    CacheClass order = CacheClass.builder("order", "order:*").ttl(Duration.ofMinutes(5)).build();
    cache.updateClasses(CacheClasses.of(List.of(plain, order)));
    for (int i = 0; i < 3; i++) {
      assertThat(cache.get("user:1")).isEqualTo("u");
    }
    assertThat(source.loads()).isEqualTo(1);
    Cached<String> indexed = cache.l1().indexForReads().get("user:1");
    assertThat(indexed).isNotNull();
    assertThat(indexed.lane().current()).isTrue(); // re-stamped by the first read after
  }

  @Test
  void everyInvalidationLeavesTheIndexBehindItsCaches() {
    DefaultTieredCache<String> cache =
        cache(
            CacheClass.builder("a", "a:*").ttl(Duration.ofHours(1)).build(),
            CacheClass.builder("b", "*").ttl(Duration.ofHours(1)).build());
    for (int i = 0; i < 50; i++) {
      source.put("a:" + i, "x", 1).put("b:" + i, "y", 1);
      cache.get("a:" + i);
      cache.get("b:" + i);
    }
    cache.invalidate("a:1");
    cache.invalidate(InvalidationRequest.keys(List.of("b:2")));
    assertThat(cache.l1().indexForReads().get("a:1")).isNull();
    assertThat(cache.l1().indexForReads().get("b:2")).isNull();
    assertThat(cache.l1().indexedButNotCached()).isEmpty();

    // Everything: a rule, applied lazily. Indexed copies predate it, so none is served as is.
    int loads = source.loads();
    cache.invalidate(InvalidationRequest.everything());
    source.put("a:3", "x2", 2);
    assertThat(cache.get("a:3")).isEqualTo("x2");
    assertThat(source.loads()).isEqualTo(loads + 1);
    assertThat(cache.l1().indexedButNotCached()).isEmpty();
  }

  /**
   * Near its bound (more than half full), L1 records every hit in Caffeine's eviction policy, as a
   * raw Caffeine read does; below it, none (Caffeine keeps no frequencies there). The bound is
   * looked at on every store, so the store that takes the cache past half turns recording on, and
   * sampled hits turn it off again once the cache has shrunk.
   */
  @Test
  void aCacheMoreThanHalfFull_recordsEveryHitInItsPolicy() {
    DefaultTieredCache<String> cache =
        cache(CacheClass.builder("small", "*").ttl(Duration.ofHours(1)).l1MaxEntries(100).build());
    load(cache, 0, 50);
    assertThat(cache.l1().laneOf("k:0").nearBound()).as("50 of 100").isFalse();
    load(cache, 50, 51);
    assertThat(cache.l1().laneOf("k:0").nearBound()).as("51 of 100, no read since").isTrue();

    Cache<String, ?> caffeine = cache.l1().laneOf("k:0").cache();
    for (int i = 0; i < 20; i++) {
      cache.get("k:7");
    }
    cache.cleanUpL1();
    assertThat(caffeine.policy().eviction().orElseThrow().hottest(1).keySet())
        .as("the hits reached the policy")
        .containsExactly("k:7");

    for (int i = 0; i < 20; i++) {
      cache.invalidate("k:" + i);
    }
    // 2,170 hits, each sampled with a chance of 1 in 64: none sampled with a chance of e^-34.
    for (int round = 0; round < 70; round++) {
      for (int i = 20; i < 51; i++) {
        cache.get("k:" + i);
      }
    }
    assertThat(cache.l1().laneOf("k:0").nearBound()).as("31 of 100, after sampled hits").isFalse();
  }

  /**
   * The same for a class bounded by bytes: each copy here weighs about 136 bytes (the value, twice
   * the key's length and the per-entry overhead), so 30 copies hold less than half of 10,000 bytes
   * and 40 more than half.
   */
  @Test
  void aByteBoundedCacheMoreThanHalfFull_recordsEveryHitInItsPolicy() {
    DefaultTieredCache<String> cache =
        cache(
            CacheClass.builder("bytes", "*")
                .ttl(Duration.ofHours(1))
                .l1MaxBytes(DataSize.ofBytes(10_000))
                .build());
    load(cache, 0, 30);
    assertThat(cache.l1().laneOf("k:0").nearBound()).as("about 4,100 of 10,000 bytes").isFalse();
    load(cache, 30, 40);
    assertThat(cache.l1().laneOf("k:0").nearBound())
        .as("about 5,500 of 10,000 bytes, no read since")
        .isTrue();

    for (int i = 0; i < 20; i++) {
      cache.invalidate("k:" + i);
    }
    // 2,000 hits, each sampled with a chance of 1 in 64: none sampled with a chance of e^-31.
    for (int round = 0; round < 100; round++) {
      for (int i = 20; i < 40; i++) {
        cache.get("k:" + i);
      }
    }
    assertThat(cache.l1().laneOf("k:0").nearBound())
        .as("about 2,700 bytes, after sampled hits")
        .isFalse();
  }

  /** Loads keys k:{from} to k:{to - 1} into L1. */
  private void load(DefaultTieredCache<String> cache, int from, int to) {
    for (int i = from; i < to; i++) {
      source.put("k:" + i, "v", 1);
      cache.get("k:" + i);
    }
  }

  /**
   * A write and an invalidation of one key race, round after round; after each round the index
   * holds no copy that the cache does not. Were the index changed outside the cache's atomic
   * operation, a round where the invalidation lands between the write's two steps would leave the
   * written copy indexed, and served, after the cache dropped it.
   */
  @Test
  void racingPutsAndRemovals_neverLeaveACopyOnlyInTheIndex() throws Exception {
    DefaultTieredCache<String> cache =
        cache(CacheClass.builder("hot", "*").ttl(Duration.ofHours(1)).build());
    source.put("k", "v", 1);
    int rounds = 20_000;
    CyclicBarrier go = new CyclicBarrier(3);
    CyclicBarrier done = new CyclicBarrier(3);
    AtomicInteger round = new AtomicInteger();
    Thread writer =
        new Thread(
            () ->
                repeat(rounds, go, done, () -> cache.put("k", "p" + round.get(), round.get() + 2)));
    Thread invalidator = new Thread(() -> repeat(rounds, go, done, () -> cache.invalidate("k")));
    writer.start();
    invalidator.start();
    List<Integer> bad = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      round.set(r);
      go.await();
      done.await();
      if (!cache.l1().indexedButNotCached().isEmpty()) {
        bad.add(r);
      }
    }
    writer.join();
    invalidator.join();
    assertThat(bad).isEmpty();
  }

  private static void repeat(int rounds, CyclicBarrier go, CyclicBarrier done, Runnable step) {
    try {
      for (int r = 0; r < rounds; r++) {
        go.await();
        step.run();
        done.await();
      }
    } catch (InterruptedException | BrokenBarrierException e) {
      throw new IllegalStateException(e);
    }
  }
}
