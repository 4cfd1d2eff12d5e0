package io.tiercache.bench.stampede;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/**
 * The naive baseline, written by hand with raw Lettuce: each caller GETs the key and, on a miss,
 * loads it from the source and SETs it with the TTL. Nothing coordinates callers, so every caller
 * that misses before the first SET lands loads the key itself.
 */
final class CacheAsideNode implements Node {
  private final SlowSource source;
  private final Duration ttl;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;

  CacheAsideNode(RedisURI uri, SlowSource source, Duration ttl) {
    this.source = source;
    this.ttl = ttl;
    this.client = RedisClient.create(uri);
    this.connection = client.connect();
    this.redis = connection.sync();
  }

  @Override
  public String read(String key) throws Exception {
    String value = redis.get(key);
    if (value == null) {
      value = source.load(key).value();
      redis.set(key, value, SetArgs.Builder.px(ttl));
    }
    return value;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
