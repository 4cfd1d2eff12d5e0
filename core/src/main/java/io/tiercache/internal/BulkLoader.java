package io.tiercache.internal;

import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.Tier;
import io.tiercache.classes.CacheClass;
import io.tiercache.internal.L1Tier.Cached;
import io.tiercache.spi.Entry;
import io.tiercache.spi.LeaseState;
import io.tiercache.spi.LeasedRead;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Many keys' walk below L1, keeping the single-key walk's guarantees at bulk cost: one pipelined L2
 * read that also takes the leases of absent keys, one source load per class for the keys this call
 * holds the lease of, and one pipelined lease-checked store. Keys whose lease another caller holds
 * (or that are present but stale) go through {@link FleetLoader#load} one by one, which serves
 * stale or waits for the holder.
 */
final class BulkLoader<V> {
  private final LiveClasses classes;
  private final Clock clock;
  private final L1Tier<V> l1;
  private final L2Guard l2;
  private final SourceGate<V> gate;
  private final FleetLoader<V> fleet;
  private final LocalInvalidations invalidations;
  private final LoadOptions options;
  private final LeaseTokens tokens;

  BulkLoader(
      LiveClasses classes,
      Clock clock,
      L1Tier<V> l1,
      L2Guard l2,
      SourceGate<V> gate,
      FleetLoader<V> fleet,
      LocalInvalidations invalidations,
      LoadOptions options,
      LeaseTokens tokens) {
    this.classes = classes;
    this.clock = clock;
    this.l1 = l1;
    this.l2 = l2;
    this.gate = gate;
    this.fleet = fleet;
    this.invalidations = invalidations;
    this.options = options;
    this.tokens = tokens;
  }

  /** Resolves {@code keys}, which this caller owns in the single-flight. */
  Map<String, Resolved<V>> load(Collection<String> keys) {
    long begin = invalidations.begin();
    long gen = fleet.generation(); // before the source is read: later rules void these values
    long now = clock.millis();
    Map<String, Resolved<V>> found = new HashMap<>();
    Set<String> rest = new LinkedHashSet<>();
    for (String key : keys) {
      CacheClass c = classes.resolve(key);
      Cached<V> local = fleet.recheckL1(c, key, now); // getAll looked and counted already
      if (local != null && local.entry().isFreshAt(now)) {
        found.put(key, new Resolved<>(local, Tier.L1, false));
      } else {
        rest.add(key);
      }
    }
    rest = fromL2(rest, now, begin, found);
    String token = tokens.next();
    Object answer = rest.isEmpty() ? Map.of() : l2.getOrLeaseAll(rest, token, options.leaseTime());
    Set<String> granted = new LinkedHashSet<>();
    Set<String> others = new LinkedHashSet<>();
    if (answer == L2Guard.NO_ANSWER) {
      granted.addAll(rest);
      token = null;
    } else {
      @SuppressWarnings("unchecked")
      Map<String, LeasedRead> reads = (Map<String, LeasedRead>) answer;
      for (String key : rest) {
        LeasedRead read = reads.get(key);
        Resolved<V> hit = fleet.l2Hit(classes.resolve(key), key, read.entry(), now, begin);
        if (hit != null) {
          found.put(key, hit);
        } else if (read.lease() == LeaseState.GRANTED) {
          granted.add(key);
        } else {
          others.add(key);
        }
      }
    }
    loadGranted(granted, token, begin, now, gen, found);
    for (String key : others) {
      found.put(key, fleet.load(classes.resolve(key), key));
    }
    return found;
  }

  /**
   * One MGET (pipelined per slot on a cluster) for the keys L1 did not have; the lease scripts run
   * only for what it did not find fresh. Returns those keys.
   */
  private Set<String> fromL2(
      Set<String> keys, long now, long begin, Map<String, Resolved<V>> found) {
    Object answer = keys.isEmpty() ? Map.of() : l2.getAll(keys);
    if (!(answer instanceof Map<?, ?> entries)) {
      return keys; // no answer: the lease step below finds out and falls back
    }
    Set<String> rest = new LinkedHashSet<>();
    for (String key : keys) {
      CacheClass c = classes.resolve(key);
      if (entries.get(key) instanceof Entry e && fleet.valid(key, c, e) && e.isFreshAt(now)) {
        found.put(key, fleet.l2Hit(c, key, e, now, begin));
      } else {
        rest.add(key);
      }
    }
    return rest;
  }

  private void loadGranted(
      Set<String> granted,
      String token,
      long begin,
      long now,
      long gen,
      Map<String, Resolved<V>> found) {
    Map<CacheClass, Set<String>> byClass = new LinkedHashMap<>();
    for (String key : granted) {
      byClass.computeIfAbsent(classes.resolve(key), c -> new LinkedHashSet<>()).add(key);
    }
    Map<String, Cached<V>> loaded = new LinkedHashMap<>();
    for (Map.Entry<CacheClass, Set<String>> group : byClass.entrySet()) {
      CacheClass c = group.getKey();
      long start = System.nanoTime();
      Map<String, Loaded<V>> values;
      try {
        values = gate.loadAll(c, group.getValue());
      } catch (RuntimeException e) {
        for (String key : granted) {
          l2.releaseLease(key, token);
        }
        throw e;
      }
      long took = System.nanoTime() - start;
      for (String key : group.getValue()) {
        loaded.put(key, fleet.toCached(c, key, values.get(key), now, took, gen));
      }
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    loaded.forEach((k, v) -> entries.put(k, v.entry()));
    Object stored = token == null ? L2Guard.NO_ANSWER : l2.putIfLeased(entries, token, now);
    for (Map.Entry<String, Cached<V>> e : loaded.entrySet()) {
      String key = e.getKey();
      CacheClass c = classes.resolve(key);
      boolean ok =
          stored == L2Guard.NO_ANSWER || Boolean.TRUE.equals(((Map<?, ?>) stored).get(key));
      if (ok) {
        fleet.install(c, key, e.getValue(), begin);
      }
      found.put(key, new Resolved<>(e.getValue(), Tier.SOURCE, false));
    }
  }
}
