package io.tiercache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.Gauge;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.ExpiryMode;
import io.tiercache.classes.RefreshStrategy;
import io.tiercache.spi.Entry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * The node-local tier: one Caffeine cache per class, bounded by entries or bytes (Window TinyLFU).
 * Deadlines are never computed here, only inherited from the entry (DESIGN invariant 2): the read
 * path judges every copy by the deadlines it carries, so an entry copied from L2 stops being served
 * from L1 at the same instant it stops being served from L2.
 *
 * <p>Reads on the hit path go through {@link #index}, one map from key to copy over every class's
 * cache, instead of finding the class first and reading its cache. Each class's Caffeine cache
 * still holds its copies and decides which to evict under the class's bound; the index only finds
 * them. Why: finding the class of a key (a memo probe) and then reading the cache cost a hit
 * several dependent reads of per-key memory more than a raw Caffeine read, and on the project's
 * 2-core VM those reads were most of the hit's cost (docs/BENCHMARKS.md); the index read is one
 * hash-map read, as short as Caffeine's own.
 */
final class L1Tier<V> {
  /**
   * What L1 keeps: the envelope, and the decoded value so that a hit decodes nothing. A copy stored
   * in L1 also names the lane it was stored under ({@code null} for a copy on its way elsewhere),
   * and carries the two fields of its envelope that every hit reads, so that a hit reads one object
   * per key. Equal when envelope and value are: a copy re-stamped for its lane still matches the
   * one the caller holds in a conditional remove or replace.
   */
  static final class Cached<V> {
    private final Entry entry;
    private final V value;
    private final Lane<V> lane;
    // Until when the copy is served as it is (Lane#asIsUntil); Long.MIN_VALUE without a lane.
    final long asIsUntilMs;
    final long generation;

    Cached(Entry entry, V value) {
      this(entry, value, null);
    }

    private Cached(Entry entry, V value, Lane<V> lane) {
      this.entry = entry;
      this.value = value;
      this.lane = lane;
      this.asIsUntilMs = lane == null ? Long.MIN_VALUE : lane.asIsUntil(entry);
      this.generation = entry.generation();
    }

    Entry entry() {
      return entry;
    }

    V value() {
      return value;
    }

    /** The lane this copy was stored under, or null. */
    Lane<V> lane() {
      return lane;
    }

    Cached<V> inLane(Lane<V> l) {
      return lane == l ? this : new Cached<>(entry, value, l);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Cached<?> other
          && Objects.equals(entry, other.entry)
          && Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
      return Objects.hash(entry, value);
    }

    @Override
    public String toString() {
      return "Cached[entry=" + entry + ", value=" + value + "]";
    }
  }

  /**
   * A class as an L1 read needs it: the class, its cache ({@code null} when the class keeps nothing
   * in L1) and its meters ({@code null} then too), its staleness epsilon, and {@code asIsBeyondMs}:
   * a fresh copy with more than that left before its fresh deadline is served with nothing more to
   * do (no exact clock read, no slide, no refresh-ahead; {@code Long.MAX_VALUE} for a sliding
   * class, whose reads may each move the deadline). A copy stored under the lane carries the
   * resulting deadline ({@link Cached#asIsUntilMs}).
   *
   * <p>A lane belongs to one routing (one set of classes in force): reconfiguration makes new lanes
   * for every class and retires the old ones. A copy stamped with a lane that is not retired was
   * stored by a writer that resolved its key to that lane's class under the classes in force.
   */
  static final class Lane<V> {
    private final CacheClass cls;
    private final Cache<String, Cached<V>> cache;
    private final CacheMetrics.ClassMeters meters;
    private final long stalenessEpsilonMs;
    private final long asIsBeyondMs;
    private final boolean xfetch;
    private final Policy.Eviction<String, Cached<V>> eviction;
    private final long maxBytes; // the class's byte bound; 0 when it is bounded by entries
    private final int hitSlot; // where a thread's cell counts the class's L1 hits
    private final HitRate hitRate; // null when the class keeps no L1
    private volatile boolean retired;
    // Whether the cache holds more than half its bound (see nearBound); looked at again on stores,
    // which alone grow the cache, and on sampled hits. Plain: a stale value only records a few
    // hits more or fewer in the policy.
    private boolean nearBound;
    // Whether the common hit counts each hit (true) or the sampled hits estimate them: the mode of
    // hitRate, copied here so that the hit reads it from the lane. Plain and written only on a
    // change, as nearBound; a hit that reads it late is counted under the mode it read, once.
    private boolean countsEachHit = true;

    Lane(
        CacheClass cls,
        Cache<String, Cached<V>> cache,
        CacheMetrics.ClassMeters meters,
        long stalenessEpsilonMs,
        long asIsBeyondMs) {
      this.cls = cls;
      this.cache = cache;
      this.meters = meters;
      this.stalenessEpsilonMs = stalenessEpsilonMs;
      this.asIsBeyondMs = asIsBeyondMs;
      this.xfetch = cls.refreshStrategy() == RefreshStrategy.EARLY_PROBABILISTIC;
      this.eviction = cache == null ? null : cache.policy().eviction().orElse(null);
      this.maxBytes = cls.l1MaxBytes().bytes();
      this.hitSlot = meters == null ? -1 : meters.l1Hits.slot();
      this.hitRate = meters == null ? null : new HitRate(meters.l1Hits);
    }

    CacheClass cls() {
      return cls;
    }

    Cache<String, Cached<V>> cache() {
      return cache;
    }

    CacheMetrics.ClassMeters meters() {
      return meters;
    }

    /**
     * The slot of the class's L1-hit counter in its set ({@link ThreadCounters.Cell#increment}).
     */
    int hitSlot() {
      return hitSlot;
    }

    /**
     * Whether the common hit counts each hit in its thread's cell; otherwise each sampled hit adds
     * the sampling period (see {@link HitRate}).
     */
    boolean countsEachHit() {
      return countsEachHit;
    }

    /** Looks at the class's hit rate if a look is due ({@link HitRate#check}); sampled hits. */
    void checkHitRate(long nowMs) {
      boolean each = !hitRate.check(nowMs);
      if (each != countsEachHit) {
        countsEachHit = each; // written only on a change, for the reason of nearBound
      }
    }

    /**
     * The class's L1 hits a second at the last look at its rate; 0 before that. Read from {@link
     * HitRate} itself, not copied as {@link #countsEachHit} is: only sampled hits read it.
     */
    long hitsPerSecond() {
      return hitRate.perSecond();
    }

    long stalenessEpsilonMs() {
      return stalenessEpsilonMs;
    }

    /**
     * Until when a copy of {@code e} is served with nothing more to do, on the deadline alone:
     * {@code asIsBeyondMs} before its fresh deadline, or, for an XFetch class, XFetch's largest
     * possible lead if that is further ({@link Deadlines#mayBeDue}); {@code Long.MIN_VALUE} for a
     * sliding class. Computed once, when the copy is stored, so that the hit compares one field.
     */
    long asIsUntil(Entry e) {
      if (asIsBeyondMs == Long.MAX_VALUE) {
        return Long.MIN_VALUE;
      }
      long margin = asIsBeyondMs;
      if (xfetch) {
        margin = Math.max(margin, (long) Math.floor(Deadlines.xfetchLeadMs(cls, e)));
      }
      return e.freshUntilMs() - margin;
    }

    /** Whether the classes this lane was made for are still in force. */
    boolean current() {
      return !retired;
    }

    /** Records a read of {@code key} in the eviction policy (frequency and recency). */
    void touch(String key) {
      cache.getIfPresent(key);
    }

    /**
     * Whether every hit must be recorded in the eviction policy: the cache holds more than half its
     * bound, so the policy may soon choose what to evict. Below that, L1 hits read the index only
     * and Caffeine sees none of them. Nothing is lost: Caffeine itself keeps no frequencies below
     * half the bound (its sketch starts there) and evicts nothing, so those reads would only
     * reorder its recency queues, which every hit above half reorders again before the cache is
     * full. Recording every hit near the bound matches raw Caffeine's hit ratio on the recorded
     * traces ({@code bin/bench hitratio}); recording one in 16 always cost up to 2.6 points.
     */
    boolean nearBound() {
      return nearBound;
    }

    /**
     * Looks at how full the cache is again ({@link #nearBound}); after every store, and on sampled
     * hits. Neither count takes a lock: Caffeine reports entries and weight from fields.
     */
    void notePressure() {
      if (cache == null) {
        return;
      }
      boolean near;
      if (maxBytes > 0) {
        near = eviction.weightedSize().orElse(0) > maxBytes / 2;
      } else {
        near = cache.estimatedSize() > cls.l1MaxEntries() / 2;
      }
      if (near != nearBound) {
        // Written only on a change: every hit reads this lane, and a write on each sampled hit
        // moved its cache line between the reading cores (35 against 52 ops/us, bin/bench l1).
        nearBound = near;
      }
    }
  }

  /**
   * The classes in force and their lanes by position in {@link CacheClasses#all()} and by name:
   * replaced whole on reconfiguration, so a reader sees the old routing or the new one.
   */
  private record Routing<V>(
      CacheClasses classes, Lane<V>[] byPosition, Map<String, Lane<V>> byName) {
    /** The L1 cache of the class named {@code name}, or {@code null} when it keeps none. */
    Cache<String, Cached<V>> cache(String name) {
      Lane<V> lane = byName.get(name);
      return lane == null ? null : lane.cache();
    }
  }

  /** Per-entry bytes beyond key and value that a byte-bounded class counts: maps, nodes, copy. */
  private static final int ENTRY_OVERHEAD_BYTES = 128;

  private final Executor executor;
  private final CacheMetrics metrics;
  private final double refreshAheadFraction;

  /**
   * Every class's copies by key. It changes only inside an atomic operation of the cache that holds
   * the copy (a {@code compute} on the key, or Caffeine's eviction listener, which runs in the
   * eviction's), so for each cache the index follows the cache's own order of changes: a copy is in
   * the index only while its cache holds it. Operations that clear a cache whole clear the index
   * after it. The index may miss a copy its cache holds (a read through the class finds it and
   * indexes it again, {@link #restamp}), never the other way round.
   */
  private final ConcurrentHashMap<String, Cached<V>> index = new ConcurrentHashMap<>();

  private volatile Routing<V> routing;

  L1Tier(
      CacheClasses classes, Executor executor, CacheMetrics metrics, double refreshAheadFraction) {
    this.executor = executor;
    this.metrics = metrics;
    this.refreshAheadFraction = refreshAheadFraction;
    reconfigure(classes);
  }

  /**
   * Adopts new classes: a class whose settings did not change keeps its cache and entries; a new or
   * changed class gets a fresh cache (its old entries were sized and bounded by the old settings);
   * a removed class's cache is dropped. Every lane is new, and the old ones are retired: a copy
   * kept is served through its class's cache until a read re-stamps it.
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
              c,
              cache,
              cache == null ? null : metrics.of(c),
              c.stalenessEpsilon().toMillis(),
              asIsBeyondMs(c));
      byPosition[position++] = lane;
      byName.put(c.name(), lane);
    }
    routing = new Routing<>(classes, byPosition, Map.copyOf(byName));
    previous.forEach(
        (name, lane) -> {
          lane.retired = true;
          Cache<String, Cached<V>> dropped = lane.cache();
          if (dropped != null && routing.cache(name) != dropped) {
            dropped.invalidateAll();
            index.values().removeIf(x -> x.lane() != null && x.lane().cache() == dropped);
          }
        });
  }

  /** {@link Lane#asIsBeyondMs} of class {@code c}. */
  private long asIsBeyondMs(CacheClass c) {
    if (c.expiryMode() == ExpiryMode.SLIDING) {
      return Long.MAX_VALUE;
    }
    long beyond = ReadClock.EXACT_WITHIN_MS;
    if (c.refreshStrategy() == RefreshStrategy.REFRESH_AHEAD) {
      beyond = Math.max(beyond, (long) (c.ttl().toMillis() * refreshAheadFraction));
    }
    return beyond;
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
    Caffeine<String, Cached<V>> b =
        Caffeine.newBuilder()
            .executor(executor)
            .evictionListener(
                (String k, Cached<V> v, RemovalCause cause) -> {
                  // In the atomic removal, like every other change to the index (see index).
                  index.remove(k, v);
                  meters.eviction(cause);
                });
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
    return r.byPosition[r.classes.resolvePosition(key)];
  }

  /**
   * The index itself, for reads only: the copy of a key it holds is read without a record in any
   * eviction policy, and served only if its lane is {@link Lane#current}, then as a copy of that
   * lane's class. {@link DefaultTieredCache#get} holds the map itself rather than asking this tier
   * for each key, one hop sooner: the hit's first read starts its longest chain of dependent reads.
   */
  ConcurrentHashMap<String, Cached<V>> indexForReads() {
    return index;
  }

  /** The cached entry of {@code key}, or {@code null}. */
  Cached<V> get(CacheClass c, String key) {
    Cache<String, Cached<V>> cache = routing.cache(c.name());
    return cache == null ? null : cache.getIfPresent(key);
  }

  /**
   * Stores a copy of {@code key}, stamped with its lane; not when the classes in force no longer
   * give {@code key} the class {@code c} (they changed since the caller resolved it).
   */
  void put(CacheClass c, String key, Entry entry, V value) {
    Lane<V> lane = laneOf(key);
    if (lane.cache() != null && lane.cls().name().equals(c.name())) {
      Cached<V> copy = new Cached<>(entry, value, lane);
      lane.cache()
          .asMap()
          .compute(
              key,
              (k, old) -> {
                index.put(k, copy);
                return copy;
              });
      lane.notePressure(); // a store may be what takes the cache past half its bound
    }
  }

  void invalidate(CacheClass c, String key) {
    change(routing.cache(c.name()), key, null, old -> null);
  }

  /** Removes {@code key} only while it still maps to {@code expected} (a newer copy stays). */
  void remove(CacheClass c, String key, Cached<V> expected) {
    change(routing.cache(c.name()), key, expected, old -> null);
  }

  /**
   * Replaces {@code key}'s copy only while it is still {@code expected}: a copy re-written on a
   * read (re-stamped, slid) must not resurrect an entry an invalidation removed in between. The new
   * copy keeps the lane of the one it replaces.
   */
  void replace(CacheClass c, String key, Cached<V> expected, Cached<V> next) {
    change(routing.cache(c.name()), key, expected, old -> next.inLane(old.lane()));
  }

  /**
   * Stamps {@code found}, read through {@code lane} (the exact route), with that lane and indexes
   * it, while {@code lane}'s cache still holds it: a copy stored under earlier classes, or missing
   * from the index, is served through the exact route only until this.
   */
  void restamp(Lane<V> lane, String key, Cached<V> found) {
    change(lane.cache(), key, found, old -> old.inLane(lane));
  }

  /**
   * Changes the copy {@code cache} holds of {@code key}, while it equals {@code expected} (any copy
   * when that is null), into what {@code next} makes of it, or removes it when that is null; the
   * index follows inside the same atomic operation of the cache (see {@link #index}).
   */
  private void change(
      Cache<String, Cached<V>> cache,
      String key,
      Cached<V> expected,
      UnaryOperator<Cached<V>> next) {
    if (cache == null) {
      return;
    }
    cache
        .asMap()
        .computeIfPresent(
            key,
            (k, old) -> {
              if (expected != null && !old.equals(expected)) {
                return old;
              }
              Cached<V> copy = next.apply(old);
              if (copy == null) {
                index.remove(k, old);
              } else {
                index.put(k, copy);
              }
              return copy;
            });
  }

  /** Whether the hit path would find {@code found} as it is: indexed, stamped with {@code lane}. */
  boolean indexed(Lane<V> lane, String key, Cached<V> found) {
    return found.lane() == lane && index.get(key) == found;
  }

  /** Drops every entry of every class. */
  void invalidateAll() {
    caches().forEach(Cache::invalidateAll);
    index.clear(); // after the caches: a copy put in between is missed by the index, not kept
  }

  /** Runs pending maintenance (evictions) now; for tests and stats. */
  void cleanUp() {
    caches().forEach(Cache::cleanUp);
  }

  private java.util.stream.Stream<Cache<String, Cached<V>>> caches() {
    return routing.byName.values().stream().map(Lane::cache).filter(Objects::nonNull);
  }

  /**
   * For tests: the keys whose indexed copy is not the copy its lane's cache holds. Empty whenever
   * no change is in flight: the index never holds a copy that its cache does not.
   */
  java.util.List<String> indexedButNotCached() {
    java.util.List<String> wrong = new java.util.ArrayList<>();
    index.forEach(
        (key, copy) -> {
          Cache<String, Cached<V>> cache = copy.lane() == null ? null : copy.lane().cache();
          if (cache == null || cache.policy().getIfPresentQuietly(key) != copy) {
            wrong.add(key);
          }
        });
    return wrong;
  }

  /** For tests: how many copies the index holds. */
  int indexSize() {
    return index.size();
  }
}
