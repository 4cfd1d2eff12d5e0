package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.RedisBusOptions;
import io.tiercache.redis.RedisInvalidationBus;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.local.LocalRedisServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rows changed directly in PostgreSQL, not through tiercache, are invalidated on every node: a
 * trigger notifies, one listener invalidates, the Redis bus carries it to three nodes. The lag from
 * the commit to every node serving the new row is measured and printed.
 */
class PostgresChangeListenerIT {
  private static final int ROWS = 100;
  private static final int UPDATES = 50;
  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              CacheClass.builder("product", "product:*")
                  .ttl(Duration.ofMinutes(10))
                  .stalenessEpsilon(Duration.ofSeconds(1))
                  .build()));

  private Database.Opened db;
  private LocalRedisServer redis;
  private String channel;
  private final List<TieredCache<String>> nodes = new ArrayList<>();
  private final List<RedisInvalidationBus> buses = new ArrayList<>();
  private final SimpleMeterRegistry listenerMeters = new SimpleMeterRegistry();
  private PostgresChangeListener listener;

  @BeforeEach
  void start() throws SQLException {
    db = Database.POSTGRES.open();
    channel = "tc_" + db.source().options().schema();
    db.update(
        "CREATE TABLE product (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, version BIGINT NOT NULL)");
    db.update(
        "INSERT INTO product SELECT i, 'p' || i, 1 FROM generate_series(0, " + (ROWS - 1) + ") i");
    PostgresChangeListener.attach(db.source(), "product", "id", "product:", channel);
    redis = LocalRedisServer.start();
    for (int i = 0; i < 3; i++) {
      RedisInvalidationBus bus =
          RedisInvalidationBus.standalone(
              redis.uri(), "n" + i, RedisBusOptions.DEFAULT.withPollTimeout(Duration.ofMillis(50)));
      buses.add(bus);
      nodes.add(
          TieredCache.builder(ValueCodec.utf8())
              .classes(CLASSES)
              .loader(loader())
              .remoteTier(RedisRemoteTier.standalone(redis.uri()))
              .invalidationBus(bus)
              .nodeId("n" + i)
              .build());
    }
    listener =
        PostgresChangeListener.start(
            db.source().options(), channel, Set.of("product:"), nodes.get(0), listenerMeters);
  }

  @AfterEach
  void stop() throws SQLException {
    listener.close();
    nodes.forEach(TieredCache::close);
    buses.forEach(RedisInvalidationBus::close);
    redis.close();
    db.close();
  }

  /** Reads a product row: value "name#version". */
  private CacheLoader<String> loader() {
    return key -> {
      long id = Long.parseLong(key.substring("product:".length()));
      try (Connection c = db.source().dataSource().getConnection();
          PreparedStatement ps =
              c.prepareStatement("SELECT name, version FROM product WHERE id = ?")) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Loaded.of(rs.getString(1) + "#" + rs.getLong(2), rs.getLong(2)) : null;
        }
      }
    };
  }

  @Test
  void rowsUpdatedDirectlyInPostgres_areInvalidatedOnEveryNode_andTheLagIsReported()
      throws Exception {
    awaitListening();
    for (TieredCache<String> node : nodes) {
      for (int i = 0; i < ROWS; i++) {
        node.get("product:" + i);
      }
      assertThat(node.lookup("product:7").tier()).isEqualTo(Tier.L1);
    }

    long[] lagMicros = new long[UPDATES];
    for (int u = 0; u < UPDATES; u++) {
      int id = u % ROWS;
      String expected = "renamed" + u + "#" + (2 + u / ROWS);
      db.update(
          "UPDATE product SET name = 'renamed" + u + "', version = version + 1 WHERE id = " + id);
      long committed = System.nanoTime();
      for (TieredCache<String> node : nodes) {
        long until = System.nanoTime() + 5_000_000_000L;
        while (!expected.equals(node.get("product:" + id))) {
          if (System.nanoTime() > until) {
            throw new AssertionError(
                "node " + nodes.indexOf(node) + " still serves " + node.lookup("product:" + id));
          }
        }
      }
      lagMicros[u] = (System.nanoTime() - committed) / 1_000;
    }
    Arrays.sort(lagMicros);
    System.out.printf(
        "db change -> new value served on all 3 nodes, %d updates: p50 %.1f ms, p99 %.1f ms, max"
            + " %.1f ms; listener lag (trigger -> published) p50 %.1f ms%n",
        UPDATES,
        lagMicros[UPDATES / 2] / 1e3,
        lagMicros[(int) (UPDATES * 0.99)] / 1e3,
        lagMicros[UPDATES - 1] / 1e3,
        listenerMeters
            .get("tiercache.db.invalidation.lag")
            .timer()
            .percentile(0.5, java.util.concurrent.TimeUnit.MILLISECONDS));

    // One statement changing every row: one batch of keys, every node reloads all of them.
    db.update("UPDATE product SET version = version + 10");
    for (TieredCache<String> node : nodes) {
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                for (int i = 0; i < ROWS; i++) {
                  String v = node.get("product:" + i);
                  assertThat(Long.parseLong(v.substring(v.indexOf('#') + 1))).isGreaterThan(10);
                }
              });
    }
    assertThat(listenerMeters.get("tiercache.db.invalidations").counter().count())
        .isGreaterThanOrEqualTo(UPDATES + ROWS);
  }

  @Test
  void aRolledBackChange_invalidatesNothing_andADeletedRowDisappearsEverywhere() throws Exception {
    awaitListening();
    nodes.forEach(n -> n.get("product:1"));
    try (Connection c = db.source().dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (var st = c.createStatement()) {
        st.executeUpdate("UPDATE product SET name = 'never' WHERE id = 1");
      }
      c.rollback();
    }
    db.update("DELETE FROM product WHERE id = 2");
    nodes.forEach(n -> n.get("product:2"));
    db.update("DELETE FROM product WHERE id = 3");
    for (TieredCache<String> node : nodes) {
      await().atMost(Duration.ofSeconds(5)).until(() -> node.get("product:3") == null);
      assertThat(node.get("product:1")).isEqualTo("p1#1");
    }
  }

  /** Changes committed before the listener LISTENs are covered by its prefix invalidation. */
  private void awaitListening() {
    await().atMost(Duration.ofSeconds(10)).until(listener::isListening);
  }
}
