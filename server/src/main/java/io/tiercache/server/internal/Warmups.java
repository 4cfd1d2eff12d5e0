package io.tiercache.server.internal;

import io.tiercache.TierCacheException;
import io.tiercache.server.internal.Namespaces.Namespace;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm-up jobs: read a list of keys through a namespace's cache at a bounded rate, so a cold node
 * or a flushed tier fills without a burst on the source. Each tick (every 100 ms) reads the keys
 * the rate allows in one bulk read ({@code getAll}: L1, one pipelined L2 read, one bulk source
 * load); the class's own source rate limit still applies beneath. Jobs can be watched and
 * cancelled; the last 100 are kept.
 */
public final class Warmups implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Warmups.class);
  private static final long TICK_MS = 100;
  private static final int KEEP = 100;

  private final ScheduledExecutorService executor;
  private final Clock clock;
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  public Warmups(ScheduledExecutorService executor, Clock clock) {
    this.executor = executor;
    this.clock = clock;
  }

  /** The states of a job. */
  public enum State {
    RUNNING,
    DONE,
    CANCELLED
  }

  /** One warm-up; its counters are read while it runs. */
  public final class Job {
    private final String id;
    private final Namespace ns;
    private final List<String> keys;
    private final int rate;
    private final int skipped;
    private final String actor;
    private final Instant startedAt;
    private volatile State state = State.RUNNING;
    private volatile Instant finishedAt;
    private volatile int next; // written by the tick thread only
    private volatile long found;
    private volatile long missing;
    private volatile long failed;
    private double allowance; // tick thread only: keys the rate allows that are not read yet
    private ScheduledFuture<?> ticks;

    private Job(String id, Namespace ns, List<String> keys, int rate, int skipped, String actor) {
      this.id = id;
      this.ns = ns;
      this.keys = keys;
      this.rate = rate;
      this.skipped = skipped;
      this.actor = actor;
      this.startedAt = clock.instant();
    }

    private void tick() {
      if (state != State.RUNNING) {
        return;
      }
      allowance = Math.min(allowance + rate * TICK_MS / 1000.0, Math.max(1, rate)); // no bursts
      int n = Math.min((int) allowance, keys.size() - next);
      if (n > 0) {
        allowance -= n;
        List<String> batch = keys.subList(next, next + n);
        try {
          Map<String, String> got = ns.cache().getAll(batch);
          long hits = batch.stream().filter(got::containsKey).count(); // a replay repeats keys
          found += hits;
          missing += n - hits;
        } catch (TierCacheException e) {
          failed += n; // counted, and the job goes on: a warm-up is best effort
          log.debug("warm-up {} batch failed: {}", id, e.toString());
        }
        next += n;
      }
      if (next >= keys.size()) {
        finish(State.DONE);
      }
    }

    private synchronized void finish(State end) {
      if (state == State.RUNNING) {
        state = end;
        finishedAt = clock.instant();
        if (ticks != null) {
          ticks.cancel(false);
        }
      }
    }

    public String id() {
      return id;
    }

    public Namespace namespace() {
      return ns;
    }

    public State state() {
      return state;
    }

    /** The job's progress, as the API shows it. */
    public Map<String, Object> toJson() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("id", id);
      out.put("namespace", ns.name());
      out.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
      out.put("total", keys.size());
      out.put("done", next);
      out.put("found", found);
      out.put("missing", missing);
      out.put("failed", failed);
      out.put("skipped", skipped);
      out.put("rate", rate);
      out.put("actor", actor);
      out.put("startedAt", startedAt.toString());
      out.put("finishedAt", finishedAt == null ? null : finishedAt.toString());
      return out;
    }
  }

  /**
   * Starts a warm-up of {@code keys} at {@code rate} keys per second.
   *
   * @param skipped lines of an access log that named no key, reported with the progress
   */
  public Job start(Namespace ns, List<String> keys, int rate, int skipped, String actor) {
    String id = "w" + ids.incrementAndGet();
    Job job = new Job(id, ns, List.copyOf(keys), rate, skipped, actor);
    jobs.put(id, job);
    prune();
    synchronized (job) {
      job.ticks = executor.scheduleAtFixedRate(job::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
    }
    return job;
  }

  /** The job with {@code id}, or null. */
  public Job get(String id) {
    return jobs.get(id);
  }

  /** Every job kept, newest first. */
  public List<Job> all() {
    List<Job> out = new ArrayList<>(jobs.values());
    out.sort((a, b) -> b.startedAt.compareTo(a.startedAt));
    return out;
  }

  /**
   * Cancels a running job; the keys already read stay cached.
   *
   * @return whether it was running
   */
  public boolean cancel(Job job) {
    boolean running = job.state == State.RUNNING;
    job.finish(State.CANCELLED);
    return running;
  }

  private void prune() {
    if (jobs.size() > KEEP) {
      all().stream()
          .skip(KEEP)
          .filter(j -> j.state != State.RUNNING)
          .forEach(j -> jobs.remove(j.id));
    }
  }

  @Override
  public void close() {
    jobs.values().forEach(j -> j.finish(State.CANCELLED));
  }
}
