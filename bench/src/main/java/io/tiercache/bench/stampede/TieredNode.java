package io.tiercache.bench.stampede;

import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.L2Options;
import io.tiercache.Lookup;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import java.time.Duration;
import java.util.List;

/**
 * A tiercache node: a {@link TieredCache} with L1 and a {@link RedisRemoteTier} of its own (its own
 * Lettuce connection), default options but for the L2 timeout, and its own meters.
 */
final class TieredNode implements Node {
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final TieredCache<String> cache;

  /**
   * @param l2Timeout how long an L2 call may take, in the cache and in Lettuce, before the node
   *     goes on without L2 (the defaults are {@link L2Options#DEFAULT_TIMEOUT} and {@link
   *     RedisTierOptions#DEFAULT_COMMAND_TIMEOUT})
   */
  TieredNode(
      String nodeId, RedisURI uri, CacheClass cacheClass, SlowSource source, Duration l2Timeout) {
    this.cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CacheClasses.of(List.of(cacheClass)))
            .loader(source)
            .remoteTier(
                RedisRemoteTier.standalone(
                    uri, RedisTierOptions.DEFAULT.withCommandTimeout(l2Timeout)))
            .l2Options(L2Options.DEFAULT.withTimeout(l2Timeout))
            .nodeId(nodeId)
            .meterRegistry(registry)
            .build();
  }

  @Override
  public String read(String key) {
    return cache.get(key);
  }

  Lookup<String> lookup(String key) {
    return cache.lookup(key);
  }

  /** The sum of the counters named {@code name} with the given tags (name/value pairs). */
  double count(String name, String... tags) {
    return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  @Override
  public void close() {
    cache.close();
  }
}
