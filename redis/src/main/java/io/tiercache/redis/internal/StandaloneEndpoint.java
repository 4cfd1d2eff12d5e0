package io.tiercache.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.tiercache.TierCacheException;
import io.tiercache.redis.RedisTierOptions;
import java.time.Duration;

/** A single Redis server: one shard, named by its address. */
final class StandaloneEndpoint implements RedisEndpoint {
  private final RedisClient client;
  private final ClientResources resources;
  private final StatefulRedisConnection<String, byte[]> connection;
  private final String shard;

  private StandaloneEndpoint(
      RedisClient client,
      ClientResources resources,
      StatefulRedisConnection<String, byte[]> connection,
      String shard) {
    this.client = client;
    this.resources = resources;
    this.connection = connection;
    this.shard = shard;
  }

  static StandaloneEndpoint connect(RedisURI uri, RedisTierOptions options) {
    String shard = uri.getHost() + ":" + uri.getPort();
    ClientResources resources = FailFastOptions.resources(FailFastOptions.RECONNECT_DELAY_MAX);
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(FailFastOptions.standalone(options));
    try {
      return new StandaloneEndpoint(client, resources, client.connect(CODEC), shard);
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, FailFastOptions.SHUTDOWN_TIMEOUT);
      resources.shutdown();
      throw new TierCacheException("cannot connect to Redis at " + shard, e);
    }
  }

  @Override
  public RedisClusterAsyncCommands<String, byte[]> commands() {
    return connection.async();
  }

  @Override
  public String shardOf(String redisKey) {
    return shard;
  }

  @Override
  public String toString() {
    return "standalone " + shard;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, FailFastOptions.SHUTDOWN_TIMEOUT);
    resources.shutdown();
  }
}
