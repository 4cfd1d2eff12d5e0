package io.tiercache.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.jdbc.CacheClassStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every namespace's cache on the classes of the {@code cache_class} table. A change through
 * this node's API is applied here at once; every node also polls the table's revision (one row, one
 * read) each interval and reloads when it moved, so a change made on any node reaches all of them
 * within an interval or two.
 *
 * <p>A table that cannot be read or holds an invalid row is logged and counted; the classes in
 * force stay, so a bad edit by hand never takes a node down.
 */
public final class ClassSync {
  private static final Logger log = LoggerFactory.getLogger(ClassSync.class);

  private final CacheClassStore store;
  private final Namespaces namespaces;
  private final Counter reloads;
  private final Counter failures;
  private long applied = -1; // guarded by this: the revision whose classes are in force
  private volatile CacheClasses current;
  private final MeterRegistry registry;
  // Rate limits per class name, exported so alerts can compare loads with them; a removed class
  // reads NaN (Prometheus drops the sample).
  private final Map<String, Double> rateLimits = new ConcurrentHashMap<>();

  public ClassSync(
      CacheClassStore store, Namespaces namespaces, CacheClasses initial, MeterRegistry registry) {
    this.store = store;
    this.namespaces = namespaces;
    this.current = initial;
    this.registry = registry;
    exportRateLimits(initial);
    this.reloads = Counter.builder("tiercache.classes.reloads").register(registry);
    this.failures = Counter.builder("tiercache.classes.reload.failures").register(registry);
  }

  /** The classes in force. */
  public CacheClasses current() {
    return current;
  }

  /** The revision of the table whose classes are in force. */
  public synchronized long revision() {
    return applied;
  }

  private void exportRateLimits(CacheClasses classes) {
    rateLimits.replaceAll((name, limit) -> Double.NaN);
    for (CacheClass c : classes.all()) {
      if (rateLimits.put(c.name(), c.sourceRateLimit().perSecond()) == null) {
        Gauge.builder(
                "tiercache.class.source.rate.limit",
                rateLimits,
                m -> m.getOrDefault(c.name(), Double.NaN))
            .description("the class's fleet-wide source rate limit in loads/s (0: unlimited)")
            .tag("class", c.name())
            .register(registry);
      }
    }
  }

  /** Reloads when the table's revision moved; called every poll interval. */
  public synchronized void poll() {
    try {
      // Revision first, then rows: a change in between is seen again at the next poll, not lost.
      long revision = store.revision();
      if (revision != applied) {
        CacheClasses next = store.load();
        namespaces.updateClasses(next);
        current = next;
        applied = revision;
        exportRateLimits(next);
        reloads.increment();
        log.info(
            "cache classes at revision {}: {}",
            revision,
            next.all().stream().map(c -> c.name()).toList());
      }
    } catch (RuntimeException e) {
      failures.increment();
      log.warn("reloading cache classes failed; keeping those in force: {}", e.toString());
    }
  }
}
