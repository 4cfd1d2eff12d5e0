package io.tiercache.server.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.TierCacheException;
import io.tiercache.classes.CacheClass;
import io.tiercache.redis.RedisInvalidationBus;
import io.tiercache.server.internal.Namespaces.Namespace;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far each namespace's node has caught up with its invalidation bus, for {@code GET /health}.
 *
 * <p>The library exposes no bus state as an API, so this reads what it does expose: the applied
 * watermark ({@link io.tiercache.TieredCache#invalidationWatermark}), its meters {@code
 * tiercache.bus.silence} (how long the bus has gone unheard with nothing left unread) and {@code
 * tiercache.invalidations.journaled} (invalidations waiting for Redis), both tagged with the
 * namespace, and, on the Redis Streams bus, the watermarks other live nodes beat with. The fleet's
 * highest watermark stands in for the stream's head, which the bus does not expose: a node is
 * behind by at least {@code fleetWatermark - appliedSequence}.
 *
 * <p>"Caught up" is the library's own consistency window: a node that has not heard the bus for
 * longer than a class's {@code staleness_epsilon} stops serving that class from L1 (reads go to L2
 * and the source), so it is still correct, only slower. A namespace is caught up when no class is
 * bypassing L1 for that reason and no invalidation waits in the outage journal.
 */
final class BusHealth {
  /** Silence beyond this means the bus connection is down, not merely idle between polls. */
  private static final long CONNECTED_WITHIN_MS = 2_000;

  private final MeterRegistry registry;
  private final Clock clock;

  BusHealth(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /** The bus state of one namespace; {@code caughtUp} says whether it is healthy. */
  Map<String, Object> of(Namespace ns) {
    long silenceMs = silenceMillis(registry, ns.name());
    long now = clock.millis();
    boolean heard = silenceMs != Long.MAX_VALUE;
    long journaled = journaled(registry, ns.name());
    List<String> bypassed = new ArrayList<>();
    for (CacheClass c : ns.cache().classes().all()) {
      if (!heard || silenceMs > c.stalenessEpsilon().toMillis()) {
        bypassed.add(c.name());
      }
    }
    Collections.sort(bypassed);
    long applied = ns.cache().invalidationWatermark();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", ns.bus() instanceof RedisInvalidationBus ? "redis" : "in-process");
    out.put("connected", heard && silenceMs <= CONNECTED_WITHIN_MS);
    out.put("caughtUp", bypassed.isEmpty() && journaled == 0);
    out.put("appliedSequence", applied);
    out.put("lastHeard", heard ? Instant.ofEpochMilli(now - silenceMs).toString() : null);
    out.put("silenceMs", heard ? silenceMs : null);
    out.put("journaled", journaled);
    out.put("l1BypassedClasses", bypassed);
    if (ns.bus() instanceof RedisInvalidationBus redis) {
      fleet(redis, applied, out);
    }
    return out;
  }

  /** The fleet's watermarks, or null fields when Redis does not answer. */
  private static void fleet(RedisInvalidationBus bus, long applied, Map<String, Object> out) {
    try {
      Map<String, Long> marks = bus.nodeWatermarks();
      long highest = marks.values().stream().mapToLong(Long::longValue).max().orElse(applied);
      out.put("fleetWatermark", highest);
      out.put("behindFleet", Math.max(0, highest - applied));
      out.put("liveNodes", marks.size());
    } catch (TierCacheException unreachable) {
      out.put("fleetWatermark", null);
      out.put("behindFleet", null);
      out.put("liveNodes", null);
    }
    out.put("gaps", bus.gaps());
  }

  /**
   * Milliseconds since the namespace's bus was last heard with nothing left unread, or {@link
   * Long#MAX_VALUE} when it never was. The gauge holds seconds, and an unheard bus's Long.MAX_VALUE
   * milliseconds as a huge number of seconds.
   */
  static long silenceMillis(MeterRegistry registry, String ns) {
    double seconds = gauge(registry, "tiercache.bus.silence", ns, 0);
    if (Double.isNaN(seconds) || seconds * 1000 >= Long.MAX_VALUE / 2.0) {
      return Long.MAX_VALUE;
    }
    return Math.round(seconds * 1000);
  }

  /** Invalidations of the namespace waiting in the outage journal for Redis. */
  static long journaled(MeterRegistry registry, String ns) {
    return (long) gauge(registry, "tiercache.invalidations.journaled", ns, 0);
  }

  private static double gauge(MeterRegistry registry, String name, String ns, double absent) {
    Gauge g = registry.find(name).tag("namespace", ns).gauge();
    return g == null ? absent : g.value();
  }
}
