package io.tiercache.internal;

import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tiercache.classes.CacheClass;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cache's meters, per class, tier and (for L2) shard. Meters are looked up once and kept, so a
 * read costs a few adder increments, not a registry lookup.
 *
 * <p>Names: {@code tiercache.gets{class,tier,result[,shard]}}, {@code
 * tiercache.loads{class,outcome}}, {@code tiercache.load.latency{class}}, {@code
 * tiercache.loads.coalesced{class}}, {@code tiercache.l1.evictions{class,cause}}, {@code
 * tiercache.l2.errors{kind,shard}} and the gauges {@code tiercache.l1.size}, {@code
 * tiercache.l1.weight}, {@code tiercache.l2.breaker.state}.
 */
public final class CacheMetrics {
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, ClassMeters> byClass = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> l2Errors = new ConcurrentHashMap<>();

  public CacheMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  // The L1-hit counters of every registry, by class: caches sharing a registry share the counter,
  // so their hits add up in one meter as their other counters do.
  private static final Map<MeterRegistry, L1Hits> L1_HITS =
      Collections.synchronizedMap(new WeakHashMap<>());

  /** A registry's L1-hit counters: one set, and its counter of each class. */
  private record L1Hits(ThreadCounters counters, Map<String, ThreadCounters.Counter> byClass) {}

  private static L1Hits l1Hits(MeterRegistry registry) {
    return L1_HITS.computeIfAbsent(
        registry, r -> new L1Hits(new ThreadCounters(), new HashMap<>()));
  }

  /**
   * The hit path's counter of a class: a function counter over per-thread cells (ThreadCounters
   * says why), one per registry and class. Micrometer keeps the first meter registered under an id,
   * so the counter is shared rather than registered twice. Registries that forward to one another
   * (a composite per cache over a shared one) need a tag of their own per cache, as gauges do.
   */
  private static ThreadCounters.Counter l1HitCounter(MeterRegistry registry, String className) {
    synchronized (L1_HITS) {
      L1Hits hits = l1Hits(registry);
      ThreadCounters.Counter counter = hits.byClass().get(className);
      if (counter == null) {
        counter = hits.counters().newCounter();
        hits.byClass().put(className, counter);
        FunctionCounter.builder("tiercache.gets", counter, ThreadCounters.Counter::count)
            .description("reads per tier and result")
            .tag("class", className)
            .tag("tier", "l1")
            .tag("result", "hit")
            .register(registry);
      }
      return counter;
    }
  }

  /**
   * The set that the L1-hit counters of this registry's classes belong to: the hit path finds its
   * cell there, and counts at the slot of the class's {@link ClassMeters#l1Hits}.
   */
  ThreadCounters l1HitCounters() {
    synchronized (L1_HITS) {
      return l1Hits(registry).counters();
    }
  }

  ClassMeters of(CacheClass c) {
    ClassMeters m = byClass.get(c.name()); // the hot path: no capturing lambda per read
    return m != null ? m : byClass.computeIfAbsent(c.name(), ClassMeters::new);
  }

  void auditFailure() {
    Counter.builder("tiercache.audit.failures")
        .description("invalidations that could not be recorded in the audit")
        .register(registry)
        .increment();
  }

  void l2Error(String kind, String shard) {
    l2Errors
        .computeIfAbsent(
            kind + '/' + shard,
            k ->
                Counter.builder("tiercache.l2.errors")
                    .description(
                        "L2 operations that failed, timed out or were refused by the breaker")
                    .tag("kind", kind)
                    .tag("shard", shard)
                    .register(registry))
        .increment();
  }

  /** The meters of one class. */
  final class ClassMeters {
    private final String className;
    final ThreadCounters.Counter l1Hits;
    final Counter l1Misses;
    final Counter loadsSuccess;
    final Counter loadsAbsent;
    final Counter loadsFailed;
    final Counter coalesced;
    final Counter overloaded;
    final Counter setsRefused;
    final Counter leaseWaits;
    final Timer leaseWaitLatency;
    final Timer loadLatency;
    private final ConcurrentHashMap<String, Counter> staleServed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> refreshes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> l2ByShard = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<RemovalCause, Counter> evictions = new ConcurrentHashMap<>();

    private ClassMeters(String className) {
      this.className = className;
      l1Hits = l1HitCounter(registry, className);
      l1Misses = gets("l1", "miss");
      loadsSuccess = loads("success");
      loadsAbsent = loads("absent");
      loadsFailed = loads("failure");
      coalesced =
          Counter.builder("tiercache.loads.coalesced")
              .description("callers who waited for another caller's load instead of loading")
              .tag("class", className)
              .register(registry);
      overloaded =
          Counter.builder("tiercache.loads.overloaded")
              .description("loads refused because the class's source rate limit was spent")
              .tag("class", className)
              .register(registry);
      setsRefused =
          Counter.builder("tiercache.sets.refused")
              .description("loaded values not stored because a write or invalidation came first")
              .tag("class", className)
              .register(registry);
      leaseWaits =
          Counter.builder("tiercache.lease.waits")
              .description("callers who waited for another node's load")
              .tag("class", className)
              .register(registry);
      leaseWaitLatency =
          Timer.builder("tiercache.lease.wait.latency")
              .description("how long callers waited for another node's load")
              .tag("class", className)
              .publishPercentiles(0.5, 0.99)
              .register(registry);
      loadLatency =
          Timer.builder("tiercache.load.latency")
              .description("time the source took per load call")
              .tag("class", className)
              .publishPercentiles(0.5, 0.9, 0.99, 0.999)
              .register(registry);
    }

    void l2(boolean hit, String shard) {
      l2ByShard
          .computeIfAbsent(
              (hit ? "hit/" : "miss/") + shard,
              k ->
                  Counter.builder("tiercache.gets")
                      .tag("class", className)
                      .tag("tier", "l2")
                      .tag("result", hit ? "hit" : "miss")
                      .tag("shard", shard)
                      .register(registry))
          .increment();
    }

    /** A stale value was served; reason is revalidate, error or overload. */
    void staleServed(String reason) {
      tagged(staleServed, "tiercache.stale.served", "reason", reason).increment();
    }

    /** A background refresh was started; trigger is revalidate, early or ahead. */
    void refresh(String trigger) {
      tagged(refreshes, "tiercache.refreshes", "trigger", trigger).increment();
    }

    private Counter tagged(
        ConcurrentHashMap<String, Counter> cache, String name, String tag, String value) {
      return cache.computeIfAbsent(
          value, v -> Counter.builder(name).tag("class", className).tag(tag, v).register(registry));
    }

    void eviction(RemovalCause cause) {
      evictions
          .computeIfAbsent(
              cause,
              c ->
                  Counter.builder("tiercache.l1.evictions")
                      .tag("class", className)
                      .tag("cause", c.name().toLowerCase(Locale.ROOT))
                      .register(registry))
          .increment();
    }

    private Counter gets(String tier, String result) {
      return Counter.builder("tiercache.gets")
          .description("reads per tier and result")
          .tag("class", className)
          .tag("tier", tier)
          .tag("result", result)
          .register(registry);
    }

    private Counter loads(String outcome) {
      return Counter.builder("tiercache.loads")
          .description("keys loaded from the source")
          .tag("class", className)
          .tag("outcome", outcome)
          .register(registry);
    }
  }
}
