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

  /**
   * Stores {@code entry} under {@code key} (a write) unless the key holds an entry of a newer
   * {@linkplain Entry#version() version}; the tier drops it after {@code ttl}. Atomically, and in
   * either case, voids any lease on the key, so a load that started before this write cannot
   * install its older value afterwards (DESIGN invariant 3). The version check makes puts that
   * arrive out of order harmless: a write's put that lands after a newer write's, or after a load
   * of the newer value, leaves the newer value in place. A stored value that is not an entry counts
   * as older.
   *
   * @return whether the entry was stored ({@code false}: a newer version was there)
   */
  CompletionStage<Boolean> put(String key, Entry entry, Duration ttl);

  /**
   * The first-writer-wins claim of a write-once key: atomically records {@code claim} (a digest of
   * the content about to be written) as the key's claim unless one is recorded, and completes with
   * the claim now recorded, which is {@code claim} itself when this caller won or wrote the same
   * content. The claim lives for {@code ttl}, and {@link #delete} removes it with the key.
   */
  CompletionStage<String> claimOnce(String key, String claim, Duration ttl);

  /**
   * Removes the claim of {@code key} if it is {@code claim} (the claimed write failed at the
   * source, so other content may be written after all).
   */
  CompletionStage<Void> releaseClaim(String key, String claim);

  /**
   * Removes {@code keys}, voids their leases (DESIGN invariant 3) and drops their write-once
   * claims; completes with how many entries existed.
   */
  CompletionStage<Long> delete(Collection<String> keys);

  /**
   * Atomically reads {@code key} and, when nothing is stored and nobody holds the key's lease,
   * grants the lease to {@code token} for {@code leaseTime}. A lease that is not released by {@link
   * #putIfLeased} lapses after {@code leaseTime}, so a dead holder is taken over.
   */
  CompletionStage<LeasedRead> getOrLease(String key, String token, Duration leaseTime);

  /**
   * Grants the lease of {@code key} to {@code token} if nobody holds it (used to refresh a stale or
   * nearly expired entry while it is still served).
   *
   * @return whether the lease was granted
   */
  CompletionStage<Boolean> tryLease(String key, String token, Duration leaseTime);

  /**
   * Atomically stores {@code entry} only if {@code token} still holds the lease of {@code key}, and
   * releases the lease. The lease is gone when the key was written or invalidated since it was
   * granted, or when it lapsed and another caller took it: the older value is then refused.
   *
   * @return whether the entry was stored
   */
  CompletionStage<Boolean> putIfLeased(String key, Entry entry, Duration ttl, String token);

  /**
   * Releases the lease of {@code key} if {@code token} still holds it, so that waiting callers take
   * it over at once after a failed load instead of when it lapses.
   */
  CompletionStage<Void> releaseLease(String key, String token);

  /**
   * Takes one permit from the fleet-wide token bucket {@code bucket} that refills at {@code
   * perSecond} up to {@code burst} permits (DESIGN invariant 5). Atomic on the tier, timed by the
   * tier's own clock so every node shares one.
   *
   * @return 0 when a permit was taken, otherwise the milliseconds until one will be available
   */
  CompletionStage<Long> takePermit(String bucket, double perSecond, double burst);

  /**
   * Adds read counts to the fleet's hot-key counts of time window {@code window}, which the tier
   * drops after {@code keep}.
   */
  CompletionStage<Void> addHotKeyCounts(String window, Map<String, Long> counts, Duration keep);

  /** The {@code limit} highest counts of window {@code window}. */
  CompletionStage<Map<String, Double>> hotKeyCounts(String window, int limit);

  /**
   * The shard that holds {@code key}, for per-shard metrics: a stable name such as the master's
   * {@code host:port}, or {@code "standalone"}.
   */
  String shardOf(String key);

  /** Releases connections. */
  @Override
  void close();
}
