package io.tiercache.redis;

import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.CacheLoader;
import io.tiercache.L2Options;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.local.LocalRedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Several nodes of one fleet in one JVM, as the integration tests need them: each node is a
 * TieredCache with its own Redis connections (L2 and bus), optionally through its own {@link
 * FaultyProxy} so a test can cut it off, over one shared source and one redis-server.
 */
final class BusFleet implements AutoCloseable {
  /**
   * Bus settings for tests: a node's view of the bus is never more than ~50 ms old when healthy.
   */
  static final RedisBusOptions BUS =
      RedisBusOptions.DEFAULT
          .withPollTimeout(Duration.ofMillis(50))
          .withHeartbeats(Duration.ofMillis(100), Duration.ofSeconds(1))
          .withCommandTimeout(Duration.ofMillis(300));

  static final L2Options L2 =
      L2Options.DEFAULT
          .withTimeout(Duration.ofMillis(50))
          .withBreakerOpenFor(Duration.ofMillis(200));

  /** One node. */
  record Node(
      String id,
      TieredCache<String> cache,
      RedisInvalidationBus bus,
      FaultyProxy proxy,
      SimpleMeterRegistry meters) {}

  final LocalRedisServer redis;
  final List<Node> nodes = new ArrayList<>();
  private final L2Options l2;

  private BusFleet(LocalRedisServer redis, L2Options l2) {
    this.redis = redis;
    this.l2 = l2;
  }

  /**
   * Starts {@code n} nodes named n0, n1, ...; those listed in {@code proxied} reach Redis through a
   * proxy of their own.
   */
  static BusFleet start(
      int n,
      CacheClasses classes,
      CacheLoader<String> source,
      RedisBusOptions busOptions,
      double staleReadSampling,
      int... proxied) {
    return start(L2, n, classes, source, busOptions, staleReadSampling, proxied);
  }

  /**
   * {@link #start(int, CacheClasses, CacheLoader, RedisBusOptions, double, int...)} with L2 {@code
   * l2}.
   */
  static BusFleet start(
      L2Options l2,
      int n,
      CacheClasses classes,
      CacheLoader<String> source,
      RedisBusOptions busOptions,
      double staleReadSampling,
      int... proxied) {
    BusFleet fleet = new BusFleet(LocalRedisServer.start(), l2);
    try {
      for (int i = 0; i < n; i++) {
        boolean viaProxy = java.util.Arrays.stream(proxied).anyMatch(p -> p == fleet.nodes.size());
        fleet.add(classes, source, busOptions, staleReadSampling, viaProxy);
      }
      return fleet;
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  Node add(
      CacheClasses classes,
      CacheLoader<String> source,
      RedisBusOptions busOptions,
      double staleReadSampling,
      boolean viaProxy) {
    return add(classes, source, busOptions, staleReadSampling, viaProxy, b -> b);
  }

  /** Adds a node whose cache sees its bus through {@code wrap} (benchmarks record deliveries). */
  Node addWatched(
      CacheClasses classes,
      CacheLoader<String> source,
      RedisBusOptions busOptions,
      java.util.function.UnaryOperator<io.tiercache.spi.InvalidationBus> wrap) {
    return add(classes, source, busOptions, 0, false, wrap);
  }

  private Node add(
      CacheClasses classes,
      CacheLoader<String> source,
      RedisBusOptions busOptions,
      double staleReadSampling,
      boolean viaProxy,
      java.util.function.UnaryOperator<io.tiercache.spi.InvalidationBus> wrap) {
    String id = "n" + nodes.size();
    FaultyProxy proxy = viaProxy ? FaultyProxy.start(redis.host(), redis.port()) : null;
    RedisURI uri = proxy != null ? proxy.uri() : redis.uri();
    RedisInvalidationBus bus = RedisInvalidationBus.standalone(uri, id, busOptions);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(classes)
            .loader(source)
            .remoteTier(RedisRemoteTier.standalone(uri))
            .l2Options(l2)
            .invalidationBus(wrap.apply(bus))
            .nodeId(id)
            .meterRegistry(meters)
            .staleReadSampling(staleReadSampling)
            .build();
    Node node = new Node(id, cache, bus, proxy, meters);
    nodes.add(node);
    return node;
  }

  Node node(int i) {
    return nodes.get(i);
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      n.cache().close();
      n.bus().close();
      if (n.proxy() != null) {
        n.proxy().close();
      }
    }
    redis.close();
  }
}
