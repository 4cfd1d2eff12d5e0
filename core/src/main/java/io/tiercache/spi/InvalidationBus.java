package io.tiercache.spi;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Carries invalidations to every node in order (DESIGN invariants 1 and 10). The bus gives each
 * invalidation the next fleet-wide sequence number; nodes apply them in sequence order and can
 * catch up from a sequence after a disconnection. {@code tiercache-redis} implements it on Redis
 * Streams; a single process can use {@link io.tiercache.TieredCacheBuilder}'s in-process default.
 */
public interface InvalidationBus extends AutoCloseable {

  /**
   * Appends an invalidation and returns it with its sequence number.
   *
   * @throws io.tiercache.TierCacheException when the bus cannot be reached
   */
  Invalidation publish(InvalidationRequest request, String originNode, Instant issuedAt);

  /**
   * Delivers, in sequence order, every invalidation after {@code afterSequence} that the bus still
   * holds, then each new one, to {@code listener} (on a thread of the bus's). When the bus no
   * longer holds all of them (trimmed), {@code onGap} is called with the first sequence it still
   * has, so the node can flush what it cannot replay.
   */
  Subscription subscribe(long afterSequence, Consumer<Invalidation> listener, Consumer<Long> onGap);

  /** Stops a subscription. */
  interface Subscription extends AutoCloseable {
    /** The highest sequence delivered so far. */
    long watermark();

    /**
     * The instant up to which every invalidation published is known to have been delivered: the
     * subscription has heard the bus at that moment and delivered all it had. It stops moving while
     * the bus cannot be reached, and the node then stops serving from L1 the classes whose {@code
     * staleness_epsilon} it exceeds (DESIGN invariant 1). {@link Instant#MAX} means delivery is
     * synchronous and the subscription is always current, as in a single process; that is the
     * default, for buses that cannot tell.
     */
    default Instant lastHeard() {
      return Instant.MAX;
    }

    /**
     * {@link #lastHeard} in epoch milliseconds: {@link Long#MAX_VALUE} for {@link Instant#MAX}, 0
     * when never heard. Every L1 hit reads it, so a bus whose {@code lastHeard} moves should
     * override this with the read of a field.
     */
    default long lastHeardMillis() {
      Instant heard = lastHeard();
      if (heard == null) {
        return 0;
      }
      return heard.equals(Instant.MAX) ? Long.MAX_VALUE : heard.toEpochMilli();
    }

    @Override
    void close();
  }

  @Override
  void close();
}
