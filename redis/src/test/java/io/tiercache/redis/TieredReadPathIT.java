package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.L2Options;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The read path L1 -> L2 -> source across two cache instances ("nodes") that share one real Redis,
 * and the deadlines that travel with the entries (DESIGN invariants 2 and 9).
 */
class TieredReadPathIT {
  // These tests are about which tier answers, not about speed: timeouts are generous so that a
  // slow machine cannot turn an L2 round trip into a miss.
  private static final L2Options PATIENT_L2 = L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5));
  private static final RedisTierOptions PATIENT_REDIS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  private static LocalRedisServer redis;

  private final List<TieredCache<String>> nodes = new ArrayList<>();
  // Each test writes under its own prefix, so tests sharing the server never see each other's keys.
  private final String prefix = "it-" + UUID.randomUUID() + ":";

  @BeforeAll
  static void startRedis() {
    redis = LocalRedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(TieredCache::close);
  }

  private TieredCache<String> node(
      CountingLoader loader, CacheClasses classes, Clock clock, MeterRegistry meters, String p) {
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .loader(loader)
            .classes(classes)
            .remoteTier(RedisRemoteTier.standalone(redis.uri(), PATIENT_REDIS.withKeyPrefix(p)))
            .l2Options(PATIENT_L2)
            .clock(clock)
            .meterRegistry(meters)
            .build();
    nodes.add(cache);
    return cache;
  }

  private static CacheClasses oneClass(Duration ttl, double jitter) {
    return CacheClasses.of(
        List.of(
            CacheClass.builder("c", "*")
                .ttl(ttl)
                .ttlJitter(jitter)
                .stalenessEpsilon(Duration.ZERO)
                .build()));
  }

  @Test
  void readPath_isSourceThenL2ThenL1_withOneLoadAcrossNodes() {
    CountingLoader loader = new CountingLoader().put("user:1", "alice", 1);
    CacheClasses classes = oneClass(Duration.ofMinutes(5), 0.1);
    MeterRegistry metersA = new SimpleMeterRegistry();
    MeterRegistry metersB = new SimpleMeterRegistry();
    TieredCache<String> a = node(loader, classes, Clock.systemUTC(), metersA, prefix);
    TieredCache<String> b = node(loader, classes, Clock.systemUTC(), metersB, prefix);

    Lookup<String> first = a.lookup("user:1");
    assertThat(first.tier()).isEqualTo(Tier.SOURCE);
    assertThat(first.value()).isEqualTo("alice");
    assertThat(loader.loads()).isEqualTo(1);

    Lookup<String> second = b.lookup("user:1");
    assertThat(second.tier()).isEqualTo(Tier.L2);
    assertThat(second.value()).isEqualTo("alice");
    assertThat(second.freshUntil()).isEqualTo(first.freshUntil());
    assertThat(loader.loads()).isEqualTo(1);

    Lookup<String> third = b.lookup("user:1");
    assertThat(third.tier()).isEqualTo(Tier.L1);
    assertThat(loader.loads()).isEqualTo(1);

    String shard = redis.address();
    assertThat(gets(metersA, "l1", "miss")).isEqualTo(1);
    assertThat(gets(metersA, "l2", "miss")).isEqualTo(1);
    assertThat(Meters.count(metersA, "tiercache.loads", "class", "c", "outcome", "success"))
        .isEqualTo(1);
    assertThat(gets(metersB, "l1", "miss")).isEqualTo(1);
    assertThat(
            Meters.count(metersB, "tiercache.gets", "tier", "l2", "result", "hit", "shard", shard))
        .isEqualTo(1);
    assertThat(gets(metersB, "l1", "hit")).isEqualTo(1);
    assertThat(Meters.count(metersB, "tiercache.loads", "class", "c")).isZero();
  }

  private static double gets(MeterRegistry meters, String tier, String result) {
    return Meters.count(meters, "tiercache.gets", "class", "c", "tier", tier, "result", result);
  }

  @Test
  void l2Hit_inheritsTheLoadersDeadline_insteadOfStartingANewTtl() {
    ManualClock clock = ManualClock.startingAt2030();
    Instant t0 = clock.instant();
    CountingLoader loader = new CountingLoader().put("k", "v1", 1);
    CacheClasses classes = oneClass(Duration.ofSeconds(60), 0);
    TieredCache<String> a = node(loader, classes, clock, new SimpleMeterRegistry(), prefix);
    TieredCache<String> b = node(loader, classes, clock, new SimpleMeterRegistry(), prefix);

    Lookup<String> loaded = a.lookup("k");
    assertThat(loaded.tier()).isEqualTo(Tier.SOURCE);
    assertThat(loaded.freshUntil()).isEqualTo(t0.plusSeconds(60));

    clock.advance(Duration.ofSeconds(59));
    Lookup<String> copied = b.lookup("k");
    assertThat(copied.tier()).isEqualTo(Tier.L2);
    assertThat(copied.freshUntil()).isEqualTo(t0.plusSeconds(60)).isNotEqualTo(t0.plusSeconds(119));
    assertThat(b.lookup("k").tier()).isEqualTo(Tier.L1);

    clock.advance(Duration.ofSeconds(1));
    Lookup<String> expired = b.lookup("k");
    assertThat(expired.tier()).isEqualTo(Tier.SOURCE);
    assertThat(expired.freshUntil()).isEqualTo(t0.plusSeconds(120));
    assertThat(loader.loads()).isEqualTo(2);
  }

  @Test
  void ttlJitter_isIdenticalOnIndependentCaches_andSpreadAcrossKeys() {
    Duration ttl = Duration.ofSeconds(100);
    CacheClasses classes = oneClass(ttl, 0.2);
    Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
    CountingLoader loaderA = new CountingLoader();
    CountingLoader loaderB = new CountingLoader();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      keys.add("item:" + i);
      loaderA.put("item:" + i, "v" + i, 1);
      loaderB.put("item:" + i, "v" + i, 1);
    }
    // Separate prefixes, clocks and connections: nothing is shared but the key names.
    TieredCache<String> a =
        node(loaderA, classes, new ManualClock(t0), new SimpleMeterRegistry(), prefix + "a:");
    TieredCache<String> b =
        node(loaderB, classes, new ManualClock(t0), new SimpleMeterRegistry(), prefix + "b:");

    Set<Long> ttls = new HashSet<>();
    for (String key : keys) {
      Lookup<String> onA = a.lookup(key);
      Lookup<String> onB = b.lookup(key);
      assertThat(onA.tier()).isEqualTo(Tier.SOURCE);
      assertThat(onB.tier()).isEqualTo(Tier.SOURCE);
      assertThat(onB.freshUntil()).as(key).isEqualTo(onA.freshUntil());
      ttls.add(Duration.between(t0, onA.freshUntil()).toMillis());
    }

    assertThat(loaderA.loads()).isEqualTo(500);
    assertThat(loaderB.loads()).isEqualTo(500);
    assertThat(ttls).allSatisfy(t -> assertThat(t).isBetween(80_000L, 100_000L));
    assertThat(ttls).hasSizeGreaterThan(450);
    long spread =
        ttls.stream().mapToLong(Long::longValue).max().getAsLong()
            - ttls.stream().mapToLong(Long::longValue).min().getAsLong();
    assertThat(spread).isGreaterThan(15_000L);
  }
}
