package io.tiercache.spi;

import io.tiercache.Invalidation;

/**
 * Where a node records every invalidation it issues (DESIGN invariant 10: who, scope, reason,
 * when). {@code tiercache-jdbc}'s {@code JdbcInvalidationAudit} keeps them in the source database;
 * the gateway keeps a richer record of its own (nodes applied, time to converge, edge purges).
 */
@FunctionalInterface
public interface InvalidationAudit {
  /**
   * Records an invalidation once it has its fleet-wide sequence number. A failure is logged and
   * counted ({@code tiercache.audit.failures}); it does not undo the invalidation.
   */
  void record(Invalidation invalidation);
}
