package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.redis.local.LocalRedisServer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 3 on real Redis: a load that read v1 before a write of v2 (or an invalidation)
 * on another node never installs v1 after it, in L2 or in any node's L1. Each test forces the one
 * interleaving that matters with latches: the load has read the source and is paused when the write
 * happens.
 */
class NoStaleSetIT {
  private static final String KEY = "k";
  private static LocalRedisServer redis;

  private final Map<String, Loaded<String>> source = new ConcurrentHashMap<>();
  private final CountDownLatch readV1 = new CountDownLatch(1);
  private final CountDownLatch releaseLoad = new CountDownLatch(1);
  private Fleet fleet;
  private Fleet.Node a;
  private Fleet.Node b;

  @BeforeAll
  static void startRedis() {
    redis = LocalRedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @BeforeEach
  void startNodes() {
    fleet = new Fleet(redis);
    source.put(KEY, Loaded.of("v1", 1));
    a = fleet.node("a", n -> n.classes(Fleet.ONE_CLASS).loader(pausedAfterReading()));
    b = fleet.node("b", n -> n.classes(Fleet.ONE_CLASS).loader(source::get));
  }

  @AfterEach
  void closeFleet() {
    fleet.close();
  }

  /** A's source: reads the key, then pauses until the test lets the load finish. */
  private CacheLoader<String> pausedAfterReading() {
    return key -> {
      Loaded<String> read = source.get(key);
      readV1.countDown();
      if (!releaseLoad.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the load");
      }
      return read;
    };
  }

  /** Starts A's load of v1 and returns once it has read the source and holds the lease. */
  private CompletableFuture<Lookup<String>> loadOfV1InFlightOnA() throws InterruptedException {
    CompletableFuture<Lookup<String>> load =
        CompletableFuture.supplyAsync(() -> a.cache().lookup(KEY));
    assertThat(readV1.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(fleet.leaseHolder(KEY)).startsWith("a:");
    return load;
  }

  @Test
  void writeOnAnotherNode_duringALoad_keepsTheOlderValueOutOfEveryTier() throws Exception {
    CompletableFuture<Lookup<String>> load = loadOfV1InFlightOnA();
    source.put(KEY, Loaded.of("v2", 2));
    b.cache().put(KEY, "v2", 2);
    releaseLoad.countDown();

    // The caller gets what it read; only the cache must not keep it.
    assertThat(load.get(10, TimeUnit.SECONDS).value()).isEqualTo("v1");
    assertThat(a.count("tiercache.sets.refused", "class", "c")).isEqualTo(1);
    assertThat(fleet.storedEntry(KEY).version()).isEqualTo(2);
    assertThat(fleet.leaseHolder(KEY)).isNull();

    // A reaches L2 (its L1 holds nothing, v1 least of all); B still has its own write in L1.
    assertRead(a, "v2", Tier.L2);
    assertRead(b, "v2", Tier.L1);
    assertRead(fleet.node("c", n -> n.classes(Fleet.ONE_CLASS).loader(source::get)), "v2", Tier.L2);
  }

  @Test
  void invalidationOnAnotherNode_duringALoad_leavesNoValueBehind() throws Exception {
    CompletableFuture<Lookup<String>> load = loadOfV1InFlightOnA();
    source.put(KEY, Loaded.of("v2", 2));
    b.cache().invalidate(KEY);
    releaseLoad.countDown();

    assertThat(load.get(10, TimeUnit.SECONDS).value()).isEqualTo("v1");
    assertThat(a.count("tiercache.sets.refused", "class", "c")).isEqualTo(1);
    assertThat(fleet.storedEntry(KEY)).isNull();
    assertThat(fleet.leaseHolder(KEY)).isNull();

    // Nothing was left to serve: A's read goes to the source again, and finds v2.
    assertRead(a, "v2", Tier.SOURCE);
    assertRead(b, "v2", Tier.L2);
    assertRead(fleet.node("c", n -> n.classes(Fleet.ONE_CLASS).loader(source::get)), "v2", Tier.L2);
  }

  @Test
  void invalidationOnTheLoadingNode_duringALoad_leavesNoValueBehind() throws Exception {
    CompletableFuture<Lookup<String>> load = loadOfV1InFlightOnA();
    source.put(KEY, Loaded.of("v2", 2));
    a.cache().invalidate(KEY);
    releaseLoad.countDown();

    assertThat(load.get(10, TimeUnit.SECONDS).value()).isEqualTo("v1");
    assertThat(fleet.storedEntry(KEY)).isNull();
    assertRead(a, "v2", Tier.SOURCE);
    assertRead(b, "v2", Tier.L2);
  }

  private static void assertRead(Fleet.Node node, String value, Tier tier) {
    Lookup<String> read = node.cache().lookup(KEY);
    assertThat(read.value()).as("value on " + node.id()).isEqualTo(value);
    assertThat(read.tier()).as("tier on " + node.id()).isEqualTo(tier);
    assertThat(read.stale()).isFalse();
  }
}
