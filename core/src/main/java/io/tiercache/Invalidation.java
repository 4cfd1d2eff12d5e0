package io.tiercache;

import java.time.Instant;
import java.util.Objects;

/**
 * An invalidation as the fleet sees it: the request, the fleet-wide sequence number the bus gave it
 * (ordering every invalidation; entries remember the sequence they were loaded under), the node
 * that issued it and when.
 *
 * @param sequence the fleet-wide sequence number, from 1
 * @param request what, why and who
 * @param originNode the node that issued it
 * @param issuedAt when it was issued
 */
public record Invalidation(
    long sequence, InvalidationRequest request, String originNode, Instant issuedAt) {
  public Invalidation {
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence must be >= 1, was " + sequence);
    }
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(originNode, "originNode");
    Objects.requireNonNull(issuedAt, "issuedAt");
  }
}
