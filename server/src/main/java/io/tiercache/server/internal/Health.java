package io.tiercache.server.internal;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.server.NamespaceConfig;
import io.tiercache.server.internal.Namespaces.Namespace;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * {@code GET /health} (readiness, with each tier's state) and {@code GET /health/live} (liveness).
 *
 * <p>A node whose L2 or source is down still serves (DESIGN invariant 6: cache failure is not
 * client failure), so it stays ready and reports {@code DEGRADED}; it is not ready only while it
 * starts or stops, or when its metadata database is unreachable (no classes, no audit).
 */
public final class Health {
  private final Namespaces namespaces;
  private final DataSource database;
  private final RedisInfo redis;
  private final String nodeId;
  private final BooleanSupplier running;
  private final BusHealth bus;

  public Health(
      Namespaces namespaces,
      DataSource database,
      RedisInfo redis,
      String nodeId,
      BooleanSupplier running,
      MeterRegistry registry,
      Clock clock) {
    this.namespaces = namespaces;
    this.database = database;
    this.redis = redis;
    this.nodeId = nodeId;
    this.running = running;
    this.bus = new BusHealth(registry, clock);
  }

  /** {@code GET /health/live}: the process answers. */
  public void live(Context ctx) {
    ctx.header("Cache-Control", "no-store").json(Map.of("status", "UP", "node", nodeId));
  }

  /** {@code GET /health}: 200 when ready, 503 when not, with the state of every tier. */
  public void ready(Context ctx) {
    Map<String, Object> tiers = new LinkedHashMap<>();
    tiers.put("l1", "UP");
    String l2 = "DISABLED";
    if (redis != null) {
      l2 = Boolean.TRUE.equals(redis.memory().get("up")) ? "UP" : "DOWN";
    }
    tiers.put("l2", l2);
    boolean db = valid(database);
    tiers.put("database", db ? "UP" : "DOWN");
    Map<String, Object> buses = new LinkedHashMap<>();
    boolean caughtUp = true;
    for (Namespace ns : namespaces.all()) {
      Map<String, Object> state = bus.of(ns);
      caughtUp &= Boolean.TRUE.equals(state.get("caughtUp"));
      buses.put(ns.name(), state);
    }
    // Behind on the bus, a node serves the affected classes from L2 and the source, not from L1:
    // still correct (the consistency window), so degraded, not unready.
    tiers.put("bus", caughtUp ? "UP" : "DEGRADED");
    Map<String, Object> sources = new LinkedHashMap<>();
    boolean sourcesUp = true;
    for (Namespace ns : namespaces.all()) {
      String state =
          ns.config().source() instanceof NamespaceConfig.SqlSource sql && sql.url() == null
              ? (db ? "UP" : "DOWN")
              : "UNCHECKED"; // an HTTP origin or another database is probed by reads, not here
      sourcesUp &= !state.equals("DOWN");
      sources.put(ns.name(), state);
    }
    tiers.put("sources", sources);
    boolean ready = running.getAsBoolean() && db;
    boolean degraded = l2.equals("DOWN") || !sourcesUp || !caughtUp;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", !ready ? "DOWN" : degraded ? "DEGRADED" : "UP");
    out.put("live", true);
    out.put("ready", ready);
    out.put("node", nodeId);
    out.put("tiers", tiers);
    out.put("bus", buses);
    ctx.status(ready ? 200 : 503).header("Cache-Control", "no-store").json(out);
  }

  private static boolean valid(DataSource ds) {
    try (Connection c = ds.getConnection()) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }
}
