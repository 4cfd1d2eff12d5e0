package io.tiercache;

/**
 * An invalidation that took effect on this node but could not yet reach L2 or the other nodes,
 * because Redis (L2 or the bus) could not be reached. It is journaled in memory and replayed, first
 * to L2 and then to the bus, as soon as Redis answers again; until then this node does not serve
 * from L2 (DESIGN invariant 6). No fleet-wide sequence number exists for it yet.
 */
public class InvalidationDeferredException extends TierCacheException {
  private static final long serialVersionUID = 1L;

  public InvalidationDeferredException(String message, Throwable cause) {
    super(message, cause);
  }
}
