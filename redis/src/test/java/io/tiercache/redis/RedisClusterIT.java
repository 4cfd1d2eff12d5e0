package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.L2Options;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.local.LocalRedisCluster;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.spi.Entry;
import io.tiercache.testing.CountingLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** L2 on a real three-master Redis Cluster made by {@code redis-cli --cluster create}. */
class RedisClusterIT {
  private static final L2Options PATIENT_L2 = L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5));
  private static final RedisTierOptions PATIENT_REDIS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  private static LocalRedisCluster cluster;
  private static Set<String> masters;

  @BeforeAll
  static void startCluster() {
    cluster = LocalRedisCluster.start(3, 0);
    masters = cluster.nodes().stream().map(LocalRedisServer::address).collect(Collectors.toSet());
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private static RedisRemoteTier tier(String prefix) {
    return RedisRemoteTier.cluster(cluster.seedUris(), PATIENT_REDIS.withKeyPrefix(prefix));
  }

  private static TieredCache<String> node(CountingLoader loader, MeterRegistry meters) {
    return TieredCache.builder(ValueCodec.utf8())
        .loader(loader)
        .classes(CacheClasses.of(List.of(CacheClass.builder("c", "*").build())))
        .remoteTier(tier("getall:"))
        .l2Options(PATIENT_L2)
        .meterRegistry(meters)
        .build();
  }

  @Test
  void getAllOfThousandKeys_afterAColdLoad_isServedFromL2OnEveryShard() {
    CountingLoader loader = new CountingLoader();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      keys.add("item:" + i);
      loader.put("item:" + i, "v" + i, 1);
    }
    MeterRegistry metersB = new SimpleMeterRegistry();
    try (TieredCache<String> a = node(loader, new SimpleMeterRegistry());
        TieredCache<String> b = node(loader, metersB)) {

      Map<String, String> cold = a.getAll(keys);
      assertThat(cold).hasSize(1_000).containsEntry("item:999", "v999");
      assertThat(loader.bulkLoads()).isEqualTo(1);

      Map<String, String> warm = b.getAll(keys);
      assertThat(warm).isEqualTo(cold);
      assertThat(loader.bulkLoads()).isEqualTo(1);
      assertThat(loader.loads()).isZero();

      Map<String, Double> hitsByShard =
          Meters.countBy(metersB, "tiercache.gets", "shard", "tier", "l2", "result", "hit");
      assertThat(hitsByShard.keySet()).hasSize(3).isEqualTo(masters);
      assertThat(hitsByShard.values().stream().mapToDouble(Double::doubleValue).sum())
          .isEqualTo(1_000);
      assertThat(Meters.count(metersB, "tiercache.gets", "tier", "l2", "result", "miss")).isZero();
    }
  }

  @Test
  void putGetDelete_roundTripAcrossSlots() {
    try (RedisRemoteTier tier = tier("roundtrip:")) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        keys.add("rt:" + i);
        tier.put("rt:" + i, entry("v" + i), Duration.ofMinutes(1)).toCompletableFuture().join();
      }

      assertThat(tier.get("rt:7").toCompletableFuture().join()).isEqualTo(entry("v7"));
      List<String> withAbsent = new ArrayList<>(keys);
      withAbsent.add("absent");
      Map<String, Entry> all = tier.getAll(withAbsent).toCompletableFuture().join();
      assertThat(all).hasSize(50).containsEntry("rt:49", entry("v49"));

      assertThat(tier.delete(keys).toCompletableFuture().join()).isEqualTo(50);
      assertThat(tier.get("rt:7").toCompletableFuture().join()).isNull();
      assertThat(tier.getAll(keys).toCompletableFuture().join()).isEmpty();
    }
  }

  @Test
  void shardOf_namesTheMasterThatHoldsTheKey() {
    try (RedisRemoteTier tier = tier("shard:")) {
      Set<String> shards = new HashSet<>();
      for (int i = 0; i < 30; i++) {
        String key = "s:" + i;
        tier.put(key, entry("v"), Duration.ofMinutes(1)).toCompletableFuture().join();
        String shard = tier.shardOf(key);
        shards.add(shard);
        // A plain connection to that master has the key; any other master would answer MOVED.
        assertThat(existsOn(shard, "shard:{" + key + "}")).as(key).isEqualTo(1);
      }
      assertThat(shards).isSubsetOf(masters).hasSize(3);
    }
  }

  private static long existsOn(String hostAndPort, String redisKey) {
    String[] hp = hostAndPort.split(":");
    RedisClient client =
        RedisClient.create(io.lettuce.core.RedisURI.create(hp[0], Integer.parseInt(hp[1])));
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return c.sync().exists(redisKey);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  private static Entry entry(String value) {
    long now = 1_900_000_000_000L;
    return new Entry(
        value.getBytes(StandardCharsets.UTF_8), 1, now, now + 1_000, now + 1_000, 0, Set.of());
  }
}
