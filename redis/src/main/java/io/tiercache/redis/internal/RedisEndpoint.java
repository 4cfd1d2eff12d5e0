package io.tiercache.redis.internal;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.tiercache.redis.RedisTierOptions;
import java.util.List;

/**
 * One open Lettuce connection, standalone or cluster, behind the command interface both share. On a
 * cluster the commands object is Lettuce's advanced cluster API, so multi-key commands (MGET, DEL)
 * are split by slot and pipelined to the right masters by Lettuce itself.
 */
public interface RedisEndpoint extends AutoCloseable {

  /** Keys are UTF-8 strings; values are the raw bytes of an entry envelope. */
  RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  /**
   * Connects to a standalone Redis.
   *
   * @throws io.tiercache.TierCacheException when Redis cannot be reached
   */
  static RedisEndpoint standalone(RedisURI uri, RedisTierOptions options) {
    return StandaloneEndpoint.connect(uri, options);
  }

  /**
   * Connects to a Redis Cluster through any of {@code seeds}.
   *
   * @throws io.tiercache.TierCacheException when no seed can be reached
   */
  static RedisEndpoint cluster(List<RedisURI> seeds, RedisTierOptions options) {
    return ClusterEndpoint.connect(seeds, options);
  }

  /** The asynchronous commands; thread-safe, shared by every caller. */
  RedisClusterAsyncCommands<String, byte[]> commands();

  /** The {@code host:port} of the master holding {@code redisKey} (the key as stored). */
  String shardOf(String redisKey);

  /** Closes the connection and shuts the client down. */
  @Override
  void close();
}
