package io.tiercache.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.TierCacheException;
import io.tiercache.redis.internal.BusEntries;
import io.tiercache.redis.internal.BusScripts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends invalidations to the stream with group commit: callers queue their request and wait; one
 * thread takes everything queued, coalesces runs of key invalidations from the same origin, reason
 * and actor into one KEYS entry (deduplicated, up to {@link InvalidationRequest#MAX_KEYS}), and
 * appends all entries with one script call. At low load a batch is one request and adds no delay;
 * in a storm (a bulk update invalidating a key per row) the batches grow with the round-trip time,
 * so the stream and every subscriber see a few large entries instead of thousands of small ones.
 *
 * <p>Each caller gets its own request back with the sequence of the entry that carries it.
 */
final class BusPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BusPublisher.class);
  private static final int MAX_REQUESTS_PER_CALL = 4096;
  private static final int MAX_ENTRIES_PER_CALL = 256;

  private record Queued(
      InvalidationRequest request,
      String origin,
      Instant issuedAt,
      CompletableFuture<Invalidation> done) {}

  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final RedisBusOptions options;
  private final LinkedBlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closed;

  BusPublisher(
      RedisClusterAsyncCommands<String, byte[]> commands, RedisBusOptions options, String node) {
    this.commands = commands;
    this.options = options;
    this.thread = new Thread(this::run, "tiercache-bus-publish-" + node);
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a request; the future completes with its sequence, or fails when Redis did. */
  CompletableFuture<Invalidation> submit(
      InvalidationRequest request, String origin, Instant issuedAt) {
    CompletableFuture<Invalidation> done = new CompletableFuture<>();
    if (closed) {
      done.completeExceptionally(new TierCacheException("the invalidation bus is closed"));
      return done;
    }
    queue.add(new Queued(request, origin, issuedAt, done));
    return done;
  }

  private void run() {
    List<Queued> batch = new ArrayList<>();
    while (!closed) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      queue.drainTo(batch, MAX_REQUESTS_PER_CALL - 1);
      try {
        send(batch);
      } catch (InterruptedException e) {
        fail(batch, new TierCacheException("the invalidation bus is closed"));
        break;
      } catch (RuntimeException e) {
        fail(batch, e); // futures already completed ignore this
      }
      batch.clear();
    }
    List<Queued> left = new ArrayList<>();
    queue.drainTo(left);
    fail(left, new TierCacheException("the invalidation bus is closed"));
  }

  private void send(List<Queued> batch) throws InterruptedException {
    List<List<Queued>> entries = coalesce(batch);
    for (int from = 0; from < entries.size(); from += MAX_ENTRIES_PER_CALL) {
      List<List<Queued>> call =
          entries.subList(from, Math.min(entries.size(), from + MAX_ENTRIES_PER_CALL));
      List<Object> args = new ArrayList<>(2 + 6 * call.size());
      args.add(Long.toString(options.maxLength()));
      args.add(Integer.toString(call.size()));
      for (List<Queued> entry : call) {
        Queued first = entry.get(0);
        args.addAll(BusEntries.fields(merged(entry), first.origin(), first.issuedAt()));
      }
      long firstSequence;
      try {
        firstSequence =
            BusScripts.PUBLISH
                .<Long>run(
                    commands,
                    new String[] {options.counterKey(), options.streamKey()},
                    args.toArray())
                .toCompletableFuture()
                .get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        List<Queued> failed = new ArrayList<>();
        entries.subList(from, entries.size()).forEach(failed::addAll);
        fail(failed, cause);
        return;
      }
      for (int i = 0; i < call.size(); i++) {
        long sequence = firstSequence + i;
        for (Queued q : call.get(i)) {
          q.done().complete(new Invalidation(sequence, q.request(), q.origin(), q.issuedAt()));
        }
      }
    }
  }

  /** Groups consecutive key invalidations that can share an entry; everything else alone. */
  private static List<List<Queued>> coalesce(List<Queued> batch) {
    List<List<Queued>> entries = new ArrayList<>();
    List<Queued> current = null;
    int keys = 0;
    for (Queued q : batch) {
      int n = q.request().values().size();
      if (current != null
          && isKeys(q)
          && sameSource(current.get(0), q)
          && keys + n <= InvalidationRequest.MAX_KEYS) {
        current.add(q);
        keys += n;
        continue;
      }
      current = new ArrayList<>();
      current.add(q);
      entries.add(current);
      keys = isKeys(q) ? n : InvalidationRequest.MAX_KEYS + 1; // a rule never takes company
    }
    return entries;
  }

  private static boolean isKeys(Queued q) {
    InvalidationScope s = q.request().scope();
    return s == InvalidationScope.KEY || s == InvalidationScope.KEYS;
  }

  private static boolean sameSource(Queued a, Queued b) {
    return a.origin().equals(b.origin())
        && a.request().reason().equals(b.request().reason())
        && a.request().actor().equals(b.request().actor());
  }

  private static InvalidationRequest merged(List<Queued> entry) {
    InvalidationRequest first = entry.get(0).request();
    if (entry.size() == 1) {
      return first;
    }
    LinkedHashSet<String> keys = new LinkedHashSet<>();
    entry.forEach(q -> keys.addAll(q.request().values()));
    InvalidationRequest r =
        keys.size() == 1
            ? InvalidationRequest.key(keys.iterator().next())
            : InvalidationRequest.keys(List.copyOf(keys));
    return r.because(first.reason()).by(first.actor());
  }

  private static void fail(List<Queued> queued, Throwable cause) {
    if (!queued.isEmpty()) {
      log.debug("publishing {} invalidation(s) failed", queued.size(), cause);
    }
    for (Queued q : queued) {
      q.done().completeExceptionally(cause);
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
