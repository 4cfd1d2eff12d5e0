package io.tiercache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.classes.CacheClass;
import io.tiercache.internal.L1Tier.Cached;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a write the source has taken visible in every tier, with the writer waiting only for the
 * local part (issue #5: write-through latency is held against a bare source write).
 *
 * <p>On the writer's thread: record a local invalidation of the key (a load in flight on this node
 * cannot install its older value in L1 after it) and put the new value in L1, so this node reads
 * its own write at once. On the key's lane ({@link PublishLanes}), in order: put the value in L2,
 * record the key again, repair L1, announce the write on the bus.
 *
 * <p>Why this keeps DESIGN invariant 3 although L2 learns of the write later:
 *
 * <ul>
 *   <li>L2's put is version-checked and voids the key's lease ({@code RemoteTier#put}). A load
 *       anywhere that read the source before the write either stores under its lease before the
 *       put, and the put then replaces its older version, or after, and finds its lease void. A
 *       load that read the source after the write stores the write's version or a newer one, which
 *       the put leaves alone.
 *   <li>On this node, a load that began before the L2 put may read the older value from L2. The
 *       second record refuses its L1 install from then on; an install that landed before the record
 *       is an older version in L1, which the repair replaces. (See {@link LocalInvalidations} for
 *       why an install checked before and after cannot slip between.)
 *   <li>Other nodes drop their L1 copy when the announcement reaches them, which is after the L2
 *       put, so their next read finds the new value in L2 (or a newer one).
 * </ul>
 *
 * <p>Until its lane has run, a write is this node's answer for its key even if L1 lost it ({@link
 * #pendingWrite}), and {@link #awaitPublished} lets an invalidation of the key wait for it, so a
 * delete after a write cannot be overtaken by the write's L2 put.
 *
 * <p>A key another node deletes or invalidates while this node's put of it is queued, or shortly
 * after, could see that put land after its delete and leave this write's value in L2 (another
 * node's delete has no version the put could lose to). When the invalidation reaches this node over
 * the bus, the key's lane deletes it from L2 once more, behind this node's put: a key written here
 * in the last {@link #REDELETE_WINDOW} is re-deleted ({@link #othersInvalidated}). Deleting is
 * always safe: the next read loads the source's current value.
 *
 * <p>A failed L2 put (L2 down, slow, or held by the outage journal) is counted, and the key is
 * deleted from L2 and announced as invalidated, or journaled for replay when Redis cannot take that
 * either ({@link Invalidator#invalidateAfterFailedPut}): no older copy survives in L2.
 */
final class WritePublisher<V> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WritePublisher.class);
  static final int LANES = 4;
  static final int LANE_QUEUE = 1024;

  /**
   * How long after handing a write over this node re-deletes its key when another node invalidates
   * it: far longer than the bus takes to deliver (milliseconds), so the invalidation of a delete
   * that raced the put arrives inside it.
   */
  static final Duration REDELETE_WINDOW = Duration.ofSeconds(30);

  /** One write to publish; {@code previous} is the one of its key it replaced while pending. */
  private static final class Publication<V> {
    final CacheClass c;
    final String key;
    final Cached<V> cached;
    final Publication<V> previous;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Publication(CacheClass c, String key, Cached<V> cached, Publication<V> previous) {
      this.c = c;
      this.key = key;
      this.cached = cached;
      this.previous = previous;
    }
  }

  private final L1Tier<V> l1;
  private final L2Guard l2;
  private final LocalInvalidations invalidations;
  private final Invalidator invalidator;
  private final Clock clock;
  private final PublishLanes lanes;
  private final Map<String, Publication<V>> pending = new ConcurrentHashMap<>();
  // Keys handed over within REDELETE_WINDOW. Bounded: past a million recent writes the oldest may
  // be forgotten early, which only reopens the window this closes.
  private final Cache<String, Boolean> recent =
      Caffeine.newBuilder().expireAfterWrite(REDELETE_WINDOW).maximumSize(1_000_000).build();
  private final Counter redeleted;
  private final Counter published;
  private final Counter failures;

  WritePublisher(
      L1Tier<V> l1,
      L2Guard l2,
      LocalInvalidations invalidations,
      Invalidator invalidator,
      Clock clock,
      String node,
      MeterRegistry registry) {
    this.l1 = l1;
    this.l2 = l2;
    this.invalidations = invalidations;
    this.invalidator = invalidator;
    this.clock = clock;
    this.lanes = new PublishLanes(LANES, LANE_QUEUE, node, registry);
    this.published =
        Counter.builder("tiercache.writes.published")
            .description("writes put in L2 and announced after the source took them")
            .register(registry);
    this.failures =
        Counter.builder("tiercache.writes.publish.failures")
            .description("writes whose L2 put failed; the key was invalidated instead")
            .register(registry);
    this.redeleted =
        Counter.builder("tiercache.writes.redeleted")
            .description(
                "keys written here and then invalidated by another node, deleted from L2 again"
                    + " behind this node's put")
            .register(registry);
  }

  /**
   * Another node invalidated {@code key}: if this node wrote it within {@link #REDELETE_WINDOW},
   * the key's lane deletes it from L2 after this node's queued puts of it (a failed delete is
   * journaled like a failed put).
   */
  void othersInvalidated(String key) {
    if (recent.getIfPresent(key) == null) {
      return;
    }
    lanes.execute(
        key,
        () -> {
          redeleted.increment();
          if (!l2.delete(List.of(key))) {
            invalidator.invalidateAfterFailedPut(key);
          }
        });
  }

  /**
   * Publishes a write the source has taken. Returns once this node serves it; L2 and the other
   * nodes follow on the key's lane. A class without L1 has no local copy to serve it from, so its
   * writes are published on the caller's thread.
   */
  void publish(CacheClass c, String key, Cached<V> cached) {
    if (!c.usesL1()) {
      publishNow(c, key, cached);
      return;
    }
    admit(c, key, cached);
    Publication<V> p =
        pending.compute(
            key,
            (k, before) ->
                new Publication<>(
                    c, key, cached, before == null || before.done.isDone() ? null : before));
    lanes.execute(key, () -> run(p));
  }

  /**
   * Publishes a write the source has taken on the caller's thread: returns once L2 holds it and the
   * other nodes were told, or, when L2 did not take it, once the key is deleted from L2 and
   * invalidated (or both are journaled). {@code TieredCache.put} publishes this way.
   */
  void publishNow(CacheClass c, String key, Cached<V> cached) {
    admit(c, key, cached);
    run(new Publication<>(c, key, cached, null));
  }

  /**
   * What a write does on this node before its publication: loads in flight no longer install an
   * older value, an invalidation from another node re-deletes the key behind this put ({@link
   * #othersInvalidated}), and L1 serves the write.
   */
  private void admit(CacheClass c, String key, Cached<V> cached) {
    invalidations.record(key);
    if (l2.configured()) {
      recent.put(key, Boolean.TRUE);
    }
    if (c.usesL1()) {
      l1.put(c, key, cached.entry(), cached.value());
    }
  }

  /** This node's newest write of {@code key} that its lane has not published yet, or null. */
  Cached<V> pendingWrite(String key) {
    Publication<V> p = pending.get(key);
    return p == null ? null : p.cached;
  }

  /** Waits until every write of {@code key} handed over so far is published. */
  void awaitPublished(String key) {
    for (Publication<V> p = pending.get(key); p != null; p = p.previous) {
      p.done.join();
    }
  }

  private void run(Publication<V> p) {
    try {
      Object stored = l2.configured() ? l2.put(p.key, p.cached.entry(), clock.millis()) : true;
      if (stored == L2Guard.NO_ANSWER) {
        failures.increment();
        invalidator.invalidateAfterFailedPut(p.key);
        return;
      }
      invalidations.record(p.key);
      if (Boolean.FALSE.equals(stored)) {
        // Another node's newer write is in L2. Its announcement may have reached this node before
        // the write's own L1 copy was made, so that copy goes (and only that copy).
        l1.remove(p.c, p.key, p.cached);
      } else if (p.c.usesL1()) {
        repairL1(p);
      }
      invalidator.announceWrite(p.key);
      published.increment();
    } catch (RuntimeException e) {
      failures.increment();
      log.warn("publishing the write of '{}' failed; invalidating it", p.key, e);
      try {
        invalidator.invalidateAfterFailedPut(p.key);
      } catch (RuntimeException again) {
        log.warn("invalidating '{}' after its failed publication failed too", p.key, again);
      }
    } finally {
      pending.remove(p.key, p);
      p.done.complete(null);
    }
  }

  /**
   * Replaces an older version in L1 that a load on this node installed before the second record. An
   * absent copy stays absent: the next read finds the write (or a newer value) in L2.
   */
  private void repairL1(Publication<V> p) {
    Cached<V> now = l1.get(p.c, p.key);
    if (now != null && now.entry().version() < p.cached.entry().version()) {
      l1.replace(p.c, p.key, now, p.cached);
    }
  }

  /** Publishes what is queued (for at most 30 s); writes after this publish on their thread. */
  @Override
  public void close() {
    lanes.close();
  }
}
