package io.tiercache.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A cache node in a JVM of its own, for {@link LeaseTakeoverIT}: a lease holder that the test can
 * kill as a crash would, which no thread in the test's own JVM can imitate.
 *
 * <p>Arguments: Redis host, port, key prefix, lease time in milliseconds, key, counter key. It
 * reads the key once through a cache over that Redis (node id {@value #NODE_ID}). Its loader counts
 * itself in Redis ({@code INCR counter}, outside the cache's prefix), prints {@value #LOADING}, and
 * then blocks until a line arrives on stdin before it returns {@value #VALUE}: a slow load that the
 * test ends, or never lets end. Afterwards it prints {@code DONE <value>} and exits 0. When stdin
 * closes instead (the test's JVM is gone) it exits at once with status 3, so that no orphan
 * outlives the build.
 */
public final class LoadingNodeMain {
  static final String NODE_ID = "child";
  static final String LOADING = "LOADING";
  static final String DONE = "DONE ";
  static final String VALUE = "v1";

  /** The class of every key, in this process and the test's. */
  static final CacheClasses CLASSES =
      CacheClasses.of(List.of(CacheClass.builder("c", "*").ttl(Duration.ofMinutes(5)).build()));

  private LoadingNodeMain() {}

  public static void main(String[] args) throws Exception {
    RedisURI uri = RedisURI.create(args[0], Integer.parseInt(args[1]));
    String prefix = args[2];
    Duration leaseTime = Duration.ofMillis(Long.parseLong(args[3]));
    String key = args[4];
    String counterKey = args[5];
    BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> counter = client.connect();
        TieredCache<String> cache =
            TieredCache.builder(ValueCodec.utf8())
                .classes(CLASSES)
                .remoteTier(
                    RedisRemoteTier.standalone(uri, Fleet.PATIENT_REDIS.withKeyPrefix(prefix)))
                .l2Options(Fleet.PATIENT_L2)
                .hotKeys(Fleet.NO_HOT_KEY_PREFETCH)
                .loadOptions(LoadOptions.DEFAULT.withLeaseTime(leaseTime))
                .nodeId(NODE_ID)
                .loader(
                    k -> {
                      counter.sync().incr(counterKey);
                      System.out.println(LOADING);
                      System.out.flush();
                      if (stdin.readLine() == null) {
                        System.exit(3);
                      }
                      return Loaded.of(VALUE, 1);
                    })
                .build()) {
      System.out.println(DONE + cache.get(key));
      System.out.flush();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    System.exit(0);
  }
}
