package io.tiercache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Gauge;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.spi.Entry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The node-local tier: one Caffeine cache per class, bounded by entries or bytes (Window TinyLFU).
 * Deadlines are never computed here, only inherited from the entry (DESIGN invariant 2): the read
 * path judges every copy by the deadlines it carries, so an entry copied from L2 stops being served
 * from L1 at the same instant it stops being served from L2.
 */
final class L1Tier<V> {
  /** What L1 keeps: the envelope, and the decoded value so that a hit decodes nothing. */
  record Cached<V>(Entry entry, V value) {}

  /**
   * A class as an L1 read needs it: the class, its cache ({@code null} when the class keeps nothing
   * in L1) and its meters ({@code null} then too).
   */
  record Lane<V>(
      CacheClass cls,
      Cache<String, Cached<V>> cache,
      CacheMetrics.ClassMeters meters,
      long stalenessEpsilonMs) {}

  private record Routed<V>(String key, Lane<V> lane) {}

  /**
   * The classes in force, their lanes by position in {@link CacheClasses#all()} and by name, and a
   * memo of key to lane: replaced whole on reconfiguration, so a reader sees the old routing or the
   * new one.
   *
   * <p>The memo is direct-mapped like the classes' own ({@link CacheClasses#resolvePosition}), and
   * kept although that one exists: going through it cost the L1 hit about 10% of its throughput (74
   * against 82 ops/us, {@code bin/bench l1}), three more dependent reads per hit. A slot is an
   * immutable record, so a racing reader sees a whole pair or the previous one, and a collision
   * only costs the evicted key a resolution on its next read.
   */
  private record Routing<V>(
      CacheClasses classes, Lane<V>[] byPosition, Map<String, Lane<V>> byName, Routed<V>[] memo) {
    /** The L1 cache of the class named {@code name}, or {@code null} when it keeps none. */
    Cache<String, Cached<V>> cache(String name) {
      Lane<V> lane = byName.get(name);
      return lane == null ? null : lane.cache();
    }
  }

  private static final int ENTRY_OVERHEAD_BYTES = 96;

  private final Clock clock;
  private final Executor executor;
  private final CacheMetrics metrics;
  private static final int ROUTING_SLOTS = 1 << 14;

  private volatile Routing<V> routing;

  L1Tier(CacheClasses classes, Clock clock, Executor executor, CacheMetrics metrics) {
    this.clock = clock;
    this.executor = executor;
    this.metrics = metrics;
    reconfigure(classes);
  }

  /**
   * Adopts new classes: a class whose settings did not change keeps its cache and entries; a new or
   * changed class gets a fresh cache (its old entries were sized and bounded by the old settings);
   * a removed class's cache is dropped.
   */
  synchronized void reconfigure(CacheClasses classes) {
    Map<String, Lane<V>> previous = routing == null ? Map.of() : routing.byName;
    @SuppressWarnings("unchecked")
    Lane<V>[] byPosition = (Lane<V>[]) new Lane<?>[classes.all().size()];
    Map<String, Lane<V>> byName = new HashMap<>();
    int position = 0;
    for (CacheClass c : classes.all()) {
      Lane<V> before = previous.get(c.name());
      Cache<String, Cached<V>> cache = null;
      if (c.usesL1()) {
        boolean same = before != null && before.cache() != null && c.equals(before.cls());
        cache = same ? before.cache() : build(c);
        if (before == null || before.cache() == null) {
          registerGauges(c.name());
        }
      }
      Lane<V> lane =
          new Lane<>(
              c, cache, cache == null ? null : metrics.of(c), c.stalenessEpsilon().toMillis());
      byPosition[position++] = lane;
      byName.put(c.name(), lane);
    }
    @SuppressWarnings("unchecked")
    Routed<V>[] memo = (Routed<V>[]) new Routed<?>[ROUTING_SLOTS];
    routing = new Routing<>(classes, byPosition, Map.copyOf(byName), memo);
    previous.forEach(
        (name, lane) -> {
          if (lane.cache() != null && routing.cache(name) != lane.cache()) {
            lane.cache().invalidateAll();
          }
        });
  }

  private void registerGauges(String name) {
    Gauge.builder("tiercache.l1.size", this, t -> t.sizeOf(name))
        .tag("class", name)
        .description("entries in L1")
        .register(metrics.registry());
    Gauge.builder("tiercache.l1.weight", this, t -> t.weightOf(name))
        .tag("class", name)
        .description("bytes held in L1 by a byte-bounded class")
        .register(metrics.registry());
  }

