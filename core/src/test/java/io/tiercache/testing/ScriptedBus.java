package io.tiercache.testing;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.TierCacheException;
import io.tiercache.spi.InvalidationBus;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * An in-process bus whose faults a test scripts: it can refuse publishes ({@link #setDown}), hold
 * back delivery to one subscriber ({@link #pause}), tell a subscriber it missed entries ({@link
 * #gap}) and report any "last heard" instant. Subscribers are numbered in subscription order, so
 * the first cache built is subscriber 0. For unit tests of the nodes' logic; the real bus is tested
 * against redis-server in tiercache-redis.
 */
public final class ScriptedBus implements InvalidationBus {
  private final List<Sub> subs = new ArrayList<>();
  private final List<Invalidation> published = new ArrayList<>();
  private long sequence;
  private volatile boolean down;

  /** One subscriber's delivery state. */
  private static final class Sub implements Subscription {
    final Consumer<Invalidation> listener;
    final Consumer<Long> onGap;
    final Deque<Invalidation> held = new ArrayDeque<>();
    boolean paused;
    volatile long watermark;
    volatile Instant lastHeard = Instant.MAX;

    Sub(Consumer<Invalidation> listener, Consumer<Long> onGap, long after) {
      this.listener = listener;
      this.onGap = onGap;
      this.watermark = after;
    }

    void deliver(Invalidation inv) {
      listener.accept(inv);
      watermark = inv.sequence();
    }

    @Override
    public long watermark() {
      return watermark;
    }

    @Override
    public Instant lastHeard() {
      return lastHeard;
    }

    @Override
    public void close() {}
  }

  /** Makes publishes fail (true) or succeed (false). */
  public void setDown(boolean down) {
    this.down = down;
  }

  @Override
  public synchronized Invalidation publish(
      InvalidationRequest request, String originNode, Instant issuedAt) {
    if (down) {
      throw new TierCacheException("bus down (scripted)");
    }
    Invalidation inv = new Invalidation(++sequence, request, originNode, issuedAt);
    published.add(inv);
    for (Sub s : subs) {
      if (s.paused) {
        s.held.add(inv);
      } else {
        s.deliver(inv);
      }
    }
    return inv;
  }

  @Override
  public synchronized Subscription subscribe(
      long afterSequence, Consumer<Invalidation> listener, Consumer<Long> onGap) {
    Sub s = new Sub(listener, onGap, afterSequence);
    subs.add(s);
    return s;
  }

  /** Holds back delivery to subscriber {@code i} until {@link #resume}. */
  public synchronized void pause(int i) {
    subs.get(i).paused = true;
  }

  /** Delivers what was held back from subscriber {@code i}, in order, and resumes delivery. */
  public synchronized void resume(int i) {
    Sub s = subs.get(i);
    while (!s.held.isEmpty()) {
      s.deliver(s.held.poll());
    }
    s.paused = false;
  }

  /** Tells subscriber {@code i} that everything before {@code firstRetained} is gone. */
  public synchronized void gap(int i, long firstRetained) {
    subs.get(i).onGap.accept(firstRetained);
  }

  /** Sets what subscriber {@code i} reports as last heard. */
  public void setLastHeard(int i, Instant lastHeard) {
    subs.get(i).lastHeard = lastHeard;
  }

  /** Every invalidation published so far, in order. */
  public synchronized List<Invalidation> published() {
    return List.copyOf(published);
  }

  /** The highest sequence given so far. */
  public synchronized long sequence() {
    return sequence;
  }

  @Override
  public void close() {}
}
