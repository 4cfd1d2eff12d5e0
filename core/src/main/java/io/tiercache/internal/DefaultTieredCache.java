package io.tiercache.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.CacheLoader;
import io.tiercache.L2Options;
import io.tiercache.LoadFailedException;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.ExpiryMode;
import io.tiercache.internal.L1Tier.Cached;
import io.tiercache.spi.Entry;
import io.tiercache.spi.RemoteTier;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The read path: L1, then L2, then the source, one load per key at a time in this process.
 *
 * <p>Deadlines are set once, when a value leaves the source: fresh until {@code now + jittered
 * TTL}, servable until that plus the class's stale window. Every copy up the tiers keeps them
 * (DESIGN invariants 2 and 9).
 */
public final class DefaultTieredCache<V> implements TieredCache<V> {
  /** The outcome of one key's walk below L1. */
  private record Found<V>(Cached<V> cached, Tier tier) {}

  private final ValueCodec<V> codec;
  private final CacheClasses classes;
  private final CacheLoader<V> loader;
  private final Clock clock;
  private final CacheMetrics metrics;
  private final L1Tier<V> l1;
  private final L2Guard l2;
  private final SingleFlight<Found<V>> flights = new SingleFlight<>();

  public DefaultTieredCache(
      ValueCodec<V> codec,
      CacheClasses classes,
      CacheLoader<V> loader,
      RemoteTier remote,
      L2Options l2Options,
      Clock clock,
      Executor executor,
      MeterRegistry registry) {
    this.codec = codec;
    this.classes = classes;
    this.loader = loader;
    this.clock = clock;
    this.metrics = new CacheMetrics(registry);
    this.l1 = new L1Tier<>(classes, clock, executor, metrics);
    this.l2 = new L2Guard(remote, l2Options, metrics);
  }

  @Override
  public V get(String key) {
    return lookup(key).value();
  }

  @Override
  public Lookup<V> lookup(String key) {
    requireKey(key);
    CacheClass c = classes.resolve(key);
    CacheMetrics.ClassMeters m = metrics.of(c);
    if (c.usesL1()) {
      Cached<V> hit = freshInL1(c, key, clock.millis());
      if (hit != null) {
        m.l1Hits.increment();
        return toLookup(key, c, hit, Tier.L1);
      }
      m.l1Misses.increment();
    }
    Found<V> found = flights.execute(key, () -> loadBelowL1(c, key), m.coalesced::increment);
    return toLookup(key, c, found.cached(), found.tier());
  }

  /**
   * One key's walk below L1, run by one caller at a time per key. It re-checks L1 first: a caller
   * can miss L1, then lose the CPU while another caller's load fills L1 and leaves the
   * single-flight; without the re-check it would start a second load of a value L1 already has.
   */
  private Found<V> loadBelowL1(CacheClass c, String key) {
    long now = clock.millis();
    Cached<V> again = freshInL1(c, key, now);
    if (again != null) {
      return new Found<>(again, Tier.L1);
    }
    Object answer = l2.get(key);
    if (answer != L2Guard.NO_ANSWER) {
      Entry e = (Entry) answer;
      boolean hit = e != null && e.isFreshAt(now);
      metrics.of(c).l2(hit, l2.shardOf(key));
      if (hit) {
        Cached<V> cached = new Cached<>(slide(c, key, e, now), codec.decode(e.value()));
        l1.put(c, key, cached.entry(), cached.value());
        return new Found<>(cached, Tier.L2);
      }
    }
    return loadFromSource(c, key, now);
  }

