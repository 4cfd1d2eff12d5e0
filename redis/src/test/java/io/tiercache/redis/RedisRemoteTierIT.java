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

  private static Entry entry(String value, long version) {
    Entry e = entry(value);
    return new Entry(
        e.value(), version, e.writtenAtMs(), e.freshUntilMs(), e.staleUntilMs(), 12, e.tags());
  }

  private boolean put(String key, Entry e) {
    return tier.put(key, e, Duration.ofMinutes(1)).toCompletableFuture().join();
  }

  @Test
  void put_ofAnOlderVersion_leavesTheNewerOne_butVoidsTheLease() {
    long newer = 1_764_000_000_000_001L; // microsecond stamps: 8-byte varints
    assertThat(put("k", entry("new", newer))).isTrue();
    assertThat(tier.tryLease("k", "loader", Duration.ofMinutes(1)).toCompletableFuture().join())
        .isTrue();

    assertThat(put("k", entry("old", newer - 1))).isFalse();

    assertThat(tier.get("k").toCompletableFuture().join().version()).isEqualTo(newer);
    assertThat(raw.exists("tc:{k}:lease")).isZero();
  }

  @Test
  void put_comparesVersionsExactly_acrossVarintLengths_andAboveDoublePrecision() {
    // 2^53 + 1 and 2^53 + 2 are one double apart from nothing: a Lua number comparison would
    // call them equal. 127/128 and 16383/16384 cross varint lengths.
    long[][] olderNewer = {
      {127, 128},
      {128, 129},
      {16_383, 16_384},
      {(1L << 53) + 1, (1L << 53) + 2},
      {Long.MAX_VALUE - 1, Long.MAX_VALUE},
      {0, 1}
    };
    for (long[] pair : olderNewer) {
      String key = "v" + pair[1];
      assertThat(put(key, entry("newer", pair[1]))).isTrue();
      assertThat(put(key, entry("older", pair[0]))).as("%d over %d", pair[0], pair[1]).isFalse();
      assertThat(put(key, entry("same", pair[1]))).isTrue(); // same version: deadlines may move
      assertThat(tier.get(key).toCompletableFuture().join().version()).isEqualTo(pair[1]);
    }
  }

  @Test
  void put_overForeignData_orATombstone_stores() {
    raw.set("tc:{k}", "not an envelope");
    assertThat(put("k", entry("v", 5))).isTrue();
    tier.put("t", Entry.absent(1, 2, 3, 0, 0), Duration.ofMinutes(1)).toCompletableFuture().join();
    assertThat(put("t", entry("v", 5))).isTrue();

    assertThat(tier.get("k").toCompletableFuture().join().version()).isEqualTo(5);
    assertThat(tier.get("t").toCompletableFuture().join().isAbsent()).isFalse();
  }

  @Test
  void claimOnce_theFirstClaimWins_untilReleasedOrDeleted() {
    Duration ttl = Duration.ofMinutes(1);
    assertThat(tier.claimOnce("blob:1", "aaa", ttl).toCompletableFuture().join()).isEqualTo("aaa");
    assertThat(tier.claimOnce("blob:1", "bbb", ttl).toCompletableFuture().join()).isEqualTo("aaa");
    assertThat(tier.claimOnce("blob:1", "aaa", ttl).toCompletableFuture().join()).isEqualTo("aaa");
    assertThat(raw.pttl("tc:{blob:1}:once")).isBetween(1L, 60_000L);

    tier.releaseClaim("blob:1", "bbb").toCompletableFuture().join(); // not the holder: no effect
    assertThat(tier.claimOnce("blob:1", "ccc", ttl).toCompletableFuture().join()).isEqualTo("aaa");
    tier.releaseClaim("blob:1", "aaa").toCompletableFuture().join();
    assertThat(tier.claimOnce("blob:1", "ccc", ttl).toCompletableFuture().join()).isEqualTo("ccc");

    tier.delete(List.of("blob:1")).toCompletableFuture().join();
    assertThat(tier.claimOnce("blob:1", "ddd", ttl).toCompletableFuture().join()).isEqualTo("ddd");
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
