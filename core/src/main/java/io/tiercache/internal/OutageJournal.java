package io.tiercache.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.TierCacheException;
import io.tiercache.spi.InvalidationBus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invalidations this node issued while Redis could not take them, kept until it can (DESIGN
 * invariant 6: "when L2 returns, what changed meanwhile is invalidated there before it serves").
 *
 * <p>An invalidation lands here when deleting its keys from L2 failed, when publishing it failed,
 * or when older ones are still here (order is kept: a newer invalidation never overtakes an older
 * one). While anything is here L2 is held: the node neither reads nor writes it, because L2 may
 * still hold values these invalidations void, and for a rule this node could not even number, it
 * cannot tell which. Reads then take the path of an unreachable L2 (L1, then the source under this
 * node's own single-flight and share of the rate limit).
 *
 * <p>A replayer retries every {@link #RETRY} in issue order, runs of key invalidations together
 * (see {@link #headRun}): for keys, delete them from L2 first, then publish, so that no node that
 * drops its L1 copy on the publish can reload the old value from L2; each step that succeeded is
 * not repeated. Its L2 deletes are the probes that tell the circuit breaker Redis is back. When the
 * journal is empty L2 is released.
 *
 * <p>The journal holds at most {@code maxKeys} keys (a rule counts as one). Beyond that it forgets
 * them all and remembers only that everything must go: the replay publishes one invalidation of
 * everything, which voids every older entry in every tier on every node.
 */
final class OutageJournal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutageJournal.class);
  static final Duration RETRY = Duration.ofMillis(50);

  /** One journaled invalidation; {@code l2Done} once its keys are gone from L2. */
  private static final class Pending {
    final InvalidationRequest request;
    final Instant issuedAt;
    boolean l2Done;

    Pending(InvalidationRequest request, Instant issuedAt, boolean l2Done) {
      this.request = request;
      this.issuedAt = issuedAt;
      this.l2Done = l2Done;
    }
  }

  private final L2Guard l2;
  private final InvalidationBus bus;
  private final InvalidationRules rules;
  private final String node;
  private final Clock clock;
  private final int maxKeys;
  private final ScheduledExecutorService replayer;
  private final Counter replayed;
  private final Deque<Pending> pending = new ArrayDeque<>(); // guarded by this
  private int keys; // guarded by this
  private boolean overflowed; // guarded by this
  private long addedSinceOverflow; // guarded by this
  private volatile boolean empty = true;

  OutageJournal(
      L2Guard l2,
      InvalidationBus bus,
      InvalidationRules rules,
      String node,
      Clock clock,
      int maxKeys,
      CacheMetrics metrics) {
    this.l2 = l2;
    this.bus = bus;
    this.rules = rules;
    this.node = node;
    this.clock = clock;
    this.maxKeys = maxKeys;
    this.replayed =
        Counter.builder("tiercache.invalidations.replayed")
            .description("journaled invalidations delivered after Redis came back")
            .register(metrics.registry());
    Gauge.builder("tiercache.invalidations.journaled", this, OutageJournal::size)
        .description("invalidations waiting for Redis; while any wait, L2 is not used")
        .register(metrics.registry());
    this.replayer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tiercache-replay-" + node);
              t.setDaemon(true);
              return t;
            });
    replayer.scheduleWithFixedDelay(
        this::replaySafely, RETRY.toMillis(), RETRY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether nothing waits; then L2 is in use. */
  boolean isEmpty() {
    return empty;
  }

  /** Journals an invalidation and holds L2 until it is replayed. */
  synchronized void add(InvalidationRequest request, Instant issuedAt, boolean l2Done) {
    l2.hold(true);
    empty = false;
    if (overflowed) {
      addedSinceOverflow++; // the invalidation of everything to come covers it
      return;
    }
    int n = isKeys(request) ? request.values().size() : 1;
    if (keys + n > maxKeys) {
      log.warn(
          "more than {} keys invalidated while Redis is unreachable; everything will be"
              + " invalidated when it is back",
          maxKeys);
      pending.clear();
      keys = 0;
      overflowed = true;
      addedSinceOverflow++;
      return;
    }
    pending.addLast(new Pending(request, issuedAt, l2Done));
    keys += n;
  }

  private void replaySafely() {
    try {
      replay();
    } catch (RuntimeException e) {
      log.warn("replaying journaled invalidations failed; retrying", e);
    }
  }

  /**
   * Delivers what it can, in order, and stops at the first step Redis refuses. Runs on the replayer
   * thread only. The lock is not held across calls to Redis, so issuing invalidations never waits
   * for a replay; what {@link #add} does meanwhile is re-checked after each call: an entry is
   * removed only if it is still the head (an overflow may have cleared the journal), and the
   * overflow is cleared only if nothing was added after the invalidation of everything was sent.
   */
  void replay() {
    if (empty) {
      return;
    }
    while (true) {
      List<Pending> run;
      long mark;
      synchronized (this) {
        run = headRun();
        mark = addedSinceOverflow;
        if (!overflowed && run.isEmpty()) {
          empty = true;
          l2.hold(false);
          log.info("journaled invalidations replayed; L2 is in use again");
          return;
        }
      }
      if (run.isEmpty()) { // overflowed
        InvalidationRequest all =
            InvalidationRequest.everything()
                .because("invalidations issued while Redis was unreachable were too many to keep")
                .by(node);
        if (!publish(all, clock.instant())) {
          return;
        }
        synchronized (this) {
          overflowed = addedSinceOverflow != mark;
        }
        continue;
      }
      if (!replay(run)) {
        return;
      }
      synchronized (this) {
        int removed = 0;
        for (Pending p : run) {
          if (pending.peekFirst() != p) {
            break; // an overflow cleared the journal meanwhile
          }
          pending.removeFirst();
          keys -= isKeys(p.request) ? p.request.values().size() : 1;
          removed++;
        }
        replayed.increment(removed);
      }
    }
  }

  /**
   * The next step of the replay: the head alone, or, when it is a key invalidation, the run of key
   * invalidations behind it with the same reason and actor (up to {@link
   * InvalidationRequest#MAX_KEYS} keys), replayed as one: thousands of writes journaled during an
   * outage then cost a few round trips, not thousands. Empty when overflowed or nothing waits.
   */
  private List<Pending> headRun() {
    List<Pending> run = new ArrayList<>();
    if (overflowed) {
      return run;
    }
    int n = 0;
    for (Pending p : pending) {
      boolean joins =
          run.isEmpty()
              || (isKeys(p.request)
                  && isKeys(run.get(0).request)
                  && p.request.reason().equals(run.get(0).request.reason())
                  && p.request.actor().equals(run.get(0).request.actor())
                  && n + p.request.values().size() <= InvalidationRequest.MAX_KEYS);
      if (!joins) {
        break;
      }
      run.add(p);
      n += p.request.values().size();
    }
    return run;
  }

  /** Replays a run: its keys leave L2 first, then one invalidation is published. */
  private boolean replay(List<Pending> run) {
    InvalidationRequest first = run.get(0).request;
    if (!isKeys(first)) {
      return publish(first, run.get(0).issuedAt);
    }
    Set<String> all = new LinkedHashSet<>();
    Set<String> inL2 = new LinkedHashSet<>();
    for (Pending p : run) {
      all.addAll(p.request.values());
      if (!p.l2Done) {
        inL2.addAll(p.request.values());
      }
    }
    if (!inL2.isEmpty() && l2.configured() && !l2.deleteWhileHeld(inL2)) {
      return false;
    }
    run.forEach(p -> p.l2Done = true);
    synchronized (this) {
      if (pending.peekFirst() != run.get(0)) {
        // An overflow cleared the journal while this run was replayed: the invalidation of
        // everything it publishes next covers the run, which is not published on its own.
        return true;
      }
    }
    InvalidationRequest merged =
        (all.size() == 1
                ? InvalidationRequest.key(all.iterator().next())
                : InvalidationRequest.keys(List.copyOf(all)))
            .because(first.reason())
            .by(first.actor());
    return publish(merged, run.get(0).issuedAt);
  }

  private boolean publish(InvalidationRequest request, Instant issuedAt) {
    Invalidation inv;
    try {
      inv = bus.publish(request, node, issuedAt);
    } catch (TierCacheException e) {
      return false;
    }
    rules.apply(inv, clock.millis());
    return true;
  }

  private synchronized int size() {
    return pending.size() + (overflowed ? 1 : 0);
  }

  static boolean isKeys(InvalidationRequest r) {
    return r.scope() == InvalidationScope.KEY || r.scope() == InvalidationScope.KEYS;
  }

  @Override
  public void close() {
    replayer.shutdownNow();
  }
}
