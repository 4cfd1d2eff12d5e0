package io.tiercache.redis.internal;

import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.resource.ClientResources;
import io.tiercache.TierCacheException;
import io.tiercache.redis.RedisTierOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A Redis Cluster: shards are the masters, looked up by slot in Lettuce's current topology. */
final class ClusterEndpoint implements RedisEndpoint {
  private static final Logger log = LoggerFactory.getLogger(ClusterEndpoint.class);

  /** How long opening the node connections at start may take before we go on without them. */
  private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(10);

  private final RedisClusterClient client;
  private final ClientResources resources;
  private final StatefulRedisClusterConnection<String, byte[]> connection;

  private ClusterEndpoint(
      RedisClusterClient client,
      ClientResources resources,
      StatefulRedisClusterConnection<String, byte[]> connection) {
    this.client = client;
    this.resources = resources;
    this.connection = connection;
  }

  static ClusterEndpoint connect(List<RedisURI> seeds, RedisTierOptions options) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("at least one seed URI is required");
    }
    ClientResources resources = FailFastOptions.resources(FailFastOptions.RECONNECT_DELAY_MAX);
    RedisClusterClient client = RedisClusterClient.create(resources, seeds);
    client.setOptions(FailFastOptions.cluster(options));
    StatefulRedisClusterConnection<String, byte[]> connection;
    try {
      connection = client.connect(CODEC);
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, FailFastOptions.SHUTDOWN_TIMEOUT);
      resources.shutdown();
      throw new TierCacheException("cannot connect to the Redis Cluster at " + seeds, e);
    }
    connection.setReadFrom(options.readFrom());
    ClusterEndpoint endpoint = new ClusterEndpoint(client, resources, connection);
    endpoint.openNodeConnections(options.readFrom() != ReadFrom.UPSTREAM);
    return endpoint;
  }

  /**
   * Opens the connections to the masters (and replicas, when reads go there) now. Lettuce opens
   * node connections on first use, and since Lettuce 6.9 ("behavior change" in its release notes) a
   * command that finds its node's connection still being established fails at once when commands
   * are rejected while disconnected (see {@link FailFastOptions}). Without this the first reads
   * after start fail and count against the circuit breaker; RedisClusterIT fails without it.
   * Failures here are only logged; a node that is down is the breaker's business.
   */
  private void openNodeConnections(boolean replicasToo) {
    List<CompletableFuture<?>> opening = new ArrayList<>();
    for (RedisClusterNode node : connection.getPartitions()) {
      boolean upstream = node.getRole().isUpstream();
      if (!upstream && !replicasToo) {
        continue;
      }
      // The same keys Lettuce's slot routing uses, so these are the connections it will pick.
      ConnectionIntent intent = upstream ? ConnectionIntent.WRITE : ConnectionIntent.READ;
      RedisURI uri = node.getUri();
      opening.add(connection.getConnectionAsync(uri.getHost(), uri.getPort(), intent));
    }
    try {
      CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
          .get(WARM_UP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("could not open connections to every Redis Cluster node at start: {}", e.toString());
    }
  }

  @Override
  public RedisClusterAsyncCommands<String, byte[]> commands() {
    return connection.async();
  }

  @Override
  public String shardOf(String redisKey) {
    RedisClusterNode master =
        connection.getPartitions().getMasterBySlot(SlotHash.getSlot(redisKey));
    if (master == null) {
      return "unassigned";
    }
    RedisURI uri = master.getUri();
    return uri.getHost() + ":" + uri.getPort();
  }

  @Override
  public String toString() {
    return "cluster of " + connection.getPartitions().size() + " nodes";
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, FailFastOptions.SHUTDOWN_TIMEOUT);
    resources.shutdown();
  }
}
