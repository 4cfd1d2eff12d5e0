package io.tiercache.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The shared tier below L1 (Redis, standalone or cluster, in {@code tiercache-redis}). Every method
 * is asynchronous; the cache applies its own per-operation timeout and circuit breaker around them,
 * so implementations need not. A failed stage means the tier is unhealthy; an absent key is a
 * successful stage holding {@code null} (or a map without the key).
 */
public interface RemoteTier extends AutoCloseable {

  /** The entry under {@code key}, or {@code null}. */
  CompletionStage<Entry> get(String key);

  /**
   * The entries under {@code keys}, in as few round trips as the tier allows (pipelined across
   * cluster slots). Absent keys are left out of the map.
   */
  CompletionStage<Map<String, Entry>> getAll(Collection<String> keys);

  /** Stores {@code entry} under {@code key}; the tier drops it after {@code ttl}. */
  CompletionStage<Void> put(String key, Entry entry, Duration ttl);

  /** Removes {@code keys}; completes with how many existed. */
  CompletionStage<Long> delete(Collection<String> keys);

  /**
   * The shard that holds {@code key}, for per-shard metrics: a stable name such as the master's
   * {@code host:port}, or {@code "standalone"}.
   */
  String shardOf(String key);

  /** Releases connections. */
  @Override
  void close();
}
