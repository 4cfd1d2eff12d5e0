package io.tiercache.internal;

import io.tiercache.LoadFailedException;
import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.SourceOverloadedException;
import io.tiercache.Tier;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.internal.L1Tier.Cached;
import io.tiercache.spi.Entry;
import io.tiercache.spi.LeaseState;
import io.tiercache.spi.LeasedRead;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A key's walk below L1 with one load per key across the fleet (DESIGN invariants 3 and 4).
 *
 * <p>The node asks L2 for the entry and, when there is none, for the key's lease, in one atomic
 * step. The lease holder loads from the source and stores the value only if it still holds the
 * lease: a write or an invalidation in the meantime voids the lease, so an older value is never
 * installed after a newer one. Everybody else serves the stale value when one is within its window,
 * or waits for the holder's value to land (polling with a short exponential backoff), and takes the
 * lease over once it lapses if the holder died. With L2 unreachable a node falls back to its own
 * single-flight and the local share of the rate limit.
 */
final class FleetLoader<V> {
  private static final long MAX_BACKOFF_MS = 4;

  private final ValueCodec<V> codec;
  private final Clock clock;
  private final L1Tier<V> l1;
  private final L2Guard l2;
  private final SourceGate<V> gate;
  private final LocalInvalidations invalidations;
  private final CacheMetrics metrics;
  private final LoadOptions options;
  private final LeaseTokens tokens;
  private final BackgroundRefresher refresher;
  private final InvalidationRules rules;
  private final ConsistencyWindow window;

  FleetLoader(
      ValueCodec<V> codec,
      Clock clock,
      L1Tier<V> l1,
      L2Guard l2,
      SourceGate<V> gate,
      LocalInvalidations invalidations,
      CacheMetrics metrics,
      LoadOptions options,
      LeaseTokens tokens,
      BackgroundRefresher refresher,
      InvalidationRules rules,
      ConsistencyWindow window) {
    this.codec = codec;
    this.clock = clock;
    this.l1 = l1;
    this.l2 = l2;
    this.gate = gate;
    this.invalidations = invalidations;
    this.metrics = metrics;
    this.options = options;
    this.tokens = tokens;
    this.refresher = refresher;
    this.rules = rules;
    this.window = window;
  }

  /** Resolves {@code key} below L1; run by one caller per key in this process at a time. */
  Resolved<V> load(CacheClass c, String key) {
    long begin = invalidations.begin();
    long now = clock.millis();
    // Re-check L1: a caller can miss L1, then lose the CPU while another caller's load fills L1
    // and leaves the single-flight; without this it would load a value L1 already has.
    Cached<V> local = recheckL1(c, key, now);
    if (local != null && local.entry().isFreshAt(now)) {
      return new Resolved<>(local, Tier.L1, false);
    }
    Resolved<V> stale = servable(local, Tier.L1, now);
    // A plain GET first: most reads below L1 find a fresh entry, and GET is the cheapest command;
    // the lease script runs only for keys that need a load.
    Object plain = l2.get(key);
    if (plain == L2Guard.NO_ANSWER) {
      return withLease(c, key, null, stale, now);
    }
    if (plain instanceof Entry e && valid(key, c, e) && e.isFreshAt(now)) {
      return l2Hit(c, key, e, now, begin);
    }
    String token = tokens.next();
    Object answer = l2.getOrLease(key, token, options.leaseTime());

    if (answer == L2Guard.NO_ANSWER) {
      return withLease(c, key, null, stale, now);
    }
    LeasedRead read = (LeasedRead) answer;
    Resolved<V> hit = l2Hit(c, key, read.entry(), now, begin);
    if (hit != null) {
      return hit;
    }
    stale = newer(stale, servable(decode(key, c, read.entry()), Tier.L2, now));
    Object claimed = claim(c, key, token, begin, read.lease());
    if (claimed instanceof Resolved<?>) {
      return landed(claimed);
    }
    if (claimed == LeaseState.GRANTED) {
      return withLease(c, key, token, stale, now);
    }
    if (stale != null) {
      metrics.of(c).staleServed("revalidate");
      return stale;
    }
    return awaitOtherLoad(c, key, token);
  }

