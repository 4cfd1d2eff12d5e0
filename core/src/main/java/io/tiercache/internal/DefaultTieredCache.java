package io.tiercache.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.CacheLoader;
import io.tiercache.CacheWriter;
import io.tiercache.HotKey;
import io.tiercache.HotKeyOptions;
import io.tiercache.InvalidConfigException;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationDeferredException;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.L2Options;
import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.internal.L1Tier.Cached;
import io.tiercache.spi.Entry;
import io.tiercache.spi.InvalidationAudit;
import io.tiercache.spi.InvalidationBus;
import io.tiercache.spi.RemoteTier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The cache: L1 hits here, everything below L1 in {@link FleetLoader} (one key) and {@link
 * BulkLoader} (many keys), one walk per key at a time in this process ({@link SingleFlight}).
 */
public final class DefaultTieredCache<V> implements TieredCache<V> {
  private final LiveClasses classes;
  private final Clock clock;
  private final ReadClock readClock;
  private final CacheMetrics metrics;
  private final L1Tier<V> l1;
  // What the common L1 hit reads, held here so that each is one hop from this cache: the L1
  // index (L1Tier#indexForReads), whether the read clock is the system clock's sample
  // (ReadClock#samplesSystemClock), and the bus subscription that ConsistencyWindow#trusted
  // judges. Each hop less measured about a tenth of the hit's throughput together (bin/bench l1).
  private final ConcurrentHashMap<String, Cached<V>> l1Index;
  private final boolean systemClock;
  private final InvalidationBus.Subscription subscription;
  private final L2Guard l2;
  private final FleetLoader<V> fleet;
  private final BulkLoader<V> bulk;
  private final BackgroundRefresher refresher;
  private final LocalInvalidations invalidations;
  private final LoadOptions options;
  private final RandomGenerator random;
  private final SingleFlight<Resolved<V>> flights = new SingleFlight<>();
  private final Invalidator invalidator;
  private final InvalidationAudit audit;
  private final HotKeys hotKeys;
  private final WritePath<V> writes;
  private final WritePublisher<V> publisher;
  private final StaleReadSampler<V> sampler;
  private final InvalidationRules rules;
  private final ConsistencyWindow window;
  private final ThreadCounters l1HitCounters; // where every class's L1 hits are counted

  /**
   * The sampling rate when no sampler asks for more (a power of two): sampled hits watch the
   * cache's size and the read clock ({@link #sampled}), so that a pause of the process ends within
   * about this many hits per reading thread ({@link ReadClock}).
   */
  static final int SAMPLE_AT_LEAST_ONE_IN = 64;

  // The L1 hit's sampling (see sampled): one hit in sampleEvery (a power of two) is sampled, and
  // feeds each sampler when the draw's bits for it fall below its threshold.
  private final int sampleEvery;
  private final boolean hotKeysOn;
  private final long staleCheckBelow; // of 2^16

