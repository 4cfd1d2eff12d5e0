package io.tiercache.internal;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationDeferredException;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.TierCacheException;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.spi.InvalidationBus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
  private static final int JOURNAL_MAX_KEYS = 100_000;

  /** The reason of the invalidation that announces a write already put in L2 with its version. */
  static final String WRITE_ANNOUNCED = "write published";

  private final LiveClasses classes;
  private final L1Tier<?> l1;
  private final L2Guard l2;
  private final LocalInvalidations local;
  private final InvalidationRules rules;
  private final InvalidationBus bus;
  private final String node;
  private final Clock clock;
  private final AtomicLong lastPrune = new AtomicLong();
  private final OutageJournal journal;
  private final InvalidationBus.Subscription subscription;
  private volatile Consumer<String> othersKeyInvalidated = key -> {};

  Invalidator(
      LiveClasses classes,
      L1Tier<?> l1,
      L2Guard l2,
      LocalInvalidations local,
      InvalidationRules rules,
      InvalidationBus bus,
      String node,
      Clock clock,
      CacheMetrics metrics) {
    this.classes = classes;
    this.l1 = l1;
    this.l2 = l2;
    this.local = local;
    this.rules = rules;
    this.bus = bus;
    this.node = node;
    this.clock = clock;
    this.journal = new OutageJournal(l2, bus, rules, node, clock, JOURNAL_MAX_KEYS, metrics);
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

  /**
   * Issues an invalidation: applied here at once, published to every other node. When L2 or the bus
   * cannot take it, it is journaled for replay and {@link InvalidationDeferredException} says so
   * (see {@link OutageJournal}).
   */
  Invalidation invalidate(InvalidationRequest request) {
    boolean keys = OutageJournal.isKeys(request);
    Instant issuedAt = clock.instant();
    if (!journal.isEmpty()) {
      if (keys) {
        dropLocally(request.values());
      }
      throw defer(request, issuedAt, false, "older invalidations still wait for Redis", null);
    }
    if (keys) {
      // L2 first, then L1: a read on this node between the two would otherwise copy the old L2
      // value into L1 after it was dropped, and this node's own invalidation, when the bus brings
      // it back, does not drop keys again. In this order such a read either finds L2 empty or
      // began before the drop's record and is refused its install (LocalInvalidations).
      boolean deleted = !l2.configured() || l2.delete(request.values());
      dropLocally(request.values());
      if (!deleted) {
        throw defer(request, issuedAt, false, "L2 could not delete the keys", null);
      }
    }
    Invalidation inv;
    try {
      inv = bus.publish(request, node, issuedAt);
    } catch (TierCacheException e) {
      throw defer(request, issuedAt, true, "the bus could not be reached", e);
    }
    rules.apply(inv, clock.millis());
    pruneNowAndThen();
    return inv;
  }

  /**
   * Tells the other nodes that this node wrote {@code key}: they drop their L1 copy and read the
   * new value from L2. This node keeps the copy it just wrote. When Redis cannot take it, it is
   * journaled (and the key deleted from L2 at the replay, since the write may not have reached it)
   * and {@code null} is returned: a write succeeds anyway (DESIGN invariant 6).
   */
  Invalidation announceWrite(String key) {
    InvalidationRequest request = InvalidationRequest.key(key).because(WRITE_ANNOUNCED).by(node);
    Instant issuedAt = clock.instant();
    if (journal.isEmpty()) {
      try {
        Invalidation inv = bus.publish(request, node, issuedAt);
        rules.apply(inv, clock.millis());
        return inv;
      } catch (TierCacheException e) {
        log.debug("announcing a write of '{}' failed; journaled", key, e);
      }
    }
    journal.add(request, issuedAt, false);
    return null;
  }

  /**
   * After a write whose L2 put failed: L2 may still hold an older copy, which other nodes would
   * read once the write is announced, so the key is deleted from L2 and then invalidated on the
   * other nodes. This node keeps the copy it just wrote. What Redis cannot take now is journaled
   * and replayed (the replay deletes the key from L2 before publishing), as for any invalidation
   * during an outage (DESIGN invariant 6).
   */
  void invalidateAfterFailedPut(String key) {
    InvalidationRequest request =
        InvalidationRequest.key(key).because("write not stored in L2").by(node);
    Instant issuedAt = clock.instant();
    boolean deleted = journal.isEmpty() && l2.delete(List.of(key));
    if (deleted) {
      try {
        rules.apply(bus.publish(request, node, issuedAt), clock.millis());
        return;
      } catch (TierCacheException e) {
        log.debug("announcing the failed write of '{}' failed; journaled", key, e);
      }
    }
    journal.add(request, issuedAt, deleted);
  }

  /**
   * Journals an invalidation that could not be delivered. A key invalidation has already been
   * applied here; a rule without a sequence number cannot void entries by number, so every L1 entry
   * goes instead, and loads in flight are refused their install.
   */
  private InvalidationDeferredException defer(
      InvalidationRequest request, Instant issuedAt, boolean l2Done, String why, Throwable cause) {
    if (!OutageJournal.isKeys(request)) {
      local.recordAll();
      l1.invalidateAll();
    }
    journal.add(request, issuedAt, l2Done);
    return new InvalidationDeferredException(
        "invalidation applied on this node and journaled, "
            + why
            + "; it reaches L2 and the other nodes when Redis answers again",
        cause);
  }

  /**
   * Applies an invalidation from the bus. This node's own come back too: their keys were already
   * dropped when issued (and a write's new value must stay), and applying a rule twice is harmless.
   */
  void apply(Invalidation inv) {
    InvalidationScope scope = inv.request().scope();
    boolean ours = node.equals(inv.originNode());
    if (!ours && (scope == InvalidationScope.KEY || scope == InvalidationScope.KEYS)) {
      dropLocally(inv.request().values());
      if (!WRITE_ANNOUNCED.equals(inv.request().reason())) {
        // A write's announcement follows its version-checked put; anything else may be a delete.
        inv.request().values().forEach(othersKeyInvalidated);
      }
    }
    rules.apply(inv, clock.millis());
  }

  /**
   * Tells {@code hook} of every key another node invalidated, after its L1 copy is dropped here
   * (the write publisher re-deletes keys this node has just written: see {@link WritePublisher}).
   */
  void onOthersKeyInvalidation(Consumer<String> hook) {
    this.othersKeyInvalidated = Objects.requireNonNull(hook, "hook");
  }

  /**
   * The bus no longer holds invalidations this node missed: nothing says which entries they voided,
   * so every L1 entry goes, and loads in flight are refused their install. L2 entries are judged by
   * this node's rules, which lack the missed ones: an invalidation of everything numbered just
   * before the first retained sequence voids, for this node, every entry stamped before it. An
   * entry stamped later was loaded by a node that had applied everything up to there.
   */
  void flush(long firstRetained) {
    log.warn(
        "invalidations before sequence {} were missed and cannot be replayed; flushing L1",
        firstRetained);
    local.recordAll();
    l1.invalidateAll();
    if (firstRetained > 1) {
      InvalidationRequest all = InvalidationRequest.everything().because("missed invalidations");
      rules.apply(
          new Invalidation(firstRetained - 1, all.by(node), node, clock.instant()), clock.millis());
    }
  }

  /** The subscription to the bus, which says how current it is. */
  InvalidationBus.Subscription subscription() {
    return subscription;
  }

  /** The highest sequence this node has applied. */
  long watermark() {
    return rules.generation();
  }

  /** Drops this node's L1 copies of {@code keys} and refuses loads in flight their install. */
  void dropLocally(List<String> keys) {
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
    journal.close();
    subscription.close();
  }
}