  @SuppressWarnings("unchecked")
  private Resolved<V> landed(Object resolved) {
    return (Resolved<V>) resolved;
  }

  /**
   * Given the lease state GET_OR_LEASE answered, takes the lease of a key whose stored entry is
   * stale (state NONE). GET_OR_LEASE grants leases only for absent keys, so this is a second step
   * (SET NX), and another node can slip in between: it takes the lease, loads, stores and releases
   * it before our SET NX, which then succeeds on a key that is fresh again. So after winning the
   * lease we read L2 once more; if a fresh entry landed, we give the lease back and serve that
   * entry instead of loading a second time for the same expiry.
   *
   * @return {@link LeaseState#GRANTED}, {@link LeaseState#HELD_ELSEWHERE}, or the {@link Resolved}
   *     L2 hit that landed meanwhile
   */
  private Object claim(CacheClass c, String key, String token, long begin, LeaseState state) {
    if (state != LeaseState.NONE) {
      return state;
    }
    if (!l2.tryLease(key, token, options.leaseTime())) {
      return LeaseState.HELD_ELSEWHERE;
    }
    Object again = l2.get(key);
    if (again instanceof Entry e && valid(key, c, e) && e.isFreshAt(clock.millis())) {
      l2.releaseLease(key, token);
      Resolved<V> hit = l2Hit(c, key, e, clock.millis(), begin);
      if (hit != null) {
        return hit;
      }
    }
    return LeaseState.GRANTED;
  }

  /**
   * Serves stale and refreshes in the background when the class allows it, else loads now. A null
   * token means L2 could not be asked: this node loads alone. When the refresh cannot be queued
   * (one is already queued here, or the queue is full) the lease is given back at once, so other
   * nodes need not wait for it to lapse.
   */
  private Resolved<V> withLease(
      CacheClass c, String key, String token, Resolved<V> stale, long now) {
    if (stale != null && Deadlines.withinRevalidateWindow(c, stale.cached().entry(), now)) {
      metrics.of(c).refresh("revalidate");
      if (!refresher.submit(key, () -> fromSource(c, key, token, null))) {
        l2.releaseLease(key, token);
      }
      metrics.of(c).staleServed("revalidate");
      return stale;
    }
    return fromSource(c, key, token, stale);
  }

  /**
   * Loads from the source through the rate limit and stores the result: under the lease when there
   * is a token (refused when the lease was voided), in L1 alone when L2 could not be asked.
   */
  Resolved<V> fromSource(CacheClass c, String key, String token, Resolved<V> stale) {
    long begin = invalidations.begin();
    long gen = rules.generation(); // before the source is read: later rules void this value
    long now = clock.millis();
    long start = System.nanoTime();
    Loaded<V> loaded;
    try {
      loaded = gate.load(c, key);
    } catch (SourceOverloadedException e) {
      l2.releaseLease(key, token);
      if (stale != null) {
        metrics.of(c).staleServed("overload");
        return stale;
      }
      throw e;
    } catch (LoadFailedException e) {
      l2.releaseLease(key, token);
      if (stale != null && Deadlines.withinErrorWindow(c, stale.cached().entry(), now)) {
        metrics.of(c).staleServed("error");
        return stale;
      }
      throw e;
    }
    Cached<V> cached = toCached(c, key, loaded, now, System.nanoTime() - start, gen);

    if (store(c, key, cached.entry(), token, now)) {
      install(c, key, cached, begin);
    }
    return new Resolved<>(cached, Tier.SOURCE, false);
  }

  /** The entry of a value (or tombstone) read at {@code now} under invalidation {@code gen}. */
  Cached<V> toCached(
      CacheClass c, String key, Loaded<V> loaded, long now, long tookNanos, long gen) {
    if (loaded == null) {
      return new Cached<>(
          Deadlines.newEntry(c, key, null, 0, java.util.Set.of(), now, tookNanos, gen), null);
    }
    Entry e =
        Deadlines.newEntry(
            c,
            key,
            codec.encode(loaded.value()),
            loaded.version(),
            loaded.tags(),
            now,
            tookNanos,
            gen);
    return new Cached<>(e, loaded.value());
  }

