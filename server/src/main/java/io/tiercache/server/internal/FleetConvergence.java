package io.tiercache.server.internal;

/**
 * How far an invalidation got across the fleet.
 *
 * @param nodesExpected the gateways alive when it was issued
 * @param nodesApplied how many of them had applied it when the wait ended
 * @param convergeMs how long until every expected node had applied it; null when the wait timed out
 *     first
 */
public record FleetConvergence(int nodesExpected, int nodesApplied, Long convergeMs) {
  public boolean converged() {
    return convergeMs != null;
  }
}
