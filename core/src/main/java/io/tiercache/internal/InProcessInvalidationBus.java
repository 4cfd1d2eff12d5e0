package io.tiercache.internal;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.spi.InvalidationBus;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The bus of a single process: sequence numbers from a counter, delivery on the publishing thread.
 * The default when no fleet-wide bus is configured; several caches in one JVM (tests) may share
 * one.
 */
public final class InProcessInvalidationBus implements InvalidationBus {
  private final AtomicLong sequence = new AtomicLong();
  private final List<Consumer<Invalidation>> listeners = new CopyOnWriteArrayList<>();

  @Override
  public synchronized Invalidation publish(
      InvalidationRequest request, String originNode, Instant issuedAt) {
    Invalidation inv = new Invalidation(sequence.incrementAndGet(), request, originNode, issuedAt);
    listeners.forEach(l -> l.accept(inv));
    return inv;
  }

  @Override
  public Subscription subscribe(
      long afterSequence, Consumer<Invalidation> listener, Consumer<Long> onGap) {
    if (afterSequence < sequence.get()) {
      onGap.accept(sequence.get() + 1); // nothing is retained to replay
    }
    listeners.add(listener);
    return new Subscription() {
      @Override
      public long watermark() {
        return sequence.get();
      }

      @Override
      public Instant lastHeard() {
        return Instant.MAX; // delivered on the publishing thread: never behind
      }

      @Override
      public long lastHeardMillis() {
        return Long.MAX_VALUE;
      }

      @Override
      public void close() {
        listeners.remove(listener);
      }
    };
  }

  @Override
  public void close() {
    listeners.clear();
  }
}
