package io.tiercache.internal;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.spi.InvalidationBus;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues invalidations and applies those of other nodes. Keys are deleted where they are (L1, and
 * L2 with their leases); a prefix, tag, class or global invalidation is one rule in {@link
 * InvalidationRules}, applied on read, so it costs the same for ten keys as for ten million (DESIGN
 * invariant 8). Every invalidation goes through the bus, which orders it fleet-wide and carries it
 * to the other nodes.
 */
final class Invalidator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Invalidator.class);
  private static final long PRUNE_EVERY_MS = 60_000;

  private final LiveClasses classes;
  private final L1Tier<?> l1;
  private final L2Guard l2;
  private final LocalInvalidations local;
  private final InvalidationRules rules;
  private final InvalidationBus bus;
  private final String node;
  private final Clock clock;
  private final AtomicLong lastPrune = new AtomicLong();
  private final InvalidationBus.Subscription subscription;

  Invalidator(
      LiveClasses classes,
      L1Tier<?> l1,
      L2Guard l2,
      LocalInvalidations local,
      InvalidationRules rules,
      InvalidationBus bus,
      String node,
      Clock clock) {
    this.classes = classes;
    this.l1 = l1;
    this.l2 = l2;
    this.local = local;
    this.rules = rules;
    this.bus = bus;
    this.node = node;
    this.clock = clock;
    this.subscription = bus.subscribe(rules.generation(), this::apply, this::flush);
  }

  /**
   * A rule must outlive every entry it can void: the longest TTL plus stale window of any class,
   * and a minute of margin for clock differences between nodes.
   */
  private static Duration retention(CacheClasses classes) {
    Duration longest = Duration.ZERO;
    for (CacheClass c : classes.all()) {
      Duration life = c.ttl().plus(c.staleWindow());
      longest = life.compareTo(longest) > 0 ? life : longest;
    }
    return longest.plusMinutes(1);
  }

  /** Issues an invalidation: applied here at once, published to every other node. */
  Invalidation invalidate(InvalidationRequest request) {
    if (request.scope() == InvalidationScope.KEY || request.scope() == InvalidationScope.KEYS) {
      dropKeys(request.values());
      l2.delete(request.values());
    }
    Invalidation inv = bus.publish(request, node, clock.instant());
    rules.apply(inv, clock.millis());
    pruneNowAndThen();
    return inv;
  }

  /**
   * Tells the other nodes that this node wrote {@code key}: they drop their L1 copy and read the
   * new value from L2. This node keeps the copy it just wrote.
   */
  Invalidation announceWrite(String key) {
    Invalidation inv =
        bus.publish(InvalidationRequest.key(key).because("write").by(node), node, clock.instant());
    rules.apply(inv, clock.millis());
    return inv;
  }

  /**
   * Applies an invalidation from the bus. This node's own come back too: their keys were already
   * dropped when issued (and a write's new value must stay), and applying a rule twice is harmless.
   */
  void apply(Invalidation inv) {
    InvalidationScope scope = inv.request().scope();
    boolean ours = node.equals(inv.originNode());
    if (!ours && (scope == InvalidationScope.KEY || scope == InvalidationScope.KEYS)) {
      dropKeys(inv.request().values());
    }
    rules.apply(inv, clock.millis());
  }

  /**
   * The bus no longer holds invalidations this node missed: nothing says which entries they voided,
   * so every L1 entry goes, and loads in flight are refused their install.
   */
  void flush(long firstRetained) {
    log.warn(
        "invalidations before sequence {} were missed and cannot be replayed; flushing L1",
        firstRetained);
    local.recordAll();
    l1.invalidateAll();
  }

  /** The highest sequence this node has applied. */
  long watermark() {
    return rules.generation();
  }

  private void dropKeys(List<String> keys) {
    for (String key : keys) {
      local.record(key); // before L1: see LocalInvalidations
      l1.invalidate(classes.resolve(key), key);
    }
  }

  private void pruneNowAndThen() {
    long now = clock.millis();
    long last = lastPrune.get();
    if (now - last > PRUNE_EVERY_MS && lastPrune.compareAndSet(last, now)) {
      rules.dropOlderThan(now - retention(classes.get()).toMillis());
    }
  }

  @Override
  public void close() {
    subscription.close();
  }
}