  /** Wiring; use {@link TieredCache#builder}. */
  public DefaultTieredCache(
      ValueCodec<V> codec,
      CacheClasses classes,
      CacheLoader<V> loader,
      RemoteTier remote,
      L2Options l2Options,
      LoadOptions options,
      Clock clock,
      Executor executor,
      MeterRegistry registry,
      RandomGenerator random,
      String nodeId,
      InvalidationBus bus,
      HotKeyOptions hotKeyOptions,
      CacheWriter<V> writer,
      WriteBackOptions writeBack,
      double staleReadSampling,
      InvalidationAudit audit) {
    this.audit = audit;
    this.classes = new LiveClasses(classes);
    this.clock = clock;
    this.readClock = ReadClock.of(clock);
    this.systemClock = readClock.samplesSystemClock();
    this.options = options;
    this.random = random;
    this.metrics = new CacheMetrics(registry);
    this.l1HitCounters = metrics.l1HitCounters();
    this.l1 = new L1Tier<>(classes, executor, metrics, options.refreshAheadFraction());
    this.l1Index = l1.indexForReads();
    this.l2 = new L2Guard(remote, l2Options, metrics);
    this.invalidations = new LocalInvalidations(100_000, Duration.ofMinutes(10));
    // Before any thread starts: opening the journal is what may fail here.
    this.writes = new WritePath<>(writer, loader, writeBack, codec, l2, clock, registry);
    this.refresher = new BackgroundRefresher(options.refreshThreads(), options.refreshQueue());
    LeaseTokens tokens = new LeaseTokens(nodeId);
    this.rules = new InvalidationRules();
    SourceGate<V> gate = new SourceGate<>(writes.loaderOverPending(loader), l2, metrics, options);
    this.invalidator =
        new Invalidator(
            this.classes, l1, l2, invalidations, rules, bus, tokens.node(), clock, metrics);
    this.publisher =
        new WritePublisher<>(l1, l2, invalidations, invalidator, clock, tokens.node(), registry);
    invalidator.onOthersKeyInvalidation(publisher::othersInvalidated);
    this.subscription = invalidator.subscription();
    this.window = new ConsistencyWindow(clock, subscription, metrics);
    this.fleet =
        new FleetLoader<>(
            codec,
            clock,
            l1,
            l2,
            gate,
            invalidations,
            metrics,
            options,
            tokens,
            refresher,
            rules,
            window);
    this.sampler = new StaleReadSampler<>(staleReadSampling, gate, metrics, clock);
    this.hotKeys =
        new HotKeys(
            hotKeyOptions,
            l2,
            clock,
            this::presentInL1,
            key -> refresher.submit("hot:" + key, () -> lookup(key)));
    this.sampleEvery = sampleEvery(hotKeys.sampleOneIn(), sampler.fraction());
    this.hotKeysOn = hotKeyOptions.enabled();
    this.staleCheckBelow = (long) Math.ceil(sampler.fraction() * sampleEvery * 0x1_0000L);
    this.bulk =
        new BulkLoader<>(this.classes, clock, l1, l2, gate, fleet, invalidations, options, tokens);
    writes.republishReplayed(this);
  }

  /**
   * {@inheritDoc}
   *
   * <p>An L1 hit here builds no {@link Lookup}: it is the hot path, measured against raw Caffeine.
   */
  @Override
  public V get(String key) {
    // The common hit, kept small so that callers can inline it: an indexed copy that needs no
    // exact clock, slide, refresh or re-check. Everything else, and a null or empty key, goes on.
    Cached<V> inL1 = key == null ? null : l1Index.get(key);
    if (inL1 != null) {
      L1Tier.Lane<V> lane = inL1.lane();
      long now = systemClock ? ReadClock.systemSample() : readClock.millis();
      if (lane.current() && servesAsIs(lane, inL1, now)) {
        boolean countsEach = lane.countsEachHit(); // read once: the hit is counted one way
        if (countsEach) {
          l1HitCounters.cell().increment(lane.hitSlot());
        }
        if (lane.nearBound()) {
          lane.touch(key); // the policy may evict soon: it sees every hit (see Lane#nearBound)
        }
        // Sampled independently per hit, from the thread's own generator (no state of ours to
        // look up): see sampled.
        if ((ThreadLocalRandom.current().nextInt() & (sampleEvery - 1)) == 0) {
          sampled(lane, key, inL1, now, countsEach);
        }
        return inL1.value();
      }
    }
    return getPast(key);
  }

  /** {@link #get} past the common hit: L1 through the key's class, then below L1. */
  private V getPast(String key) {
    L1Tier.Lane<V> lane = laneOfRead(key);
    Cached<V> hit = l1Hit(lane, key);
    if (hit != null) {
      return hit.value();
    }
    Cached<V> cached = belowL1(lane.cls(), key).cached();
    return cached == null ? null : cached.value();
  }

  /**
   * What a sampled L1 hit does, one hit in {@link #sampleEvery}. It adds {@code sampleEvery} to the
   * class's hit count when hits are estimated rather than counted each ({@link HitRate}), and looks
   * at the class's hit rate; it feeds hot-key detection (one hit in {@link HotKeys#hitsPerSample}
   * of the class's rate) and the stale-read sampler (its fraction), each with the chance that makes
   * its overall rate the one it asks for, each taking its own bits of one draw; it looks at how
   * full the class's cache is ({@link L1Tier.Lane#notePressure}) and brings the read clock up to
   * date if its sampling thread fell behind ({@link ReadClock#catchUp}).
   */
  private void sampled(
      L1Tier.Lane<V> lane, String key, Cached<V> inL1, long now, boolean countedEach) {
    readClock.catchUp(); // after a pause of the process, before the sampling thread runs again
    if (!countedEach) {
      l1HitCounters.cell().add(lane.hitSlot(), sampleEvery);
    }
    lane.checkHitRate(now);
    lane.notePressure();
    long draw = ThreadLocalRandom.current().nextLong();
    if (hotKeysOn) {
      // One sampled hit in every/sampleEvery (powers of two) feeds it, standing for every hits.
      long every = hotKeys.hitsPerSample(lane.hitsPerSecond());
      if ((draw & (every / sampleEvery - 1)) == 0) {
        hotKeys.offer(key, every);
      }
    }
    if ((draw >>> 48) < staleCheckBelow) {
      sampler.submit(lane.cls(), key, Tier.L1, inL1.entry(), now);
    }
  }

