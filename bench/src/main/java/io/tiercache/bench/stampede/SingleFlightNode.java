package io.tiercache.bench.stampede;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-JVM single-flight over the same cache-aside Redis: callers of one node that miss share one
 * load (a map of in-flight futures, as groupcache's singleflight), but nothing coordinates nodes,
 * so each node loads once per expiry.
 *
 * <p>Chosen over "TieredCache without a remote tier" because it changes exactly one thing against
 * the cache-aside baseline (coalescing inside the node) and keeps the shared Redis, so the only
 * difference left to tiercache is the fleet-wide lease.
 */
final class SingleFlightNode implements Node {
  private final SlowSource source;
  private final Duration ttl;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final ConcurrentHashMap<String, CompletableFuture<String>> inFlight =
      new ConcurrentHashMap<>();

  SingleFlightNode(RedisURI uri, SlowSource source, Duration ttl) {
    this.source = source;
    this.ttl = ttl;
    this.client = RedisClient.create(uri);
    this.connection = client.connect();
    this.redis = connection.sync();
  }

  @Override
  public String read(String key) throws Exception {
    String value = redis.get(key);
    if (value != null) {
      return value;
    }
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      try {
        return running.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
    try {
      // Re-check: another caller's load may have landed between our GET and becoming the leader
      // (it had already left the map); without this the node would load twice.
      value = redis.get(key);
      if (value == null) {
        value = source.load(key).value();
        redis.set(key, value, SetArgs.Builder.px(ttl));
      }
      mine.complete(value);
      return value;
    } catch (Exception | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
