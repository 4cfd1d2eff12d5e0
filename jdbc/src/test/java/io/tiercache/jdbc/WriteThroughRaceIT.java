package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.L2Options;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.WritePolicy;
import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.spi.Entry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 3 for writes, against real Redis and PostgreSQL: a load that read the source
 * before a write-through and tries to install afterwards leaves the newer value in every tier. The
 * interleaving is fixed with latches: the load is held after its source read while the write runs
 * to completion, then released.
 */
class WriteThroughRaceIT {
  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              CacheClass.builder("through", "*")
                  .ttl(Duration.ofMinutes(5))
                  .writePolicy(WritePolicy.WRITE_THROUGH)
                  .build()));
  private static final RedisTierOptions REDIS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  private static LocalRedisServer redis;
  private static Database.Opened db;
  private final String prefix = "it-" + UUID.randomUUID() + ":";
  private final InProcessInvalidationBus bus = new InProcessInvalidationBus();
  private final List<AutoCloseable> open = new ArrayList<>();

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
  void closeNodes() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private TieredCache<String> node(HeldLoader loader) {
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CLASSES)
            .loader(loader)
            .writer(SampleData.writer(db.source().dataSource()))
            .remoteTier(RedisRemoteTier.standalone(redis.uri(), REDIS.withKeyPrefix(prefix)))
            .l2Options(L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5)))
            .invalidationBus(bus)
            .build();
    open.add(cache);
    return cache;
  }

  private Entry inRedis(String key) throws Exception {
    try (RedisRemoteTier raw =
        RedisRemoteTier.standalone(redis.uri(), REDIS.withKeyPrefix(prefix))) {
      return raw.get(key).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLoadThatReadTheOldValue_cannotInstallItAfterAWriteThroughOnTheSameNode() throws Exception {
    db.update("INSERT INTO sample_item (k, v, version) VALUES ('race:1', 'old', 1)");
    HeldLoader loader = new HeldLoader(SampleData.loader(db.source().dataSource()));
    TieredCache<String> a = node(loader);
    CountDownLatch read = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    loader.holdNext(read, go);

    CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> a.get("race:1"));
    assertThat(read.await(10, TimeUnit.SECONDS)).isTrue(); // it holds "old", not yet stored
    long version = a.write("race:1", "new");
    go.countDown();
    assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo("old"); // it began before the write

    assertThat(inRedis("race:1").version()).isEqualTo(version);
    Lookup<String> l1 = a.lookup("race:1");
    assertThat(l1.tier()).isEqualTo(Tier.L1);
    assertThat(l1.value()).isEqualTo("new");
    assertThat(SampleData.loader(db.source().dataSource()).load("race:1").version())
        .isEqualTo(version);
  }

  @Test
  void aLoadOnAnotherNodeThatReadTheOldValue_cannotInstallItAfterTheWrite() throws Exception {
    db.update("INSERT INTO sample_item (k, v, version) VALUES ('race:2', 'old', 1)");
    HeldLoader loaderB = new HeldLoader(SampleData.loader(db.source().dataSource()));
    TieredCache<String> a = node(new HeldLoader(SampleData.loader(db.source().dataSource())));
    TieredCache<String> b = node(loaderB);
    CountDownLatch read = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    loaderB.holdNext(read, go);

    CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> b.get("race:2"));
    assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
    long version = a.write("race:2", "new");
    go.countDown();
    load.get(10, TimeUnit.SECONDS);

    assertThat(inRedis("race:2").version()).isEqualTo(version);
    assertThat(a.lookup("race:2").value()).isEqualTo("new");
    Lookup<String> atB = b.lookup("race:2");
    assertThat(atB.value()).isEqualTo("new");
    assertThat(atB.tier()).isEqualTo(Tier.L2); // B's stale load reached neither L2 nor its L1
  }

  @Test
  void aWriteThrough_dropsTheOtherNodesL1Copy() throws Exception {
    db.update("INSERT INTO sample_item (k, v, version) VALUES ('race:3', 'old', 1)");
    TieredCache<String> a = node(new HeldLoader(SampleData.loader(db.source().dataSource())));
    TieredCache<String> b = node(new HeldLoader(SampleData.loader(db.source().dataSource())));
    assertThat(b.get("race:3")).isEqualTo("old");
    assertThat(b.lookup("race:3").tier()).isEqualTo(Tier.L1);

    a.write("race:3", "new");

    Lookup<String> atB = b.lookup("race:3");
    assertThat(atB.value()).isEqualTo("new");
    assertThat(atB.tier()).isEqualTo(Tier.L2);
  }
}
