package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.ImmutableValueException;
import io.tiercache.L2Options;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClasses;
import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.redis.local.LocalRedisServer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Write-around ({@code default} class) and write-once ({@code blob} class) of the shipped classes,
 * on two nodes over real Redis and PostgreSQL.
 */
class WritePoliciesIT {
  private static final RedisTierOptions REDIS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  private static LocalRedisServer redis;
  private static Database.Opened db;
  private final String prefix = "it-" + UUID.randomUUID() + ":";
  private final InProcessInvalidationBus bus = new InProcessInvalidationBus();
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

  private TieredCache<String> node() {
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CacheClasses.defaults())
            .loader(SampleData.loader(db.source().dataSource()))
            .writer(SampleData.writer(db.source().dataSource()))
            .remoteTier(RedisRemoteTier.standalone(redis.uri(), REDIS.withKeyPrefix(prefix)))
            .l2Options(L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5)))
            .invalidationBus(bus)
            .build();
    nodes.add(cache);
    return cache;
  }

  @Test
  void writeAround_writesPostgres_andEveryNodeLoadsTheNewValue() throws Exception {
    db.update("INSERT INTO sample_item (k, v, version) VALUES ('product:1', 'old', 1)");
    TieredCache<String> a = node();
    TieredCache<String> b = node();
    assertThat(b.get("product:1")).isEqualTo("old");

    long version = a.write("product:1", "new");

    try (RedisRemoteTier raw =
        RedisRemoteTier.standalone(redis.uri(), REDIS.withKeyPrefix(prefix))) {
      assertThat(raw.get("product:1").toCompletableFuture().get(5, TimeUnit.SECONDS)).isNull();
    }
    Lookup<String> atB = b.lookup("product:1");
    assertThat(atB.value()).isEqualTo("new");
    assertThat(atB.version()).isEqualTo(version);
    assertThat(atB.tier()).isEqualTo(Tier.SOURCE);
    assertThat(a.get("product:1")).isEqualTo("new");
  }

  @Test
  void writeOnce_keepsTheFirstContent_acrossNodes() throws SQLException {
    TieredCache<String> a = node();
    TieredCache<String> b = node();
    String key = "blob:" + UUID.randomUUID();

    long first = a.write(key, "content");

    assertThat(b.write(key, "content")).isEqualTo(first); // the same content: a no-op
    assertThatThrownBy(() -> b.write(key, "other")).isInstanceOf(ImmutableValueException.class);
    assertThat(SampleData.loader(db.source().dataSource()).load(key).value()).isEqualTo("content");
    assertThat(b.lookup(key).value()).isEqualTo("content");
  }
}
