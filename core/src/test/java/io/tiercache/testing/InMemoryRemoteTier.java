package io.tiercache.testing;

import io.tiercache.spi.Entry;
import io.tiercache.spi.EntryCodec;
import io.tiercache.spi.LeaseState;
import io.tiercache.spi.LeasedRead;
import io.tiercache.spi.RemoteTier;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A RemoteTier in a map, for fast unit tests of the read path's logic only; the real L2 is tested
 * against redis-server in tiercache-redis. Stores encoded envelopes, as Redis would, and can be
 * made to fail every call.
 */
public final class InMemoryRemoteTier implements RemoteTier {
  private final Map<String, byte[]> data = new ConcurrentHashMap<>();
  // Lease holders; leases here never lapse by time unless a test calls expireLeases().
  private final Map<String, String> leases = new ConcurrentHashMap<>();
  private final Map<String, double[]> buckets = new ConcurrentHashMap<>();
  // Write-once claims; like leases, they never lapse by time here.
  private final Map<String, String> claims = new ConcurrentHashMap<>();
  private final AtomicInteger gets = new AtomicInteger();
  private volatile boolean down;
  private volatile boolean putsFailing;

  /** Makes every call fail (true) or succeed (false). */
  public void setDown(boolean down) {
    this.down = down;
  }

  /** Makes puts fail (true) while every other call succeeds: a put that timed out. */
  public void setPutsFailing(boolean failing) {
    this.putsFailing = failing;
  }

  public int gets() {
    return gets.get();
  }

  public Entry peek(String key) {
    byte[] b = data.get(key);
    return b == null ? null : EntryCodec.decode(b);
  }

  @Override
  public CompletionStage<Entry> get(String key) {
    gets.incrementAndGet();
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    return CompletableFuture.completedFuture(peek(key));
  }

  @Override
  public CompletionStage<Map<String, Entry>> getAll(Collection<String> keys) {
    gets.incrementAndGet();
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    Map<String, Entry> found = new HashMap<>();
    for (String k : keys) {
      Entry e = peek(k);
      if (e != null) {
        found.put(k, e);
      }
    }
    return CompletableFuture.completedFuture(found);
  }

  @Override
  public CompletionStage<Boolean> put(String key, Entry entry, Duration ttl) {
    if (down || putsFailing) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    synchronized (this) {
      leases.remove(key);
      Entry stored = peek(key);
      if (stored != null && stored.version() > entry.version()) {
        return done(false);
      }
      data.put(key, EntryCodec.encode(entry));
    }
    return done(true);
  }

  @Override
  public synchronized CompletionStage<String> claimOnce(String key, String claim, Duration ttl) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    return done(claims.computeIfAbsent(key, k -> claim));
  }

  @Override
  public synchronized CompletionStage<Void> releaseClaim(String key, String claim) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    claims.remove(key, claim);
    return done(null);
  }

  @Override
  public synchronized CompletionStage<LeasedRead> getOrLease(
      String key, String token, Duration leaseTime) {
    gets.incrementAndGet();
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    Entry e = peek(key);
    String holder = leases.get(key);
    if (e != null) {
      return done(new LeasedRead(e, holder == null ? LeaseState.NONE : LeaseState.HELD_ELSEWHERE));
    }
    if (holder != null) {
      return done(new LeasedRead(null, LeaseState.HELD_ELSEWHERE));
    }
    leases.put(key, token);
    return done(new LeasedRead(null, LeaseState.GRANTED));
  }

  @Override
  public synchronized CompletionStage<Boolean> tryLease(
      String key, String token, Duration leaseTime) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    return done(leases.putIfAbsent(key, token) == null);
  }

  @Override
  public synchronized CompletionStage<Boolean> putIfLeased(
      String key, Entry entry, Duration ttl, String token) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    if (!token.equals(leases.get(key))) {
      return done(false);
    }
    leases.remove(key);
    data.put(key, EntryCodec.encode(entry));
    return done(true);
  }

  @Override
  public synchronized CompletionStage<Void> releaseLease(String key, String token) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    leases.remove(key, token);
    return done(null);
  }

  private final Map<String, Map<String, Double>> hotCounts = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<Void> addHotKeyCounts(
      String window, Map<String, Long> counts, Duration keep) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    Map<String, Double> w = hotCounts.computeIfAbsent(window, k -> new ConcurrentHashMap<>());
    counts.forEach((k, v) -> w.merge(k, v.doubleValue(), Double::sum));
    return done(null);
  }

  @Override
  public CompletionStage<Map<String, Double>> hotKeyCounts(String window, int limit) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    Map<String, Double> w = hotCounts.getOrDefault(window, Map.of());
    Map<String, Double> top = new HashMap<>();
    w.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(limit)
        .forEach(e -> top.put(e.getKey(), e.getValue()));
    return done(top);
  }

  /** Lapses every lease, as if their time had passed. */
  public void expireLeases() {
    leases.clear();
  }

  /** The holder of the key's lease, or null. */
  public String leaseHolder(String key) {
    return leases.get(key);
  }

  @Override
  public synchronized CompletionStage<Long> takePermit(
      String bucket, double perSecond, double burst) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    long now = System.nanoTime();
    double[] b = buckets.computeIfAbsent(bucket, k -> new double[] {burst, now});
    b[0] = Math.min(burst, b[0] + (now - b[1]) / 1e9 * perSecond);
    b[1] = now;
    if (b[0] >= 1) {
      b[0] -= 1;
      return done(0L);
    }
    return done((long) Math.ceil((1 - b[0]) * 1000 / perSecond));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  @Override
  public CompletionStage<Long> delete(Collection<String> keys) {
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("L2 down"));
    }
    long n;
    synchronized (this) {
      n = keys.stream().filter(k -> data.remove(k) != null).count();
      keys.forEach(leases::remove);
      keys.forEach(claims::remove);
    }
    return CompletableFuture.completedFuture(n);
  }

  @Override
  public String shardOf(String key) {
    return "memory";
  }

  @Override
  public void close() {}
}