  private double sizeOf(String name) {
    Cache<String, Cached<V>> cache = routing.cache(name);
    return cache == null ? 0 : cache.estimatedSize();
  }

  private double weightOf(String name) {
    Cache<String, Cached<V>> cache = routing.cache(name);
    if (cache == null) {
      return 0;
    }
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  private Cache<String, Cached<V>> build(CacheClass c) {
    CacheMetrics.ClassMeters meters = metrics.of(c);
    Caffeine<Object, Object> b =
        Caffeine.newBuilder()
            .executor(executor)
            .evictionListener((k, v, cause) -> meters.eviction(cause));
    if (c.l1MaxBytes().bytes() > 0) {
      b.maximumWeight(c.l1MaxBytes().bytes())
          .weigher(
              (String k, Cached<V> v) ->
                  (int)
                      Math.min(
                          Integer.MAX_VALUE,
                          (long) v.entry().value().length
                              + 2L * k.length()
                              + ENTRY_OVERHEAD_BYTES));
    } else {
      b.maximumSize(c.l1MaxEntries());
    }
    // No Caffeine expiry: deadlines live in the entries and the read path checks them on every
    // read (a copy past its stale deadline is dropped when read), so L1 needs only the size bound.
    // Caffeine's per-entry expiry would cost every hit a timer-wheel update: the L1 hit path is
    // measured against raw Caffeine (docs/BENCHMARKS.md).
    return b.build();
  }

  /**
   * The lane of {@code key}'s class under the classes L1 was last configured with.
   *
   * @throws io.tiercache.TierCacheException when no class matches the key
   */
  Lane<V> laneOf(String key) {
    Routing<V> r = routing;
    int h = key.hashCode();
    int slot = (h ^ (h >>> 16)) & (ROUTING_SLOTS - 1);
    Routed<V> routed = r.memo[slot];
    if (routed != null && routed.key.equals(key)) {
      return routed.lane;
    }
    Lane<V> lane = r.byPosition[r.classes.resolvePosition(key)];
    r.memo[slot] = new Routed<>(key, lane);
    return lane;
  }

  /** The cached entry of {@code key}, or {@code null}. */
  Cached<V> get(CacheClass c, String key) {
    Cache<String, Cached<V>> cache = routing.cache(c.name());
    return cache == null ? null : cache.getIfPresent(key);
  }

  void put(CacheClass c, String key, Entry entry, V value) {
    Cache<String, Cached<V>> cache = routing.cache(c.name());
    if (cache != null) {
      cache.put(key, new Cached<>(entry, value));
    }
  }

  void invalidate(CacheClass c, String key) {
    Cache<String, Cached<V>> cache = routing.cache(c.name());
    if (cache != null) {
      cache.invalidate(key);
    }
  }

  /** Removes {@code key} only while it still maps to {@code expected} (a newer copy stays). */
  void remove(CacheClass c, String key, Cached<V> expected) {
    Cache<String, Cached<V>> cache = routing.cache(c.name());
    if (cache != null) {
      cache.asMap().remove(key, expected);
    }
  }

  /**
   * Replaces {@code key}'s copy only while it is still {@code expected}: a copy re-written on a
   * read (re-stamped, slid) must not resurrect an entry an invalidation removed in between.
   */
  void replace(CacheClass c, String key, Cached<V> expected, Cached<V> next) {
    Cache<String, Cached<V>> cache = routing.cache(c.name());
    if (cache != null) {
      cache.asMap().replace(key, expected, next);
    }
  }

  /** Drops every entry of every class. */
  void invalidateAll() {
    caches().forEach(Cache::invalidateAll);
  }

  /** Runs pending maintenance (evictions) now; for tests and stats. */
  void cleanUp() {
    caches().forEach(Cache::cleanUp);
  }

  private java.util.stream.Stream<Cache<String, Cached<V>>> caches() {
    return routing.byName.values().stream().map(Lane::cache).filter(Objects::nonNull);
  }

  long estimatedSize(CacheClass c) {
    Cache<String, Cached<V>> cache = routing.cache(c.name());
    return cache == null ? 0 : cache.estimatedSize();
  }
}
