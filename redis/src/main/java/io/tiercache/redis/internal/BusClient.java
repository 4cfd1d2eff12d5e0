package io.tiercache.redis.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.resource.ClientResources;
import io.tiercache.TierCacheException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Lettuce client of the invalidation bus: one client (standalone or cluster) from which the bus
 * opens a shared connection for publishing and heartbeats and one dedicated connection per
 * subscription, because XREAD BLOCK holds its connection while it waits.
 *
 * <p>Commands fail fast while disconnected (see {@link FailFastOptions}), and reconnection is
 * attempted at least every {@code reconnectDelayMax}: Lettuce's default backs off up to 30 s, and a
 * node that stays deaf to the bus that long after Redis is back stops serving from L1 for as long.
 */
public final class BusClient implements AutoCloseable {
  private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(10);

  /** Connections carry UTF-8 keys and raw values, as the L2 tier's do. */
  private final AbstractRedisClient client;

  private final ClientResources resources;
  private final String description;

  private BusClient(AbstractRedisClient client, ClientResources resources, String description) {
    this.client = client;
    this.resources = resources;
    this.description = description;
  }

  /** A client of a standalone Redis; nothing is connected yet. */
  public static BusClient standalone(RedisURI uri, Duration reconnectDelayMax) {
    ClientResources resources = FailFastOptions.resources(reconnectDelayMax);
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled())
            .build());
    return new BusClient(client, resources, uri.getHost() + ":" + uri.getPort());
  }

  /** A client of a Redis Cluster reached through any of {@code seeds}. */
  public static BusClient cluster(List<RedisURI> seeds, Duration reconnectDelayMax) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("at least one seed URI is required");
    }
    ClientResources resources = FailFastOptions.resources(reconnectDelayMax);
    RedisClusterClient client = RedisClusterClient.create(resources, seeds);
    client.setOptions(
        ClusterClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled())
            .topologyRefreshOptions(
                ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
            .build());
    return new BusClient(client, resources, "cluster " + seeds);
  }

  /**
   * Opens a connection whose commands time out after {@code timeout}.
   *
   * @throws TierCacheException when Redis cannot be reached
   */
  public Connection connect(Duration timeout) {
    try {
      if (client instanceof RedisClusterClient cluster) {
        StatefulRedisClusterConnection<String, byte[]> c = cluster.connect(RedisEndpoint.CODEC);
        c.setTimeout(timeout);
        openMasterConnections(c);
        return new Connection(c, c.async());
      }
      StatefulRedisConnection<String, byte[]> c =
          ((RedisClient) client).connect(RedisEndpoint.CODEC);
      c.setTimeout(timeout);
      return new Connection(c, c.async());
    } catch (RuntimeException e) {
      throw new TierCacheException("cannot connect the invalidation bus to " + description, e);
    }
  }

  /**
   * Opens the node connections to the masters now: Lettuce opens them on first use, and a command
   * that finds its node's connection still being established fails at once when commands are
   * rejected while disconnected (see ClusterEndpoint, which does the same for L2).
   */
  private static void openMasterConnections(StatefulRedisClusterConnection<String, byte[]> c) {
    List<CompletableFuture<?>> opening = new ArrayList<>();
    for (RedisClusterNode node : c.getPartitions()) {
      if (node.getRole().isUpstream()) {
        RedisURI uri = node.getUri();
        opening.add(c.getConnectionAsync(uri.getHost(), uri.getPort(), ConnectionIntent.WRITE));
      }
    }
    try {
      CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
          .get(WARM_UP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // A master that is down is the subscriber's retry loop's business, and the publisher's.
    }
  }

  @Override
  public String toString() {
    return description;
  }

  /** Shuts the client and its threads down; open connections are closed. */
  @Override
  public void close() {
    client.shutdown(Duration.ZERO, FailFastOptions.SHUTDOWN_TIMEOUT);
    resources.shutdown(
        0, FailFastOptions.SHUTDOWN_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** One open connection and its asynchronous commands. */
  public record Connection(
      StatefulConnection<String, byte[]> stateful,
      RedisClusterAsyncCommands<String, byte[]> commands)
      implements AutoCloseable {
    @Override
    public void close() {
      stateful.close();
    }
  }
}
