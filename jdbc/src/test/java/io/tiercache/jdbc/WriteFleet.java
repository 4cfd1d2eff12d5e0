package io.tiercache.jdbc;

import io.tiercache.L2Options;
import io.tiercache.TieredCache;
import io.tiercache.TieredCacheBuilder;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.spi.Entry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real Redis and PostgreSQL for the write ITs: a {@code redis-server} of its own and a fresh
 * PostgreSQL schema per test class, a Redis key prefix per test, and the nodes a test opens closed
 * after it. Register as {@code @RegisterExtension static final WriteFleet fleet = new
 * WriteFleet();}.
 */
final class WriteFleet
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  /** Patient timeouts: the tests decide orders with latches, never with timeouts. */
  static final RedisTierOptions REDIS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  static final L2Options L2 = L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5));

  private LocalRedisServer redis;
  private Database.Opened db;
  private String prefix;
  private final List<AutoCloseable> open = new ArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    redis = LocalRedisServer.start();
    db = Database.POSTGRES.open();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    db.close();
    redis.close();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    prefix = "it-" + UUID.randomUUID() + ":";
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  Database.Opened db() {
    return db;
  }

  /** L2 on this class's redis-server under this test's key prefix. */
  RedisRemoteTier redisTier() {
    return RedisRemoteTier.standalone(redis.uri(), REDIS.withKeyPrefix(prefix));
  }

  /** A node's builder over the sample table: its loader and writer, and {@code classes}. */
  TieredCacheBuilder<String> builder(CacheClasses classes) {
    return TieredCache.builder(ValueCodec.utf8())
        .classes(classes)
        .loader(SampleData.loader(db.source().dataSource()))
        .writer(SampleData.writer(db.source().dataSource()));
  }

  /** Closes {@code c} after the test. */
  <T extends AutoCloseable> T closeAfterTest(T c) {
    open.add(c);
    return c;
  }

  /** What Redis holds for {@code key} under this test's prefix, read past every cache. */
  Entry inRedis(String key) throws Exception {
    try (RedisRemoteTier raw = redisTier()) {
      return raw.get(key).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  /** The sample table's row of {@code key}, or null. */
  io.tiercache.Loaded<String> atSource(String key) throws java.sql.SQLException {
    return SampleData.loader(db.source().dataSource()).load(key);
  }
}