  private Found<V> loadFromSource(CacheClass c, String key, long now) {
    CacheMetrics.ClassMeters m = metrics.of(c);
    long start = System.nanoTime();
    Loaded<V> loaded;
    try {
      loaded = loader.load(key);
    } catch (Exception e) {
      m.loadsFailed.increment();
      throw new LoadFailedException(key, e);
    }
    long tookNanos = System.nanoTime() - start;
    m.loadLatency.record(tookNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    if (loaded == null) {
      m.loadsAbsent.increment();
      l1.invalidate(c, key);
      return new Found<>(null, Tier.SOURCE);
    }
    m.loadsSuccess.increment();
    Cached<V> cached = newEntry(c, key, loaded, now, tookNanos);
    l1.put(c, key, cached.entry(), cached.value());
    l2.putAll(Map.of(key, cached.entry()), now);
    return new Found<>(cached, Tier.SOURCE);
  }

  @Override
  public Map<String, V> getAll(Collection<String> keys) {
    Map<String, V> result = new LinkedHashMap<>();
    Set<String> missing = new LinkedHashSet<>();
    long now = clock.millis();
    for (String key : keys) {
      requireKey(key);
      CacheClass c = classes.resolve(key);
      Cached<V> hit = c.usesL1() ? freshInL1(c, key, now) : null;
      if (hit != null) {
        metrics.of(c).l1Hits.increment();
        result.put(key, hit.value());
      } else {
        if (c.usesL1()) {
          metrics.of(c).l1Misses.increment();
        }
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      Map<String, Found<V>> found = flights.executeAll(missing, this::loadAllBelowL1, () -> {});
      for (String key : missing) {
        Found<V> f = found.get(key);
        if (f != null && f.cached() != null) {
          result.put(key, f.cached().value());
        }
      }
    }
    return result;
  }

  /** The bulk walk: L1 again (see {@link #loadBelowL1}), one L2 read, one source load. */
  private Map<String, Found<V>> loadAllBelowL1(Collection<String> keys) {
    long now = clock.millis();
    Map<String, Found<V>> found = new HashMap<>();
    Set<String> toL2 = new LinkedHashSet<>();
    for (String key : keys) {
      Cached<V> again = freshInL1(classes.resolve(key), key, now);
      if (again != null) {
        found.put(key, new Found<>(again, Tier.L1));
      } else {
        toL2.add(key);
      }
    }
    Set<String> toSource = fromL2(toL2, now, found);
    if (!toSource.isEmpty()) {
      fromSource(toSource, now, found);
    }
    return found;
  }

  private Set<String> fromL2(Set<String> keys, long now, Map<String, Found<V>> found) {
    Object answer = l2.getAll(keys);
    if (answer == L2Guard.NO_ANSWER) {
      return keys;
    }
    @SuppressWarnings("unchecked")
    Map<String, Entry> entries = (Map<String, Entry>) answer;
    Set<String> rest = new LinkedHashSet<>();
    for (String key : keys) {
      CacheClass c = classes.resolve(key);
      Entry e = entries.get(key);
      boolean hit = e != null && e.isFreshAt(now);
      metrics.of(c).l2(hit, l2.shardOf(key));
      if (hit) {
        Cached<V> cached = new Cached<>(slide(c, key, e, now), codec.decode(e.value()));
        l1.put(c, key, cached.entry(), cached.value());
        found.put(key, new Found<>(cached, Tier.L2));
      } else {
        rest.add(key);
      }
    }
    return rest;
  }

  private void fromSource(Set<String> keys, long now, Map<String, Found<V>> found) {
    long start = System.nanoTime();
    Map<String, Loaded<V>> loaded;
    try {
      loaded = loader.loadAll(keys);
    } catch (Exception e) {
      keys.forEach(k -> metrics.of(classes.resolve(k)).loadsFailed.increment());
      throw new LoadFailedException(keys.iterator().next(), e);
    }
    long tookNanos = System.nanoTime() - start;
    Map<String, Entry> toL2 = new HashMap<>();
    for (String key : keys) {
      CacheClass c = classes.resolve(key);
      CacheMetrics.ClassMeters m = metrics.of(c);
      m.loadLatency.record(tookNanos / keys.size(), java.util.concurrent.TimeUnit.NANOSECONDS);
      Loaded<V> l = loaded.get(key);
      if (l == null) {
        m.loadsAbsent.increment();
        found.put(key, new Found<>(null, Tier.SOURCE));
        continue;
      }
      m.loadsSuccess.increment();
      Cached<V> cached = newEntry(c, key, l, now, tookNanos);
      l1.put(c, key, cached.entry(), cached.value());
      toL2.put(key, cached.entry());
      found.put(key, new Found<>(cached, Tier.SOURCE));
    }
    l2.putAll(toL2, now);
  }

  @Override
  public void put(String key, V value, long version) {
    requireKey(key);
    Objects.requireNonNull(value, "value");
    CacheClass c = classes.resolve(key);
    long now = clock.millis();
    Cached<V> cached = newEntry(c, key, Loaded.of(value, version), now, 0);
    l1.put(c, key, cached.entry(), cached.value());
    l2.putAll(Map.of(key, cached.entry()), now);
  }

  @Override
  public void invalidate(String key) {
    requireKey(key);
    l1.invalidate(classes.resolve(key), key);
    l2.delete(List.of(key));
  }

  @Override
  public CacheClass classOf(String key) {
    requireKey(key);
    return classes.resolve(key);
  }

  @Override
  public void close() {
    l2.close();
  }

  /** The L1 copy of {@code key} when it is fresh at {@code now}, extended if the class slides. */
  private Cached<V> freshInL1(CacheClass c, String key, long now) {
    Cached<V> cached = l1.get(c, key);
    if (cached == null || !cached.entry().isFreshAt(now)) {
      return null;
    }
    Entry slid = slide(c, key, cached.entry(), now);
    if (slid != cached.entry()) {
      cached = new Cached<>(slid, cached.value());
      l1.put(c, key, slid, cached.value());
      l2.putAll(Map.of(key, slid), now);
    }
    return cached;
  }

  /**
   * Sliding expiry: a read moves the deadlines to {@code now + ttl}. To keep reads from writing L2
   * every time, the deadline moves only once it has fallen behind by a tenth of the TTL (at least
   * one second); the entry can then expire up to that much before a strict sliding window would.
   */
  private Entry slide(CacheClass c, String key, Entry e, long now) {
    if (c.expiryMode() != ExpiryMode.SLIDING) {
      return e;
    }
    long fresh = now + TtlJitter.ttlMillis(c, key);
    long step = Math.max(1000, c.ttl().toMillis() / 10);
    if (fresh - e.freshUntilMs() < step) {
      return e;
    }
    return e.withDeadlines(fresh, fresh + c.staleWindow().toMillis());
  }

  private Cached<V> newEntry(CacheClass c, String key, Loaded<V> l, long now, long tookNanos) {
    long fresh = now + TtlJitter.ttlMillis(c, key);
    Set<String> tags = c.tags();
    if (!l.tags().isEmpty()) {
      tags = new LinkedHashSet<>(c.tags());
      tags.addAll(l.tags());
    }
    int computeMillis = (int) Math.min(Integer.MAX_VALUE, tookNanos / 1_000_000);
    Entry e =
        new Entry(
            codec.encode(l.value()),
            l.version(),
            now,
            fresh,
            fresh + c.staleWindow().toMillis(),
            computeMillis,
            tags);
    return new Cached<>(e, l.value());
  }

  private Lookup<V> toLookup(String key, CacheClass c, Cached<V> cached, Tier tier) {
    if (cached == null) {
      Instant now = clock.instant();
      return new Lookup<>(key, null, Tier.SOURCE, 0, now, now, Set.of(), c);
    }
    Entry e = cached.entry();
    return new Lookup<>(
        key,
        cached.value(),
        tier,
        e.version(),
        Instant.ofEpochMilli(e.freshUntilMs()),
        Instant.ofEpochMilli(e.staleUntilMs()),
        e.tags(),
        c);
  }

  private static void requireKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key must be a non-empty string");
    }
  }

  /** For tests in this package: runs L1's pending maintenance. */
  void cleanUpL1() {
    l1.cleanUp();
  }
}
