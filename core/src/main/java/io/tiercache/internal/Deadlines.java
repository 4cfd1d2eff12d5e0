package io.tiercache.internal;

import io.tiercache.classes.CacheClass;
import io.tiercache.classes.ExpiryMode;
import io.tiercache.classes.RefreshStrategy;
import io.tiercache.spi.Entry;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where every deadline is decided. Deadlines are set once, when a value leaves the source: fresh
 * until {@code now + jittered TTL}, servable until that plus the class's stale window; every copy
 * up the tiers keeps them (DESIGN invariants 2 and 9). Only sliding classes move them, on reads.
 */
final class Deadlines {
  private Deadlines() {}

  /** A new entry for a value (or, with {@code value == null}, a tombstone) read at {@code now}. */
  static Entry newEntry(
      CacheClass c,
      String key,
      byte[] value,
      long version,
      Set<String> tags,
      long now,
      long tookNanos,
      long generation) {
    long fresh = now + TtlJitter.ttlMillis(c, key);
    long stale = fresh + c.staleWindow().toMillis();
    int computeMillis = (int) Math.min(Integer.MAX_VALUE, tookNanos / 1_000_000);
    if (value == null) {
      return Entry.absent(now, fresh, stale, computeMillis, generation);
    }
    Set<String> all = c.tags();
    if (!tags.isEmpty()) {
      all = new LinkedHashSet<>(c.tags());
      all.addAll(tags);
    }
    return new Entry(value, version, now, fresh, stale, computeMillis, all, generation);
  }

  /**
   * Sliding expiry: a read moves the deadlines to {@code now + ttl}. To keep reads from writing L2
   * every time, the deadline moves only once it has fallen behind by a tenth of the TTL (at least
   * one second); the entry can then expire up to that much before a strict sliding window would.
   *
   * @return {@code e} itself when nothing moves
   */
  static Entry slide(CacheClass c, String key, Entry e, long now) {
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

  /** Whether {@code e}, stale at {@code now}, may be served while one refresh runs. */
  static boolean withinRevalidateWindow(CacheClass c, Entry e, long now) {
    long window = Math.min(c.staleWhileRevalidate().toMillis(), c.stalenessEpsilon().toMillis());
    return now < e.freshUntilMs() + window && now < e.staleUntilMs();
  }

  /** Whether {@code e}, stale at {@code now}, may be served because the source failed. */
  static boolean withinErrorWindow(CacheClass c, Entry e, long now) {
    long window = Math.min(c.staleIfError().toMillis(), c.stalenessEpsilon().toMillis());
    return now < e.freshUntilMs() + window && now < e.staleUntilMs();
  }

  /**
   * The largest {@code -ln(u)} for {@code u = 1 - r} with {@code r} a double in [0, 1): {@code 1 -
   * r} is at least 2^-53, so {@code -ln(u)} is at most 36.8.
   */
  private static final double MAX_NEG_LN_U = 53 * Math.log(2) + 1e-9;

  /**
   * False when no draw of {@code u} can make {@link #dueForRefresh} true: the entry is further from
   * expiry than XFetch's largest possible lead. Lets an L1 hit skip the random draw and the
   * logarithm on almost every read.
   */
  static boolean mayBeDue(CacheClass c, Entry e, long now) {
    if (c.refreshStrategy() != RefreshStrategy.EARLY_PROBABILISTIC) {
      return true;
    }
    return e.freshUntilMs() - now <= xfetchLeadMs(c, e);
  }

  /** XFetch's largest possible lead for {@code e}: no draw refreshes it earlier before expiry. */
  static double xfetchLeadMs(CacheClass c, Entry e) {
    return Math.max(1, e.computeMillis()) * c.earlyRefreshBeta() * MAX_NEG_LN_U;
  }

  /**
   * Whether a fresh entry should be refreshed now, before it expires.
   *
   * <p>Probabilistic early refresh is XFetch (Vattani, Chierichetti, Lowenstein, "Optimal
   * Probabilistic Cache Stampede Prevention", VLDB 2015): refresh when {@code now - delta * beta *
   * ln(u) >= expiry}, with {@code delta} the time the value took to compute and {@code u} uniform
   * in (0, 1]. The expected number of early refreshes per expiry is about one, and they come
   * earlier for values that are slow to compute. Refresh-ahead renews an entry read within the last
   * {@code aheadFraction} of its TTL.
   *
   * @param u a uniform random number in (0, 1]
   */
  static boolean dueForRefresh(CacheClass c, Entry e, long now, double u, double aheadFraction) {
    if (!mayBeDue(c, e, now)) {
      return false;
    }
    if (c.refreshStrategy() == RefreshStrategy.EARLY_PROBABILISTIC) {
      double delta = Math.max(1, e.computeMillis());
      return now - delta * c.earlyRefreshBeta() * Math.log(u) >= e.freshUntilMs();
    }
    if (c.refreshStrategy() == RefreshStrategy.REFRESH_AHEAD) {
      return e.freshUntilMs() - now <= (long) (c.ttl().toMillis() * aheadFraction);
    }
    return false;
  }
}