  /** The generation new loads are stamped with. */
  long generation() {
    return rules.generation();
  }

  /**
   * The L1 copy of {@code key}, unless a newer invalidation rule voids it (then it is dropped) or
   * the bus has been silent for longer than the class's staleness epsilon (then L1 is not used, see
   * {@link ConsistencyWindow}). A copy found valid is re-stamped with the sequence up to which
   * invalidations were applied in order, so the next check is one comparison and a sliding entry
   * cannot outlive a rule it predates; not with the generation, which can be ahead of rules not yet
   * delivered.
   */
  Cached<V> fromL1(CacheClass c, String key, long now) {
    return fromL1(c, key, now, true);
  }

  /**
   * {@link #fromL1(CacheClass, String, long)} without counting a refusal in {@code
   * tiercache.l1.bypassed}: for a second look at L1 within one read (which counted it the first
   * time), or a look that is not a read (hot-key prefetch).
   */
  Cached<V> recheckL1(CacheClass c, String key, long now) {
    return fromL1(c, key, now, false);
  }

  private Cached<V> fromL1(CacheClass c, String key, long now, boolean countRefusal) {
    if (!c.usesL1()) {
      return null;
    }
    long epsilonMs = c.stalenessEpsilon().toMillis();
    if (countRefusal ? !window.l1Trusted(c, epsilonMs, now) : !window.trusted(epsilonMs, now)) {
      return null;
    }
    return checked(c, key, l1.get(c, key), now);
  }

  /** {@link #fromL1(CacheClass, String, long)} through the lane of the key's class. */
  Cached<V> fromL1(L1Tier.Lane<V> lane, String key, long now) {
    CacheClass c = lane.cls();
    if (lane.cache() == null || !window.l1Trusted(c, lane.stalenessEpsilonMs(), now)) {
      return null;
    }
    return checked(c, key, lane.cache().getIfPresent(key), now);
  }

  /** An L1 copy as it may be served: {@code null} when past its deadlines or invalidated. */
  private Cached<V> checked(CacheClass c, String key, Cached<V> cached, long now) {
    if (cached == null) {
      return null;
    }
    if (!cached.entry().isServableAt(now)) {
      l1.remove(c, key, cached); // past every deadline: L1 keeps no expiry of its own
      return null;
    }
    long gen = rules.generation();
    Entry e = cached.entry();
    if (e.generation() >= gen) {
      return cached;
    }
    if (rules.invalidates(key, c, e)) {
      l1.remove(c, key, cached);
      return null;
    }
    long stamp = Math.min(gen, window.appliedThrough());
    if (stamp <= e.generation()) {
      return cached;
    }
    Cached<V> stamped = new Cached<>(e.withGeneration(stamp), cached.value());
    // Only if still there: an invalidation may have removed it since the get above, and a put
    // would bring it back (PostgresChangeListenerIT caught that).
    l1.replace(c, key, cached, stamped);
    return stamped;
  }

  /** Whether an entry read from L2 is still valid under the invalidation rules. */
  boolean valid(String key, CacheClass c, Entry e) {
    return e != null && !rules.invalidates(key, c, e);
  }

  /** Stores under the lease; whether the entry may also go to L1. */
  private boolean store(CacheClass c, String key, Entry e, String token, long now) {
    if (token == null) {
      return true; // L2 unreachable at the start: L1 only, guarded by LocalInvalidations
    }
    Object stored = l2.putIfLeased(Map.of(key, e), token, now);
    if (stored == L2Guard.NO_ANSWER) {
      return true;
    }
    if (!Boolean.TRUE.equals(((Map<?, ?>) stored).get(key))) {
      metrics.of(c).setsRefused.increment();
      return false;
    }
    return true;
  }

  /**
   * Puts into L1 unless the key was invalidated on this node since {@code begin}; see {@link
   * LocalInvalidations} for why it checks again after the put.
   */
  void install(CacheClass c, String key, Cached<V> cached, long begin) {
    if (!c.usesL1() || invalidations.invalidatedSince(key, begin)) {
      return;
    }
    l1.put(c, key, cached.entry(), cached.value());
    if (invalidations.invalidatedSince(key, begin)) {
      l1.invalidate(c, key);
    }
  }

