package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.L2Options;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.ExpiryMode;
import io.tiercache.classes.WritePolicy;
import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.testing.ManualClock;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped {@code session} class end to end (write-back, sliding expiry) on two nodes sharing a
 * real Redis and PostgreSQL: the writing node reads its pending write, the other reads it from L2,
 * reads keep it alive past its TTL, and PostgreSQL gets it.
 */
class SessionWriteBackIT {
  private static final RedisTierOptions REDIS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  private static LocalRedisServer redis;
  private static Database.Opened db;
  @TempDir Path journals;
  private final String prefix = "it-" + UUID.randomUUID() + ":";
  private final InProcessInvalidationBus bus = new InProcessInvalidationBus();
  private final ManualClock clock = ManualClock.startingAt2030();
  private final List<TieredCache<String>> nodes = new ArrayList<>();

  @BeforeAll
  static void start() {
    redis = LocalRedisServer.start();
    db = Database.POSTGRES.open();
  }

  @AfterAll
  static void stop() throws SQLException {
    db.close();
    redis.close();
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(TieredCache::close);
  }

  private TieredCache<String> node(String name) {
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CacheClasses.defaults())
            .loader(SampleData.loader(db.source().dataSource()))
            .writer(SampleData.writer(db.source().dataSource()))
            .writeBack(WriteBackOptions.in(journals.resolve(name)))
            .remoteTier(RedisRemoteTier.standalone(redis.uri(), REDIS.withKeyPrefix(prefix)))
            .l2Options(L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5)))
            .invalidationBus(bus)
            .nodeId(name)
            .clock(clock)
            .build();
    nodes.add(cache);
    return cache;
  }

  private String inPostgres(String key) throws SQLException {
    var row = SampleData.loader(db.source().dataSource()).load(key);
    return row == null ? null : row.value();
  }

  @Test
  void theSessionClass_isWriteBackWithSlidingExpiry() {
    var session = CacheClasses.defaults().byName("session").orElseThrow();
    assertThat(session.writePolicy()).isEqualTo(WritePolicy.WRITE_BACK);
    assertThat(session.expiryMode()).isEqualTo(ExpiryMode.SLIDING);
  }

  @Test
  void aSessionWrite_isReadByBothNodes_atOnce_andReachesPostgres() throws SQLException {
    TieredCache<String> a = node("a");
    TieredCache<String> b = node("b");

    long version = a.write("session:42", "cart=3");

    Lookup<String> atA = a.lookup("session:42");
    assertThat(atA.value()).isEqualTo("cart=3");
    assertThat(atA.tier()).isEqualTo(Tier.L1);
    Lookup<String> atB = b.lookup("session:42");
    assertThat(atB.value()).isEqualTo("cart=3");
    assertThat(atB.tier()).isEqualTo(Tier.L2);
    assertThat(atB.version()).isEqualTo(version);
    await().atMost(Duration.ofSeconds(30)).until(() -> "cart=3".equals(inPostgres("session:42")));
  }

  @Test
  void aNewerSessionWrite_replacesTheOtherNodesL1Copy() {
    TieredCache<String> a = node("a");
    TieredCache<String> b = node("b");
    a.write("session:7", "v1");
    assertThat(b.get("session:7")).isEqualTo("v1");
    assertThat(b.lookup("session:7").tier()).isEqualTo(Tier.L1);

    a.write("session:7", "v2");

    assertThat(b.get("session:7")).isEqualTo("v2");
  }

  @Test
  void readsKeepASessionAlivePastItsTtl_andAnIdleOneExpires() throws SQLException {
    TieredCache<String> a = node("a");
    TieredCache<String> b = node("b");
    a.write("session:9", "alive");

    for (int i = 0; i < 4; i++) { // 80 minutes of activity with a 30-minute TTL
      clock.advance(Duration.ofMinutes(20));
      Lookup<String> read = a.lookup("session:9");
      assertThat(read.value()).isEqualTo("alive");
      assertThat(read.tier()).isEqualTo(Tier.L1);
    }
    Lookup<String> other = b.lookup("session:9");
    assertThat(other.tier()).isEqualTo(Tier.L2); // the slid deadline reached L2 too
    assertThat(other.freshUntil()).isAfter(clock.instant().plus(Duration.ofMinutes(29)));

    await().atMost(Duration.ofSeconds(30)).until(() -> "alive".equals(inPostgres("session:9")));
    clock.advance(Duration.ofMinutes(31)); // idle past the TTL
    Lookup<String> afterIdle = a.lookup("session:9");
    assertThat(afterIdle.tier()).isEqualTo(Tier.SOURCE);
    assertThat(afterIdle.value()).isEqualTo("alive");
  }
}
