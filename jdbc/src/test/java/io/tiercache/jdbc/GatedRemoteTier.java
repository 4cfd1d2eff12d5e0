package io.tiercache.jdbc;

import io.tiercache.spi.Entry;
import io.tiercache.spi.LeasedRead;
import io.tiercache.spi.RemoteTier;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;

/**
 * A real L2 (a {@code RedisRemoteTier}) whose puts a test can hold back, to fix when a node's write
 * reaches Redis relative to other nodes' loads and writes. Every call goes to Redis; a held put
 * blocks the thread that sends it (a publication lane) before it is sent, so no timeout runs while
 * it waits.
 */
final class GatedRemoteTier implements RemoteTier {
  private final RemoteTier redis;
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile CountDownLatch reached = new CountDownLatch(0);

  GatedRemoteTier(RemoteTier redis) {
    this.redis = redis;
  }

  /** Holds the puts sent from now on; {@code reached} counts down when the first one is held. */
  void hold(CountDownLatch reached) {
    this.reached = reached;
    this.gate = new CountDownLatch(1);
  }

  /** Lets the held puts, and every later one, through. */
  void open() {
    gate.countDown();
  }

  @Override
  public CompletionStage<Boolean> put(String key, Entry entry, Duration ttl) {
    reached.countDown();
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return redis.put(key, entry, ttl);
  }

  @Override
  public CompletionStage<Entry> get(String key) {
    return redis.get(key);
  }

  @Override
  public CompletionStage<Map<String, Entry>> getAll(Collection<String> keys) {
    return redis.getAll(keys);
  }

  @Override
  public CompletionStage<String> claimOnce(String key, String claim, Duration ttl) {
    return redis.claimOnce(key, claim, ttl);
  }

  @Override
  public CompletionStage<Void> releaseClaim(String key, String claim) {
    return redis.releaseClaim(key, claim);
  }

  @Override
  public CompletionStage<Long> delete(Collection<String> keys) {
    return redis.delete(keys);
  }

  @Override
  public CompletionStage<LeasedRead> getOrLease(String key, String token, Duration leaseTime) {
    return redis.getOrLease(key, token, leaseTime);
  }

  @Override
  public CompletionStage<Boolean> tryLease(String key, String token, Duration leaseTime) {
    return redis.tryLease(key, token, leaseTime);
  }

  @Override
  public CompletionStage<Boolean> putIfLeased(String key, Entry entry, Duration ttl, String token) {
    return redis.putIfLeased(key, entry, ttl, token);
  }

  @Override
  public CompletionStage<Void> releaseLease(String key, String token) {
    return redis.releaseLease(key, token);
  }

  @Override
  public CompletionStage<Long> takePermit(String bucket, double perSecond, double burst) {
    return redis.takePermit(bucket, perSecond, burst);
  }

  @Override
  public CompletionStage<Void> addHotKeyCounts(
      String window, Map<String, Long> counts, Duration keep) {
    return redis.addHotKeyCounts(window, counts, keep);
  }

  @Override
  public CompletionStage<Map<String, Double>> hotKeyCounts(String window, int limit) {
    return redis.hotKeyCounts(window, limit);
  }

  @Override
  public String shardOf(String key) {
    return redis.shardOf(key);
  }

  @Override
  public void close() {
    open();
    redis.close();
  }
}