  /** An L2 entry fresh at {@code now}, copied to L1 with its deadlines; {@code null} otherwise. */
  Resolved<V> l2Hit(CacheClass c, String key, Entry e, long now, long begin) {
    boolean hit = valid(key, c, e) && e.isFreshAt(now);
    metrics.of(c).l2(hit, l2.shardOf(key));
    if (!hit) {
      return null;
    }
    Entry slid = Deadlines.slide(c, key, e, now);
    Cached<V> cached = new Cached<>(slid, e.isAbsent() ? null : codec.decode(e.value()));
    if (slid != e) {
      l2.putAll(Map.of(key, slid), now);
    }
    install(c, key, cached, begin);
    return new Resolved<>(cached, Tier.L2, false);
  }

  /** Waits for the lease holder's value; takes the lease over when it lapses. */
  private Resolved<V> awaitOtherLoad(CacheClass c, String key, String token) {
    CacheMetrics.ClassMeters m = metrics.of(c);
    m.leaseWaits.increment();
    long start = System.nanoTime();
    long deadline = start + options.maxLeaseWait().toNanos();
    long backoff = 1;
    try {
      while (true) {
        sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        long begin = invalidations.begin();
        long now = clock.millis();
        Object answer = l2.getOrLease(key, token, options.leaseTime());
        if (answer == L2Guard.NO_ANSWER) {
          return fromSource(c, key, null, null);
        }
        LeasedRead read = (LeasedRead) answer;
        Resolved<V> hit = l2Hit(c, key, read.entry(), now, begin);
        if (hit != null) {
          return hit;
        }
        Object claimed = claim(c, key, token, begin, read.lease());
        if (claimed instanceof Resolved<?>) {
          return landed(claimed);
        }
        if (claimed == LeaseState.GRANTED) {

          return fromSource(c, key, token, servable(decode(key, c, read.entry()), Tier.L2, now));
        }
        if (System.nanoTime() > deadline) {
          throw new LoadFailedException(
              key,
              new TimeoutException(
                  "waited " + options.maxLeaseWait() + " for another node's load"));
        }
      }
    } finally {
      m.leaseWaitLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /** Refreshes a fresh entry before it expires, if nobody else in the fleet is refreshing it. */
  void refreshEarly(CacheClass c, String key, String trigger, long seenFreshUntil) {
    String token = null;
    if (l2.configured()) {
      token = tokens.next();
      if (!l2.tryLease(key, token, options.leaseTime())) {
        return;
      }
      // Another node may have refreshed already: its readers drew the early refresh too, and its
      // new entry is in L2 while our L1 copy still has the old deadline. Adopt that entry instead
      // of loading again, so the fleet spends one load per expiry, not one per node.
      long begin = invalidations.begin();
      Object stored = l2.get(key);
      if (stored instanceof Entry e && valid(key, c, e) && e.freshUntilMs() > seenFreshUntil) {
        l2.releaseLease(key, token);
        install(c, key, new Cached<>(e, e.isAbsent() ? null : codec.decode(e.value())), begin);
        return;
      }
    }

    metrics.of(c).refresh(trigger);
    fromSource(c, key, token, null);
  }

  /** The L2 entry decoded, or {@code null} when absent or voided by an invalidation rule. */
  Cached<V> decode(String key, CacheClass c, Entry e) {
    if (!valid(key, c, e)) {
      return null;
    }
    return new Cached<>(e, e.isAbsent() ? null : codec.decode(e.value()));
  }

  private static <V> Resolved<V> servable(Cached<V> cached, Tier tier, long now) {
    if (cached == null || !cached.entry().isServableAt(now)) {
      return null;
    }
    return new Resolved<>(cached, tier, true);
  }

  private static <V> Resolved<V> newer(Resolved<V> a, Resolved<V> b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return b.cached().entry().writtenAtMs() > a.cached().entry().writtenAtMs() ? b : a;
  }

  private static void sleep(long millis) {
    try {
      // Backoff between polls of L2 for another node's value: a real pause, not a test wait.
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LoadFailedException("(lease wait)", e);
    }
  }
}