  /**
   * How often an L1 hit is sampled: as often as the most frequent of the samplers it feeds needs,
   * and at least one hit in {@link #SAMPLE_AT_LEAST_ONE_IN}; a power of two, so that each sampled
   * hit stands for exactly that many in an estimated count.
   */
  private static int sampleEvery(int hotKeyOneIn, double staleFraction) {
    int every = Math.min(SAMPLE_AT_LEAST_ONE_IN, hotKeyOneIn);
    if (staleFraction > 0) {
      every = (int) Math.min(every, Math.max(1, Math.floor(1 / staleFraction)));
    }
    return Integer.highestOneBit(Math.max(1, every));
  }

  /**
   * Whether {@code inL1}, the L1 copy of a key of {@code lane}'s class, is served at {@code now}
   * with nothing more to do: fresh for longer than the lane's margin and with no early refresh
   * possible (its serve-as-is deadline, {@link Cached#asIsUntilMs}), not invalidated by a rule
   * newer than it, and the bus current enough for the class (DESIGN invariant 1). Otherwise the
   * copy goes through {@link #l1Hit}, which decides the same things with the exact clock and does
   * what they call for.
   */
  private boolean servesAsIs(L1Tier.Lane<V> lane, Cached<V> inL1, long now) {
    return now < inL1.asIsUntilMs
        && inL1.generation >= rules.generation()
        && ConsistencyWindow.trusted(
            subscription.lastHeardMillis(), lane.stalenessEpsilonMs(), now);
  }

  @Override
  public Lookup<V> lookup(String key) {
    L1Tier.Lane<V> lane = laneOfRead(key);
    Cached<V> hit = l1Hit(lane, key);
    if (hit != null) {
      return toLookup(key, lane.cls(), new Resolved<>(hit, Tier.L1, false));
    }
    return toLookup(key, lane.cls(), belowL1(lane.cls(), key));
  }

  /** The lane of a key being read, after the read is counted for hot-key detection. */
  private L1Tier.Lane<V> laneOfRead(String key) {
    requireKey(key);
    hotKeys.record(key);
    return l1.laneOf(key);
  }

  /**
   * A fresh L1 copy of {@code key}, read through its class's cache (recorded in the eviction
   * policy: every read off the common path is), counted as an L1 hit and offered to the sampler; or
   * null.
   */
  private Cached<V> l1Hit(L1Tier.Lane<V> lane, String key) {
    if (lane.cache() == null) {
      return null;
    }
    CacheClass c = lane.cls();
    long now = readClock.millis();
    Cached<V> hit = fresh(c, key, fleet.fromL1(lane, key, now), now);
    if (hit != null && !l1.indexed(lane, key, hit)) {
      l1.restamp(lane, key, hit); // stored under earlier classes, or not indexed: fast from now on
    }
    if (hit != null) {
      lane.meters().l1Hits.increment();
      sampler.served(c, key, Tier.L1, hit.entry(), now);
    }
    return hit;
  }

  /** An L1 miss: one walk below L1 per key at a time in this process. */
  private Resolved<V> belowL1(CacheClass c, String key) {
    CacheMetrics.ClassMeters m = metrics.of(c);
    if (c.usesL1()) {
      m.l1Misses.increment();
    }
    Cached<V> mine = publisher.pendingWrite(key);
    if (mine != null) {
      return new Resolved<>(mine, Tier.L1, false); // this node's own write, not yet in L2
    }
    Resolved<V> r = flights.execute(key, () -> fleet.load(c, key), m.coalesced::increment);
    if (r.tier() == Tier.L2 && !r.stale()) {
      maybeRefreshEarly(c, key, r.cached().entry(), clock.millis());
    }
    if (r.tier() != Tier.SOURCE && r.cached() != null) {
      sampler.served(c, key, r.tier(), r.cached().entry(), clock.millis());
    }
    return r;
  }

