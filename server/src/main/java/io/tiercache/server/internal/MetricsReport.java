package io.tiercache.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The JSON of {@code GET /cache-metrics}: the cache's meters (names in {@code
 * io.tiercache.internal.CacheMetrics}) folded per namespace and class, with hit ratios and load
 * latency percentiles, plus L2's memory and the edge's purges. Counts are totals since start; the
 * dashboard turns them into rates.
 *
 * <p>A class's requests are its L1 reads (its L2 reads when it skips L1); hits are L1 hits plus L2
 * hits; everything else was loaded, or waited for a load, from the source.
 */
public final class MetricsReport {
  private final MeterRegistry registry;
  private final RedisInfo redis;
  private final String nodeId;
  private final Clock clock;

  public MetricsReport(MeterRegistry registry, RedisInfo redis, String nodeId, Clock clock) {
    this.registry = registry;
    this.redis = redis;
    this.nodeId = nodeId;
    this.clock = clock;
  }

  /** The report. */
  public Map<String, Object> report() {
    Map<String, Map<String, ClassFigures>> byNs = new TreeMap<>();
    Map<String, Map<String, Double>> invalidations = new TreeMap<>();
    double edgeOk = 0;
    double edgeFailed = 0;
    double breaker = -1;
    double l2Errors = 0;
    for (Meter m : registry.getMeters()) {
      String name = m.getId().getName();
      String ns = m.getId().getTag("namespace");
      String cls = m.getId().getTag("class");
      if (name.equals("tiercache.invalidations") && ns != null) {
        invalidations
            .computeIfAbsent(ns, k -> new TreeMap<>())
            .merge(m.getId().getTag("scope"), count(m), Double::sum);
      } else if (name.equals("tiercache.edge.purges")) {
        if ("ok".equals(m.getId().getTag("result"))) {
          edgeOk += count(m);
        } else {
          edgeFailed += count(m);
        }
      } else if (name.equals("tiercache.l2.breaker.state") && m instanceof Gauge g) {
        breaker = Math.max(breaker, g.value());
      } else if (name.equals("tiercache.l2.errors")) {
        l2Errors += count(m);
      } else if (ns != null && cls != null && name.startsWith("tiercache.")) {
        byNs.computeIfAbsent(ns, k -> new TreeMap<>())
            .computeIfAbsent(cls, k -> new ClassFigures())
            .add(m);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", nodeId);
    out.put("generatedAt", clock.instant().toString());
    ClassFigures total = new ClassFigures();
    Map<String, Object> namespaces = new LinkedHashMap<>();
    byNs.forEach(
        (ns, classes) -> {
          Map<String, Object> c = new LinkedHashMap<>();
          classes.forEach(
              (name, f) -> {
                c.put(name, f.toJson());
                total.merge(f);
              });
          Map<String, Object> nsOut = new LinkedHashMap<>();
          nsOut.put("classes", c);
          nsOut.put("invalidations", invalidations.getOrDefault(ns, Map.of()));
          nsOut.put("bus", bus(ns));
          namespaces.put(ns, nsOut);
        });
    out.put("namespaces", namespaces);
    Map<String, Object> totals = total.toJson();
    totals.put(
        "invalidations",
        invalidations.values().stream()
            .flatMap(v -> v.values().stream())
            .mapToDouble(d -> d)
            .sum());
    out.put("totals", totals);
    Map<String, Object> l2 = new LinkedHashMap<>();
    l2.put("configured", redis != null);
    l2.put("breaker", breakerName(breaker));
    l2.put("errors", (long) l2Errors);
    if (redis != null) {
      l2.putAll(redis.memory());
    }
    out.put("l2", l2);
    out.put("edge", Map.of("purgesOk", (long) edgeOk, "purgesFailed", (long) edgeFailed));
    return out;
  }

  /**
   * The namespace's bus lag, read as {@code /health} reads it ({@link BusHealth}): seconds since it
   * was last heard with nothing unread ({@code null} when never), and invalidations journaled.
   */
  private Map<String, Object> bus(String ns) {
    long silenceMs = BusHealth.silenceMillis(registry, ns);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("silenceSeconds", silenceMs == Long.MAX_VALUE ? null : silenceMs / 1000.0);
    out.put("journaled", BusHealth.journaled(registry, ns));
    return out;
  }

  private static String breakerName(double code) {
    return switch ((int) code) {
      case 0 -> "closed";
      case 1 -> "open";
      case 2 -> "half_open";
      default -> "none";
    };
  }

  private static double count(Meter m) {
    if (m instanceof FunctionCounter f) {
      return f.count(); // L1 hits
    }
    return m instanceof Counter c ? c.count() : 0;
  }

  /** The figures of one class, summed over the meters that carry its tag. */
  private static final class ClassFigures {
    double l1Hits, l1Misses, l2Hits, l2Misses;
    double loadsSuccess, loadsAbsent, loadsFailed, overloaded;
    double evictions, coalesced, leaseWaits, l1Size, l1Bytes, setsRefused;
    final Map<String, Double> staleServed = new TreeMap<>();
    // L2 hits and misses per shard (the cache tags L2 reads with the shard that answered).
    final Map<String, double[]> l2ByShard = new TreeMap<>();
    Timer latency;

    void add(Meter m) {
      String name = m.getId().getName();
      String tier = m.getId().getTag("tier");
      boolean hit = "hit".equals(m.getId().getTag("result"));
      double v = count(m);
      switch (name) {
        case "tiercache.gets" -> {
          if ("l1".equals(tier)) {
            if (hit) l1Hits += v;
            else l1Misses += v;
          } else {
            if (hit) {
              l2Hits += v;
            } else {
              l2Misses += v;
            }
            String shard = m.getId().getTag("shard");
            if (shard != null) {
              l2ByShard.computeIfAbsent(shard, k -> new double[2])[hit ? 0 : 1] += v;
            }
          }
        }
        case "tiercache.loads" -> {
          switch (String.valueOf(m.getId().getTag("outcome"))) {
            case "success" -> loadsSuccess += v;
            case "absent" -> loadsAbsent += v;
            default -> loadsFailed += v;
          }
        }
        case "tiercache.loads.overloaded" -> overloaded += v;
        case "tiercache.loads.coalesced" -> coalesced += v;
        case "tiercache.lease.waits" -> leaseWaits += v;
        case "tiercache.sets.refused" -> setsRefused += v;
        case "tiercache.l1.evictions" -> evictions += v;
        case "tiercache.stale.served" ->
            staleServed.merge(String.valueOf(m.getId().getTag("reason")), v, Double::sum);
        case "tiercache.l1.size" -> l1Size += ((Gauge) m).value();
        case "tiercache.l1.weight" -> l1Bytes += ((Gauge) m).value();
        case "tiercache.load.latency" -> latency = (Timer) m;
        default -> {}
      }
    }

    void merge(ClassFigures o) {
      l1Hits += o.l1Hits;
      l1Misses += o.l1Misses;
      l2Hits += o.l2Hits;
      l2Misses += o.l2Misses;
      loadsSuccess += o.loadsSuccess;
      loadsAbsent += o.loadsAbsent;
      loadsFailed += o.loadsFailed;
      overloaded += o.overloaded;
      evictions += o.evictions;
      coalesced += o.coalesced;
      leaseWaits += o.leaseWaits;
      setsRefused += o.setsRefused;
      l1Size += o.l1Size;
      l1Bytes += o.l1Bytes;
      o.staleServed.forEach((k, v) -> staleServed.merge(k, v, Double::sum));
      o.l2ByShard.forEach(
          (k, v) -> {
            double[] sum = l2ByShard.computeIfAbsent(k, x -> new double[2]);
            sum[0] += v[0];
            sum[1] += v[1];
          });
    }

    Map<String, Object> toJson() {
      double requests = l1Hits + l1Misses > 0 ? l1Hits + l1Misses : l2Hits + l2Misses;
      double hits = l1Hits + l2Hits;
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("requests", (long) requests);
      out.put("hits", (long) hits);
      out.put("misses", (long) Math.max(0, requests - hits));
      out.put("hitRatio", requests > 0 ? hits / requests : null);
      Map<String, Object> shards = new LinkedHashMap<>();
      l2ByShard.forEach(
          (shard, v) -> shards.put(shard, Map.of("hits", (long) v[0], "misses", (long) v[1])));
      out.put(
          "tiers",
          Map.of(
              "l1", Map.of("hits", (long) l1Hits, "misses", (long) l1Misses),
              "l2", Map.of("hits", (long) l2Hits, "misses", (long) l2Misses, "shards", shards)));
      Map<String, Object> loads = new LinkedHashMap<>();
      loads.put("total", (long) (loadsSuccess + loadsAbsent + loadsFailed));
      loads.put("success", (long) loadsSuccess);
      loads.put("absent", (long) loadsAbsent);
      loads.put("failed", (long) loadsFailed);
      loads.put("overloaded", (long) overloaded);
      out.put("loads", loads);
      if (latency != null) {
        out.put("loadLatencyMs", latency(latency));
      }
      out.put("evictions", (long) evictions);
      Map<String, Object> stale = new LinkedHashMap<>();
      staleServed.forEach((k, v) -> stale.put(k, v.longValue()));
      out.put("staleServed", stale);
      out.put("staleServedTotal", (long) staleServed.values().stream().mapToDouble(d -> d).sum());
      out.put("coalescedWaiters", (long) coalesced);
      out.put("leaseWaits", (long) leaseWaits);
      out.put("setsRefused", (long) setsRefused);
      out.put("l1", Map.of("size", (long) l1Size, "bytes", (long) l1Bytes));
      return out;
    }

    private static Map<String, Object> latency(Timer t) {
      Map<String, Object> out = new LinkedHashMap<>();
      var snapshot = t.takeSnapshot();
      out.put("count", snapshot.count());
      out.put("mean", snapshot.mean(TimeUnit.MILLISECONDS));
      out.put("max", snapshot.max(TimeUnit.MILLISECONDS));
      for (ValueAtPercentile p : snapshot.percentileValues()) {
        long permille = Math.round(p.percentile() * 1000); // 0.5 -> p50, 0.999 -> p999
        String key = "p" + (permille % 10 == 0 ? permille / 10 : permille);
        out.put(key, p.value(TimeUnit.MILLISECONDS));
      }
      return out;
    }
  }
}
