package io.tiercache.internal;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lease tokens unique across the fleet: this node's random id and a counter. A token names one load
 * attempt, so a holder whose lease lapsed and was taken over cannot store with the new holder's
 * lease.
 */
final class LeaseTokens {
  private final String node;
  private final AtomicLong counter = new AtomicLong();

  LeaseTokens(String nodeId) {
    this.node = nodeId != null ? nodeId : UUID.randomUUID().toString().substring(0, 13);
  }

  String node() {
    return node;
  }

  String next() {
    return node + ":" + counter.incrementAndGet();
  }
}