  @Override
  public Map<String, V> getAll(Collection<String> keys) {
    Map<String, V> result = new LinkedHashMap<>();
    Set<String> missing = new LinkedHashSet<>();
    long now = clock.millis();
    for (String key : keys) {
      requireKey(key);
      hotKeys.record(key);
      CacheClass c = classes.resolve(key);
      Cached<V> hit = c.usesL1() ? freshInL1(c, key, now) : null;
      if (hit != null) {
        metrics.of(c).l1Hits.increment();
        if (hit.value() != null) {
          result.put(key, hit.value());
        }
      } else {
        if (c.usesL1()) {
          metrics.of(c).l1Misses.increment();
        }
        Cached<V> mine = publisher.pendingWrite(key);
        if (mine != null) {
          result.put(key, mine.value());
        } else {
          missing.add(key);
        }
      }
    }
    if (!missing.isEmpty()) {
      Map<String, Resolved<V>> found = flights.executeAll(missing, bulk::load, () -> {});
      for (String key : missing) {
        Resolved<V> r = found.get(key);
        if (r != null && r.cached() != null && r.cached().value() != null) {
          result.put(key, r.cached().value());
        }
      }
    }
    return result;
  }

  @Override
  public void put(String key, V value, long version) {
    requireKey(key);
    Objects.requireNonNull(value, "value");
    CacheClass c = classes.resolve(key);
    long now = clock.millis();
    Cached<V> cached =
        fleet.toCached(c, key, Loaded.of(value, version), now, 0, fleet.generation());
    // As a published write, on this thread: a failed L2 put deletes and invalidates the key
    // instead, and a version older than L2's is not kept in L1.
    publisher.publishNow(c, key, cached);
  }

  /**
   * Makes a write the source took visible: in L1 at once, in L2 and on the other nodes from the
   * key's publication lane (see {@link WritePublisher}).
   */
  void publishWrite(CacheClass c, String key, V value, long version) {
    Cached<V> cached =
        fleet.toCached(c, key, Loaded.of(value, version), clock.millis(), 0, fleet.generation());
    publisher.publish(c, key, cached);
  }

  /**
   * Waits until every write of {@code key} handed to its publication lane is in L2 and announced.
   */
  void awaitPublished(String key) {
    publisher.awaitPublished(key);
  }

  /**
   * Drops this node's L1 copy of {@code key}, and refuses loads in flight their install, without
   * telling L2 or other nodes (a write-once claim showed the copy was outdated).
   */
  void forgetLocally(String key) {
    invalidator.dropLocally(List.of(key));
  }

  @Override
  public long write(String key, V value) {
    requireKey(key);
    Objects.requireNonNull(value, "value");
    return writes.write(this, classes.resolve(key), key, value);
  }

  @Override
  public void delete(String key) {
    requireKey(key);
    writes.delete(this, classes.resolve(key), key);
  }

  @Override
  public void invalidate(String key) {
    requireKey(key);
    // A write of the key still on its lane would put its value in L2 after this invalidation.
    publisher.awaitPublished(key);
    try {
      audit(invalidator.invalidate(InvalidationRequest.key(key)));
    } catch (InvalidationDeferredException journaled) {
      // Applied here and replayed to L2 and the bus when Redis is back (DESIGN invariant 6).
    }
  }

  @Override
  public Invalidation invalidate(InvalidationRequest request) {
    Objects.requireNonNull(request, "request");
    if (request.scope() == InvalidationScope.CLASS
        && classes.get().byName(request.values().get(0)).isEmpty()) {
      throw new InvalidConfigException(
          "class", "no cache class is named '" + request.values().get(0) + "'");
    }
    if (request.scope() == InvalidationScope.KEY || request.scope() == InvalidationScope.KEYS) {
      request.values().forEach(publisher::awaitPublished);
    }
    return audit(invalidator.invalidate(request));
  }

  /** Records an issued invalidation (DESIGN invariant 10); a failing audit never undoes it. */
  private Invalidation audit(Invalidation inv) {
    if (audit != null && inv != null) {
      try {
        audit.record(inv);
      } catch (RuntimeException e) {
        metrics.auditFailure();
        org.slf4j.LoggerFactory.getLogger(DefaultTieredCache.class)
            .warn(
                "recording invalidation {} in the audit failed: {}", inv.sequence(), e.toString());
      }
    }
    return inv;
  }

  @Override
  public long invalidationWatermark() {
    return invalidator.watermark();
  }

  @Override
  public List<HotKey> hotKeys() {
    return hotKeys.current();
  }

