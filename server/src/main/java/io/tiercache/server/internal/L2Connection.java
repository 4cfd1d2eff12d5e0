package io.tiercache.server.internal;

import io.lettuce.core.RedisURI;
import io.tiercache.L2Options;
import io.tiercache.redis.RedisBusOptions;
import io.tiercache.redis.RedisInvalidationBus;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.server.GatewayConfig;
import io.tiercache.spi.InvalidationBus;
import io.tiercache.spi.RemoteTier;
import java.time.Clock;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L2 as configured: a factory of each namespace's remote tier ({@code null} tiers: L1 only) and the
 * {@code INFO} connection of {@code /cache-metrics} and {@code /health} ({@code null}: no L2). In
 * mode {@code auto}, a local redis-server when one is on the PATH, else L1 only with a warning (the
 * embedded default of DESIGN.md).
 */
public record L2Connection(
    Function<String, RemoteTier> tiers,
    RedisInfo info,
    L2Options options,
    List<RedisURI> targets,
    boolean cluster,
    String keyPrefix) {
  private static final Logger log = LoggerFactory.getLogger(L2Connection.class);

  /**
   * Connects L2 as configured.
   *
   * @param opened receives what must be closed with the gateway (a local redis-server)
   */
  public static L2Connection open(
      GatewayConfig.Redis rc, Clock clock, Deque<AutoCloseable> opened) {
    List<RedisURI> uris = rc.uris().stream().map(u -> RedisURI.create(u.toString())).toList();
    GatewayConfig.RedisMode mode = rc.mode();
    if (mode == GatewayConfig.RedisMode.AUTO) {
      if (!LocalRedisServer.isAvailable()) {
        log.warn(
            "no Redis configured and no redis-server on the PATH: running with L1 only;"
                + " nodes share nothing but the source");
        return new L2Connection(ns -> null, null, L2Options.DEFAULT, List.of(), false, "");
      }
      LocalRedisServer local = LocalRedisServer.start();
      opened.push(local);
      log.info("started a local redis-server for L2 at {}", local.address());
      uris = List.of(local.uri());
      mode = GatewayConfig.RedisMode.STANDALONE;
    }
    if (mode == GatewayConfig.RedisMode.NONE) {
      log.warn("redis mode none: running with L1 only");
      return new L2Connection(ns -> null, null, L2Options.DEFAULT, List.of(), false, "");
    }
    List<RedisURI> targets = uris;
    boolean cluster = mode == GatewayConfig.RedisMode.CLUSTER;
    RedisTierOptions base = RedisTierOptions.DEFAULT.withCommandTimeout(rc.commandTimeout());
    Function<String, RemoteTier> tiers =
        ns -> {
          // Each namespace its own prefix: keys of two namespaces never meet in Redis.
          RedisTierOptions o = base.withKeyPrefix(rc.keyPrefix() + ns + ":");
          return cluster
              ? RedisRemoteTier.cluster(targets, o)
              : RedisRemoteTier.standalone(targets.get(0), o);
        };
    return new L2Connection(
        tiers,
        new RedisInfo(targets, cluster, clock),
        L2Options.DEFAULT.withTimeout(rc.timeout()),
        targets,
        cluster,
        rc.keyPrefix());
  }

  /**
   * The fleet-wide invalidation bus of {@code namespace} on Redis Streams, on the L2 servers; each
   * namespace has its own stream (its own sequence numbers and rules).
   */
  public InvalidationBus redisBus(String namespace, String nodeId) {
    RedisBusOptions o = RedisBusOptions.DEFAULT.withKeyPrefix(keyPrefix + namespace + ":bus");
    return cluster
        ? RedisInvalidationBus.cluster(targets, nodeId, o)
        : RedisInvalidationBus.standalone(targets.get(0), nodeId, o);
  }

  /** Whether L2 is on. */
  public boolean hasL2() {
    return !targets.isEmpty();
  }
}
