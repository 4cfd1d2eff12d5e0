package io.tiercache.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.HotKeyOptions;
import io.tiercache.L2Options;
import io.tiercache.TieredCache;
import io.tiercache.TieredCacheBuilder;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.spi.Entry;
import io.tiercache.spi.RemoteTier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Cache nodes of one test over one real Redis, as a fleet would run them: each node has its own
 * connection, meters and lease-token id, and all share one key prefix (fresh per fleet, so tests
 * sharing a server never see each other's keys). Also peeks at Redis directly, by the layout {@link
 * RedisRemoteTier} documents ({@code prefix{key}} and {@code prefix{key}:lease}).
 */
final class Fleet implements AutoCloseable {
  /**
   * These tests are about which node loads, not about speed: with generous timeouts a busy CI
   * machine cannot turn a slow L2 round trip into "L2 unreachable", where a node loads on its own
   * by design (DESIGN invariant 6) and the tests' counts would be about that instead.
   */
  static final L2Options PATIENT_L2 = L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5));

  static final RedisTierOptions PATIENT_REDIS =
      RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ofSeconds(5));

  /**
   * Hot-key prefetch reads keys in the background on its own schedule, from a random sample of
   * reads: extra loads at unpredictable moments, which would make every count in these tests a
   * matter of timing. A test that wants it turns it on in its {@code config}.
   */
  static final HotKeyOptions NO_HOT_KEY_PREFETCH = HotKeyOptions.DISABLED;

  /**
   * One class for every key, for tests about writes and invalidation: nothing expires during a test
   * (five minutes of TTL), and a node whose bus is briefly late goes on serving from L1 (five
   * seconds of staleness epsilon), so that what a test sees is the write path, not a deadline.
   */
  static final CacheClasses ONE_CLASS =
      CacheClasses.of(
          List.of(
              CacheClass.builder("c", "*")
                  .ttl(Duration.ofMinutes(5))
                  .stalenessEpsilon(Duration.ofSeconds(5))
                  .build()));

  /** One cache instance of the fleet and its meters. */
  record Node(String id, TieredCache<String> cache, MeterRegistry meters) {
    double count(String name, String... tags) {
      return Meters.count(meters, name, tags);
    }
  }

  private final LocalRedisServer redis;
  private final String prefix = "it-" + UUID.randomUUID() + ":";
  private final List<Node> nodes = new ArrayList<>();
  private RedisClient rawClient;
  private StatefulRedisConnection<String, String> rawConnection;
  private RedisRemoteTier peekTier;

  Fleet(LocalRedisServer redis) {
    this.redis = redis;
  }

  String prefix() {
    return prefix;
  }

  List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /**
   * Builds a node with its own Redis connection, meters and node id; {@code config} sets the rest
   * (loader, classes, clock, options) and may override the patient L2 options and hot keys.
   */
  Node node(String id, Consumer<TieredCacheBuilder<String>> config) {
    return node(id, UnaryOperator.identity(), config);
  }

  /** A node whose L2 is {@code wrap} around its Redis tier, to interpose on single calls. */
  Node node(
      String id, UnaryOperator<RemoteTier> wrap, Consumer<TieredCacheBuilder<String>> config) {
    RemoteTier tier = RedisRemoteTier.standalone(redis.uri(), PATIENT_REDIS.withKeyPrefix(prefix));
    TieredCacheBuilder<String> b =
        TieredCache.builder(ValueCodec.utf8())
            .remoteTier(wrap.apply(tier))
            .l2Options(PATIENT_L2)
            .hotKeys(NO_HOT_KEY_PREFETCH)
            .nodeId(id);
    MeterRegistry meters = new SimpleMeterRegistry();
    b.meterRegistry(meters);
    config.accept(b);
    Node node = new Node(id, b.build(), meters);
    nodes.add(node);
    return node;
  }

  /** The sum over every node of the counters named {@code name} with {@code tags}. */
  double count(String name, String... tags) {
    return nodes.stream().mapToDouble(n -> n.count(name, tags)).sum();
  }

  /** The entry of {@code key} as stored in Redis now, or {@code null}. */
  Entry storedEntry(String key) throws Exception {
    if (peekTier == null) {
      peekTier = RedisRemoteTier.standalone(redis.uri(), PATIENT_REDIS.withKeyPrefix(prefix));
    }
    return peekTier.get(key).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** Whether Redis holds {@code key}'s entry, fresh or not. */
  boolean entryExists(String key) {
    return raw().exists(prefix + '{' + key + '}') == 1;
  }

  /** The token holding {@code key}'s lease, or {@code null}. */
  String leaseHolder(String key) {
    return raw().get(leaseKey(key));
  }

  /** Milliseconds until {@code key}'s lease lapses; negative when there is none. */
  long leaseMillisLeft(String key) {
    return raw().pttl(leaseKey(key));
  }

  String leaseKey(String key) {
    return prefix + '{' + key + "}:lease";
  }

  /** Plain commands on the fleet's Redis, for counters and peeks. */
  RedisCommands<String, String> raw() {
    if (rawConnection == null) {
      rawClient = RedisClient.create(redis.uri());
      rawConnection = rawClient.connect();
    }
    return rawConnection.sync();
  }

  @Override
  public void close() {
    nodes.forEach(n -> n.cache().close());
    if (peekTier != null) {
      peekTier.close();
    }
    if (rawConnection != null) {
      rawConnection.close();
      rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
