package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tiercache.TierCacheException;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.spi.Entry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RedisRemoteTier} alone against a real standalone redis-server. */
class RedisRemoteTierIT {
  private static final RedisTierOptions OPTIONS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  private static LocalRedisServer redis;
  private static RedisClient rawClient;
  private static StatefulRedisConnection<String, String> rawConnection;
  private static RedisCommands<String, String> raw;

  private RedisRemoteTier tier;

  @BeforeAll
  static void startRedis() {
    redis = LocalRedisServer.start();
    rawClient = RedisClient.create(redis.uri());
    rawConnection = rawClient.connect();
    raw = rawConnection.sync();
  }

  @AfterAll
  static void stopRedis() {
    rawConnection.close();
    rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    redis.close();
  }

  @BeforeEach
  void connect() {
    raw.flushall();
    tier = RedisRemoteTier.standalone(redis.uri(), OPTIONS);
  }

  @AfterEach
  void close() {
    tier.close();
  }

  private static Entry entry(String value) {
    long now = 1_900_000_000_000L;
    return new Entry(
        value.getBytes(StandardCharsets.UTF_8),
        7,
        now,
        now + 60_000,
        now + 65_000,
        12,
        Set.of("t1"));
  }

  @Test
  void put_thenGet_returnsTheSameEnvelope() {
    Entry e = entry("alice");
    tier.put("user:1", e, Duration.ofMinutes(1)).toCompletableFuture().join();

    assertThat(tier.get("user:1").toCompletableFuture().join()).isEqualTo(e);
  }

  @Test
  void put_setsRedisTtlFromTheGivenDuration() {
    tier.put("user:1", entry("alice"), Duration.ofSeconds(30)).toCompletableFuture().join();

    // Whatever time passed since the SET can only shorten the TTL, never lengthen it.
    assertThat(raw.pttl("tc:{user:1}")).isBetween(25_000L, 30_000L);
  }

  @Test
  void keys_arePrefixed_andPrefixesKeepCachesApart() {
    try (RedisRemoteTier other =
        RedisRemoteTier.standalone(redis.uri(), OPTIONS.withKeyPrefix("other:"))) {
      tier.put("k", entry("mine"), Duration.ofMinutes(1)).toCompletableFuture().join();

      assertThat(raw.exists("tc:{k}")).isEqualTo(1);
      assertThat(other.get("k").toCompletableFuture().join()).isNull();
    }
  }

  @Test
  void foreignValue_readsAsMiss() {
    raw.set("tc:{foreign}", "not an envelope");
    raw.set("tc:{empty}", "");
    tier.put("real", entry("v"), Duration.ofMinutes(1)).toCompletableFuture().join();

    assertThat(tier.get("foreign").toCompletableFuture().join()).isNull();
    assertThat(tier.get("empty").toCompletableFuture().join()).isNull();
    assertThat(tier.getAll(List.of("foreign", "empty", "real")).toCompletableFuture().join())
        .containsOnlyKeys("real");
  }

  @Test
  void getAll_leavesAbsentKeysOut() {
    tier.put("a", entry("1"), Duration.ofMinutes(1)).toCompletableFuture().join();
    tier.put("b", entry("2"), Duration.ofMinutes(1)).toCompletableFuture().join();

    Map<String, Entry> found =
        tier.getAll(List.of("a", "missing", "b")).toCompletableFuture().join();

    assertThat(found).containsOnlyKeys("a", "b");
    assertThat(found.get("b")).isEqualTo(entry("2"));
  }

  @Test
  void delete_countsTheKeysThatExisted() {
    tier.put("a", entry("1"), Duration.ofMinutes(1)).toCompletableFuture().join();
    tier.put("b", entry("2"), Duration.ofMinutes(1)).toCompletableFuture().join();

    assertThat(tier.delete(List.of("a", "b", "never")).toCompletableFuture().join()).isEqualTo(2);
    assertThat(tier.get("a").toCompletableFuture().join()).isNull();
    assertThat(tier.delete(List.of("a")).toCompletableFuture().join()).isZero();
  }

  @Test
  void emptyKeyCollections_areAnsweredWithoutError() {
    assertThat(tier.getAll(List.of()).toCompletableFuture().join()).isEmpty();
    assertThat(tier.delete(List.of()).toCompletableFuture().join()).isZero();
  }

  @Test
  void shardOf_isTheServersHostAndPort() {
    assertThat(tier.shardOf("any")).isEqualTo(redis.address());
  }

  @Test
  void nonPositiveTtl_isRefused() {
    assertThatThrownBy(() -> tier.put("k", entry("v"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void closedTier_failsStagesInsteadOfThrowing() {
    tier.close();

    assertThat(tier.get("k").toCompletableFuture()).isCompletedExceptionally();
  }

  @Test
  void unreachableServer_failsAtConstructionWithTierCacheException() {
    LocalRedisServer gone = LocalRedisServer.start();
    RedisURI uri = gone.uri();
    gone.close();

    assertThatThrownBy(() -> RedisRemoteTier.standalone(uri, OPTIONS))
        .isInstanceOf(TierCacheException.class)
        .hasMessageContaining(uri.getHost() + ":" + uri.getPort());
  }
}