  /** Whether L1 has a fresh copy of {@code key}, or its class keeps none (no prefetch then). */
  private boolean presentInL1(String key) {
    CacheClass c = classes.resolve(key);
    long now = clock.millis();
    Cached<V> cached = fleet.recheckL1(c, key, now); // null for a class without L1
    return !c.usesL1() || (cached != null && cached.entry().isFreshAt(now));
  }

  /** For tests in this package: runs one hot-key round now. */
  void hotKeyRound() {
    hotKeys.round();
  }

  /**
   * For tests in this package: how many L1 hits one hot-key sample of {@code key}'s class stands
   * for at the class's last measured rate.
   */
  long hotKeySamplePeriod(String key) {
    return hotKeys.hitsPerSample(l1.laneOf(key).hitsPerSecond());
  }

  @Override
  public CacheClasses classes() {
    return classes.get();
  }

  @Override
  public void updateClasses(CacheClasses next) {
    Objects.requireNonNull(next, "classes");
    synchronized (classes) {
      l1.reconfigure(next);
      classes.set(next);
    }
  }

  @Override
  public CacheClass classOf(String key) {

    requireKey(key);
    return classes.resolve(key);
  }

  @Override
  public void close() {
    writes.close(); // first: flushing write-back needs nothing else, and writes stop here
    publisher.close(); // then the publications queued: they need L2 and the bus
    hotKeys.close();
    sampler.close();
    invalidator.close();
    refresher.close();
    l2.close();
    readClock.close();
  }

  /** The L1 copy of {@code key} when it is fresh at {@code now}; slides and refreshes early. */
  private Cached<V> freshInL1(CacheClass c, String key, long now) {
    return fresh(c, key, fleet.fromL1(c, key, now), now);
  }

  /** {@code cached} if it is fresh at {@code now}, slid and refreshed early; or null. */
  private Cached<V> fresh(CacheClass c, String key, Cached<V> cached, long now) {
    if (cached == null) {
      return null;
    }
    now = readClock.exactNear(cached.entry().freshUntilMs(), now);
    if (!cached.entry().isFreshAt(now)) {
      return null;
    }
    Entry slid = Deadlines.slide(c, key, cached.entry(), now);
    if (slid != cached.entry()) {
      Cached<V> found = cached;
      cached = new Cached<>(slid, cached.value());
      l1.replace(c, key, found, cached); // not over a concurrent invalidation
      l2.putAll(Map.of(key, slid), now);
    }
    maybeRefreshEarly(c, key, cached.entry(), now);
    return cached;
  }

  private void maybeRefreshEarly(CacheClass c, String key, Entry e, long now) {
    if (c.refreshStrategy() == io.tiercache.classes.RefreshStrategy.NONE
        || !Deadlines.mayBeDue(c, e, now)) {
      return; // no draw needed: nothing could be due
    }
    double r = random != null ? random.nextDouble() : ThreadLocalRandom.current().nextDouble();

    double u = 1.0 - r; // in (0, 1]: ln(u) is finite
    if (Deadlines.dueForRefresh(c, e, now, u, options.refreshAheadFraction())) {
      String trigger =
          c.refreshStrategy() == io.tiercache.classes.RefreshStrategy.EARLY_PROBABILISTIC
              ? "early"
              : "ahead";
      long seen = e.freshUntilMs();
      refresher.submit(key, () -> fleet.refreshEarly(c, key, trigger, seen));
    }
  }

  private Lookup<V> toLookup(String key, CacheClass c, Resolved<V> r) {
    Cached<V> cached = r.cached();
    if (cached == null || cached.value() == null) {
      Instant now = clock.instant();
      return new Lookup<>(key, null, r.tier(), r.stale(), 0, now, now, Set.of(), c);
    }
    Entry e = cached.entry();
    return new Lookup<>(
        key,
        cached.value(),
        r.tier(),
        r.stale(),
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

  /** For tests in this package: the L1 tier. */
  L1Tier<V> l1() {
    return l1;
  }

  /** For tests in this package: runs L1's pending maintenance. */
  void cleanUpL1() {
    l1.cleanUp();
  }

  /** For tests in this package: the write-back engine, or {@code null}. */
  WriteBack<V> writeBack() {
    return writes.writeBack();
  }

  /** For tests in this package: whether no background refresh is queued or running. */
  boolean refresherIdle() {
    return refresher.idle();
  }
}
