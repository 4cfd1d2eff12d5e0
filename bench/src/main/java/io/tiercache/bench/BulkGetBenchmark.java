package io.tiercache.bench;

import io.lettuce.core.KeyValue;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.tiercache.redis.internal.LeaseScripts;
import io.tiercache.redis.local.LocalRedisCluster;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code TieredCache.getAll} of 1,000 keys, all L2 hits with L1 bypassed, on a three-master {@link
 * LocalRedisCluster}, against its anchor: a raw Lettuce cluster {@code MGET} of the same 1,000
 * Redis keys. Lettuce's advanced cluster API splits a cross-slot MGET by slot and pipelines the
 * parts to the masters; every key here has its own hash tag, so the anchor is "one MGET per slot",
 * pipelined.
 */
@State(Scope.Benchmark)
public class BulkGetBenchmark {
  static final int KEYS = 1_000;
  private List<String> keys;
  private String[] redisKeys;
  private LocalRedisCluster cluster;
  private L2Fixture fixture;
  private RedisClusterClient rawClient;
  private StatefulRedisClusterConnection<String, byte[]> rawConnection;
  private RedisAdvancedClusterAsyncCommands<String, byte[]> raw;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    cluster = LocalRedisCluster.start();
    try {
      prepare();
    } catch (Exception | Error e) {
      close(); // JMH skips the teardown of a trial whose setup failed
      throw e;
    }
  }

  private void prepare() throws Exception {
    fixture = L2Fixture.cluster(cluster.seedUris());
    String[] k = new String[KEYS];
    redisKeys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      k[i] = "item:" + i;
      redisKeys[i] = L2Fixture.redisKey(k[i]);
    }
    keys = Arrays.asList(k);
    fixture.seed(k);
    rawClient = RedisClusterClient.create(cluster.seedUris());
    rawConnection = rawClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    raw = rawConnection.async();
    long present = rawMget().stream().filter(KeyValue::hasValue).count();
    Map<String, String> viaCache = fixture.cache().getAll(keys);
    if (present != KEYS || viaCache.size() != KEYS) {
      throw new IllegalStateException(
          "expected "
              + KEYS
              + " keys on both sides, raw MGET found "
              + present
              + ", getAll found "
              + viaCache.size());
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
        rawConnection, rawClient == null ? null : rawClient::shutdown, fixture, cluster);
  }

  private List<KeyValue<String, byte[]>> rawMget()
      throws InterruptedException, ExecutionException, TimeoutException {
    return raw.mget(redisKeys).get(10, TimeUnit.SECONDS);
  }

  @Benchmark
  public List<KeyValue<String, byte[]>> rawLettuceMget()
      throws InterruptedException, ExecutionException, TimeoutException {
    return rawMget();
  }

  /**
   * Reference: what tiercache sends for a bulk read, the {@code GET_OR_LEASE} Lua script once per
   * key, pipelined on the raw connection. Splits the gap into what the scripts cost over MGET and
   * what tiercache's own path costs.
   */
  @Benchmark
  public Object[] rawLettuceLeaseScripts() throws Exception {
    CompletableFuture<?>[] replies = new CompletableFuture<?>[KEYS];
    for (int i = 0; i < KEYS; i++) {
      String k = redisKeys[i];
      replies[i] =
          LeaseScripts.GET_OR_LEASE
              .run(raw, new String[] {k, k + ":lease"}, "bench-token", 5_000)
              .toCompletableFuture();
    }
    CompletableFuture.allOf(replies).get(10, TimeUnit.SECONDS);
    return replies;
  }

  @Benchmark
  public Map<String, String> tieredCacheGetAll() {
    return fixture.cache().getAll(keys);
  }
}
