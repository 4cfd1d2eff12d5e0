package io.tiercache.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.tiercache.classes.CacheClass;
import io.tiercache.spi.InvalidationBus;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How current this node's view of the invalidation bus is, and what it may serve from L1 because of
 * it (DESIGN invariant 1: "a write is visible everywhere within {@code staleness_epsilon}, or the
 * node stops serving that class from L1").
 *
 * <p>The bus subscription says up to when it has delivered everything ({@code lastHeard}). An
 * invalidation published at {@code p} is applied here, or the node has not heard the bus since
 * before {@code p}; in the second case an L1 copy is served only while {@code now - lastHeard <=
 * epsilon}, so only before {@code p + epsilon}. Past that the class is read from L2 (which the
 * issuing node updates itself) until the subscription catches up. Classes are judged one by one: a
 * node that has been deaf for a second still serves classes with a minute of epsilon from L1.
 *
 * <p>It also knows the sequence up to which invalidations were applied in order ({@link
 * #appliedThrough}), which is what an L1 entry may be re-stamped with once checked: the rules'
 * generation can run ahead of it, because a node applies its own invalidations at once, before the
 * bus has delivered older ones from other nodes.
 */
final class ConsistencyWindow {
  private final Clock clock;
  // What says how current the bus is: its last-heard time (every L1 hit reads it in ms) and the
  // sequence it delivered through.
  private final InvalidationBus.Subscription subscription;
  private final CacheMetrics metrics;
  private final ConcurrentHashMap<String, Counter> bypassed = new ConcurrentHashMap<>();

  ConsistencyWindow(Clock clock, InvalidationBus.Subscription subscription, CacheMetrics metrics) {
    this.clock = clock;
    this.subscription = subscription;
    this.metrics = metrics;
    Gauge.builder("tiercache.bus.silence", this, w -> w.silenceMillis(w.clock.millis()) / 1000.0)
        .description("seconds since the invalidation bus was last heard with nothing left unread")
        .baseUnit("seconds")
        .register(metrics.registry());
  }

  /**
   * Whether L1 copies of class {@code c}, whose staleness epsilon is {@code epsilonMs}, may be
   * served at {@code nowMs}; counts refusals.
   */
  boolean l1Trusted(CacheClass c, long epsilonMs, long nowMs) {
    if (trusted(epsilonMs, nowMs)) {
      return true;
    }
    bypassed
        .computeIfAbsent(
            c.name(),
            name ->
                Counter.builder("tiercache.l1.bypassed")
                    .description(
                        "reads that skipped L1 because the bus was silent for longer than the"
                            + " class's staleness epsilon")
                    .tag("class", name)
                    .register(metrics.registry()))
        .increment();
    return false;
  }

  /**
   * Whether a class with {@code epsilonMs} of staleness epsilon may serve from L1 at {@code nowMs};
   * counts nothing. The same as {@code silenceMillis(nowMs) <= epsilonMs} (a bus that is never
   * behind reports {@link Long#MAX_VALUE}, one never heard 0), in one field read.
   */
  boolean trusted(long epsilonMs, long nowMs) {
    return trusted(subscription.lastHeardMillis(), epsilonMs, nowMs);
  }

  /**
   * {@link #trusted} for a bus last heard at {@code lastHeardMs}: what the L1 hit path calls with
   * the subscription it holds itself, a field read sooner.
   */
  static boolean trusted(long lastHeardMs, long epsilonMs, long nowMs) {
    return nowMs - lastHeardMs <= epsilonMs;
  }

  /** The sequence up to which every invalidation was applied, in order. */
  long appliedThrough() {
    return subscription.watermark();
  }

  /** How long the bus has been silent at {@code nowMs}; 0 when delivery is synchronous. */
  long silenceMillis(long nowMs) {
    Instant heard = subscription.lastHeard();
    if (heard == null || heard.equals(Instant.MAX)) {
      return heard == null ? Long.MAX_VALUE : 0;
    }
    return Math.max(0, nowMs - heard.toEpochMilli());
  }
}
