package io.tiercache.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.server.internal.Namespaces.Namespace;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues an invalidation end to end: every tier of every node (through the namespace's cache and
 * bus), the audit log, the edge, and the wait for the fleet to apply it. Used by {@code POST
 * /invalidate} and {@code DELETE /v1/cache/{namespace}/{key}} alike, so both are audited the same.
 */
public final class Invalidations {
  private static final Logger log = LoggerFactory.getLogger(Invalidations.class);

  private final AuditLog audit;
  private final NodeRegistry nodes;
  private final EdgePurger edge;
  private final Duration convergeTimeout;
  private final Duration edgeTimeout;
  private final Clock clock;
  private final MeterRegistry registry;
  private final String nodeId;

  public Invalidations(
      AuditLog audit,
      NodeRegistry nodes,
      EdgePurger edge,
      Duration convergeTimeout,
      Duration edgeTimeout,
      Clock clock,
      MeterRegistry registry,
      String nodeId) {
    this.audit = audit;
    this.nodes = nodes;
    this.edge = edge;
    this.convergeTimeout = convergeTimeout;
    this.edgeTimeout = edgeTimeout;
    this.clock = clock;
    this.registry = registry;
    this.nodeId = nodeId;
  }

  /** What happened to one invalidation. */
  public record Outcome(
      long auditId,
      Invalidation invalidation,
      FleetConvergence fleet,
      EdgePurger.Result edge,
      String deferred) {

    /**
     * Whether Redis could not be reached: the invalidation was applied on this node and journaled,
     * and reaches L2 and the other nodes when Redis answers again (DESIGN invariant 6).
     */
    public boolean isDeferred() {
      return deferred != null;
    }

    /** The JSON body of the API. */
    public Map<String, Object> toJson(String namespace) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("auditId", auditId);
      if (isDeferred()) {
        out.put("namespace", namespace);
        out.put("deferred", true);
        out.put("message", deferred);
        return out;
      }
      out.put("sequence", invalidation.sequence());
      out.put("namespace", namespace);
      out.put("scope", invalidation.request().scope().name().toLowerCase(Locale.ROOT));
      out.put("valueCount", invalidation.request().values().size());
      out.put("actor", invalidation.request().actor());
      out.put("issuedAt", invalidation.issuedAt().toString());
      out.put("originNode", invalidation.originNode());
      out.put("nodesExpected", fleet.nodesExpected());
      out.put("nodesApplied", fleet.nodesApplied());
      out.put("converged", fleet.converged());
      out.put("convergeMs", fleet.convergeMs());
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("targets", edge.targets());
      e.put("purged", edge.purged());
      e.put("errors", edge.errors());
      out.put("edge", e);
      return out;
    }
  }

  /**
   * Invalidates, audits, purges the edge and waits for the fleet.
   *
   * @param request the request with its reason and actor
   */
  public Outcome invalidate(Namespace ns, InvalidationRequest request) {
    long started = System.nanoTime();
    long auditId = audit.begin(ns.name(), request, clock.instant(), nodeId);
    Invalidation inv;
    try {
      inv = ns.cache().invalidate(request);
    } catch (io.tiercache.InvalidationDeferredException e) {
      // Applied here and journaled: the audit row stays (it happened), without a sequence yet.
      EdgePurger.Result edgeResult = awaitEdge(edge.purge(ns.name(), request));
      return new Outcome(auditId, null, null, edgeResult, e.getMessage());
    } catch (RuntimeException e) {
      audit.discard(auditId);
      throw e;
    }
    audit.issued(auditId, inv);
    Counter.builder("tiercache.invalidations")
        .description("invalidations issued through this gateway")
        .tag("namespace", ns.name())
        .tag("scope", request.scope().name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
    var edgePurge = edge.purge(ns.name(), request);
    FleetConvergence fleet = nodes.awaitApplied(ns.name(), inv, started, convergeTimeout);
    EdgePurger.Result edgeResult = awaitEdge(edgePurge);
    audit.complete(auditId, fleet, edgeResult);
    return new Outcome(auditId, inv, fleet, edgeResult, null);
  }

  /** Purges the edge copy of a key just written (a write is not an invalidation: not audited). */
  public void purgeWritten(Namespace ns, String key) {
    awaitEdge(edge.purge(ns.name(), InvalidationRequest.key(key)));
  }

  private EdgePurger.Result awaitEdge(CompletableFuture<EdgePurger.Result> f) {
    try {
      // The client's own timeout bounds each request; this bounds the whole fan-out.
      return f.get(edgeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn("edge purge did not finish: {}", e.toString());
      return new EdgePurger.Result(edge.targetCount(), 0, List.of(e.toString()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new EdgePurger.Result(edge.targetCount(), 0, List.of("interrupted"));
    }
  }
}
