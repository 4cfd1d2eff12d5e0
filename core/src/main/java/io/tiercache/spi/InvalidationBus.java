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

    @Override
    void close();
  }

  @Override
  void close();
}
