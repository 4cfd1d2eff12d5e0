package io.tiercache.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.tiercache.redis.internal.LeaseScripts;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.spi.EntryCodec;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * An L2 hit through {@code TieredCache.get} (a class that bypasses L1, so every read goes to Redis)
 * against its anchor, a raw Lettuce {@code GET} of the same stored bytes ({@code tc:{key}}) on a
 * separate plain connection to the same {@link LocalRedisServer}. Both read 1,024 keys round-robin.
 */
@State(Scope.Benchmark)
public class L2HitBenchmark {
  private static final int KEYS = 1024;
  private String[] keys;
  private String[] redisKeys;
  private LocalRedisServer redis;
  private L2Fixture fixture;
  private RedisClient rawClient;
  private StatefulRedisConnection<String, byte[]> rawConnection;
  private RedisCommands<String, byte[]> raw;
  private RedisAsyncCommands<String, byte[]> rawAsync;

  @State(Scope.Thread)
  public static class Cursor {
    int i;
  }

  @Setup(Level.Trial)
  public void setUp() {
    redis = LocalRedisServer.start();
    try {
      prepare();
    } catch (RuntimeException | Error e) {
      close(); // JMH skips the teardown of a trial whose setup failed
      throw e;
    }
  }

  private void prepare() {
    fixture = L2Fixture.standalone(redis.uri());
    keys = new String[KEYS];
    redisKeys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "user:" + i;
      redisKeys[i] = L2Fixture.redisKey(keys[i]);
    }
    fixture.seed(keys);
    rawClient = RedisClient.create(redis.uri());
    rawConnection = rawClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    raw = rawConnection.sync();
    rawAsync = rawConnection.async();
    // Both sides must read the same bytes: the envelope tiercache stored, holding the value.
    for (int i = 0; i < KEYS; i++) {
      byte[] stored = raw.get(redisKeys[i]);
      byte[] value = L2Fixture.valueOf(keys[i]).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (stored == null || !Arrays.equals(EntryCodec.decode(stored).value(), value)) {
        throw new IllegalStateException("'" + redisKeys[i] + "' does not hold the seeded entry");
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    try {
      fixture.requireOnlyL2Hits();
    } finally {
      close();
    }
  }

  private void close() {
    L2Fixture.closeAll(
        rawConnection, rawClient == null ? null : rawClient::shutdown, fixture, redis);
  }

  @Benchmark
  public byte[] rawLettuceGet(Cursor c) {
    return raw.get(redisKeys[c.i++ & (KEYS - 1)]);
  }

  /**
   * Reference: the Lua script tiercache runs for every L2 read ({@code GET_OR_LEASE}: the entry, or
   * the lease when there is none), sent on the raw connection. Splits the gap into what the script
   * costs Redis over a GET and what tiercache's own path costs.
   */
  @Benchmark
  public List<Object> rawLettuceLeaseScript(Cursor c) throws Exception {
    String k = redisKeys[c.i++ & (KEYS - 1)];
    return LeaseScripts.GET_OR_LEASE
        .<List<Object>>run(rawAsync, new String[] {k, k + ":lease"}, "bench-token", 5_000)
        .toCompletableFuture()
        .get();
  }

  @Benchmark
  public String tieredCacheGet(Cursor c) {
    return fixture.cache().get(keys[c.i++ & (KEYS - 1)]);
  }
}
