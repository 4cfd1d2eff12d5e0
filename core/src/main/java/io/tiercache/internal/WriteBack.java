package io.tiercache.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.tiercache.CacheWriter;
import io.tiercache.ValueCodec;
import io.tiercache.VersionedValue;
import io.tiercache.WriteBackFullException;
import io.tiercache.WriteBackOptions;
import io.tiercache.WriteFailedException;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-back (DESIGN invariant 7): a write is journaled durably, then acknowledged; a flusher
 * thread writes the newest pending write of each key to the source in batches, retrying with
 * backoff, and releases the journal records the source now has.
 *
 * <p>Pending writes are kept twice: by key (the newest write of each key, which reads on this node
 * see before the source) and by journal offset (so the oldest go first and the lag is the age of
 * the first). Both change together inside {@code byKey.compute}, which orders all changes of one
 * key. A write loses to a pending write of its key with a newer version; the loser's journal record
 * is released at once, so a journal segment is deleted as soon as each of its records was written
 * or overwritten.
 *
 * <p>Nothing acknowledged is dropped: the journal bound refuses new writes ({@link
 * WriteBackFullException}) and never discards old ones; a batch that fails stays pending and is
 * retried; closing flushes for up to {@link WriteBackOptions#closeTimeout()} and leaves the rest
 * journaled for the next start, which replays it.
 */
final class WriteBack<V> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WriteBack.class);

  /** A pending write and where its record is. */
  private static final class Pending<V> {
    final String key;
    final VersionedValue<V> write;
    final long offset;
    final Journal.Segment segment;
    final long journaledAtMs;

    Pending(String key, VersionedValue<V> write, long offset, Journal.Segment segment, long at) {
      this.key = key;
      this.write = write;
      this.offset = offset;
      this.segment = segment;
      this.journaledAtMs = at;
    }
  }

  private final WriteBackOptions options;
  private final ValueCodec<V> codec;
  private final CacheWriter<V> writer;
  private final Clock clock;
  private final Journal journal;
  private final ConcurrentHashMap<String, Pending<V>> byKey = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, Pending<V>> byOffset = new ConcurrentSkipListMap<>();
  private final Thread flusher;
  private final Counter acknowledged;
  private final Counter flushed;
  private final Counter failures;
  private final Counter rejected;
  private volatile boolean closing;
  // Records overwritten during replay, released once the journal is open.
  private final List<Journal.Segment> releasedInReplay = new ArrayList<>();
  // What the replay found pending, until the cache has republished it.
  private final Map<String, VersionedValue<V>> replayed = new LinkedHashMap<>();

  WriteBack(
      WriteBackOptions options,
      ValueCodec<V> codec,
      CacheWriter<V> writer,
      Clock clock,
      MeterRegistry registry) {
    this.options = options;
    this.codec = codec;
    this.writer = writer;
    this.clock = clock;
    try {
      this.journal =
          Journal.open(
              options.directory(),
              options.segmentSize().bytes(),
              options.maxJournalSize().bytes(),
              options.syncConcurrency(),
              () -> clock.millis() * 1000,
              this::replayed);
    } catch (IOException e) {
      throw new WriteFailedException(
          "(journal)", new IOException("cannot open the journal in " + options.directory(), e));
    }
    releasedInReplay.forEach(journal::release);
    releasedInReplay.clear();
    byKey.forEach((k, p) -> replayed.put(k, p.write));
    if (!byKey.isEmpty()) {
      log.info("replayed {} pending writes from {}", byKey.size(), options.directory());
    }
    this.acknowledged = counter(registry, "tiercache.writeback.writes", "writes journaled");
    this.flushed = counter(registry, "tiercache.writeback.flushed", "writes the source took");
    this.failures = counter(registry, "tiercache.writeback.flush.failures", "failed batches");
    this.rejected =
        counter(registry, "tiercache.writeback.rejected", "writes refused: journal full");
    Gauge.builder("tiercache.writeback.pending", byKey, Map::size)
        .description("keys whose newest write has not reached the source")
        .register(registry);
    Gauge.builder("tiercache.writeback.journal.bytes", journal, Journal::bytes)
        .description("bytes of journal on disk")
        .register(registry);
    FunctionCounter.builder("tiercache.writeback.journal.syncs", journal, Journal::syncs)
        .description("fsyncs of the journal; writes per fsync shows the group commit at work")
        .register(registry);
    TimeGauge.builder(
            "tiercache.writeback.lag", this, TimeUnit.MILLISECONDS, WriteBack::oldestPendingAgeMs)
        .description("age of the oldest write that has not reached the source")
        .register(registry);
    // A thread of its own, not the cache's executor: it lives as long as the cache and blocks on
    // the source, which would starve a shared pool.
    this.flusher = new Thread(this::flushLoop, "tiercache-writeback-" + options.directory());
    flusher.setDaemon(true);
    flusher.start();
  }

  private static Counter counter(MeterRegistry registry, String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  private void replayed(Journal.Record r, Journal.Segment segment, long end) {
    V value = r.type() == Journal.DELETE ? null : codec.decode(r.value());
    Pending<V> p =
        new Pending<>(
            r.key(), new VersionedValue<>(value, r.version()), end, segment, clock.millis());
    adopt(p).forEach(loser -> releasedInReplay.add(loser.segment));
  }

  /**
   * Journals a write durably and makes it pending.
   *
   * @param value the value, or {@code null} to delete the key
   * @return the write's version
   * @throws WriteBackFullException when the journal is at its bound
   * @throws WriteFailedException when the journal cannot be written
   */
  long write(String key, V value) {
    if (closing) {
      throw new WriteFailedException(key, "the cache is closing");
    }
    Journal.Appended a;
    try {
      a = journal.append(value == null ? Journal.DELETE : Journal.PUT, key, encode(value));
      journal.awaitDurable(a.end());
    } catch (WriteBackFullException e) {
      rejected.increment();
      throw e;
    } catch (IOException e) {
      throw new WriteFailedException(key, e);
    }
    acknowledged.increment();
    Pending<V> p =
        new Pending<>(
            key, new VersionedValue<>(value, a.version()), a.end(), a.segment(), clock.millis());
    adopt(p).forEach(loser -> journal.release(loser.segment));
    LockSupport.unpark(flusher);
    return a.version();
  }

  private byte[] encode(V value) {
    return value == null ? new byte[0] : codec.encode(value);
  }

  /** Makes {@code p} the pending write of its key unless a newer one is; returns the loser. */
  private List<Pending<V>> adopt(Pending<V> p) {
    List<Pending<V>> released = new ArrayList<>(1);
    byKey.compute(
        p.key,
        (k, prev) -> {
          if (prev != null && prev.write.version() > p.write.version()) {
            released.add(p);
            return prev;
          }
          if (prev != null) {
            byOffset.remove(prev.offset, prev);
            released.add(prev);
          }
          byOffset.put(p.offset, p);
          return p;
        });
    return released;
  }

  /**
   * Hands over, once, the writes the replay found pending: their cache updates may have been lost
   * with the crash, leaving older copies in L2.
   */
  Map<String, VersionedValue<V>> takeReplayed() {
    Map<String, VersionedValue<V>> out = new LinkedHashMap<>(replayed);
    replayed.clear();
    return out;
  }

  /** The newest pending write of {@code key}, or {@code null} when the source has them all. */
  VersionedValue<V> pending(String key) {
    Pending<V> p = byKey.get(key);
    return p == null ? null : p.write;
  }

  long pendingCount() {
    return byKey.size();
  }

  double oldestPendingAgeMs() {
    Map.Entry<Long, Pending<V>> first = byOffset.firstEntry();
    return first == null ? 0 : Math.max(0, clock.millis() - first.getValue().journaledAtMs);
  }

  Journal journal() {
    return journal;
  }

  private void flushLoop() {
    long backoff = options.retryBackoff().toNanos();
    long closeDeadline = Long.MAX_VALUE;
    int failedInARow = 0;
    while (true) {
      if (closing && closeDeadline == Long.MAX_VALUE) {
        closeDeadline = System.nanoTime() + options.closeTimeout().toNanos();
      }
      if (byOffset.isEmpty()) {
        if (closing) {
          return;
        }
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        continue;
      }
      if (System.nanoTime() - closeDeadline > 0) {
        log.warn("closing with {} writes still pending; they stay journaled", byKey.size());
        return;
      }
      List<Pending<V>> batch = nextBatch();
      try {
        writer.writeAll(toMap(batch));
        done(batch);
        if (failedInARow > 0) {
          log.info("the source takes write-back batches again after {} failures", failedInARow);
        }
        failedInARow = 0;
        backoff = options.retryBackoff().toNanos();
      } catch (Exception | Error e) {
        failures.increment();
        // One warning per outage, not one per attempt; the counter has them all.
        if (failedInARow++ == 0) {
          log.warn("write-back batches fail; retrying with backoff: {}", e.toString());
        }
        log.debug("write-back batch of {} failed", batch.size(), e);
        pause(backoff, closeDeadline);
        backoff = Math.min(backoff * 2, options.maxRetryBackoff().toNanos());
      }
    }
  }

  private List<Pending<V>> nextBatch() {
    List<Pending<V>> batch = new ArrayList<>(Math.min(options.batchSize(), byOffset.size()));
    for (Pending<V> p : byOffset.values()) {
      batch.add(p);
      if (batch.size() == options.batchSize()) {
        break;
      }
    }
    return batch;
  }

  private Map<String, VersionedValue<V>> toMap(List<Pending<V>> batch) {
    Map<String, VersionedValue<V>> m = new LinkedHashMap<>();
    batch.forEach(p -> m.put(p.key, p.write));
    return m;
  }

  /** The source has these writes: drop each unless a newer write of its key came meanwhile. */
  private void done(List<Pending<V>> batch) {
    for (Pending<V> p : batch) {
      boolean[] removed = {false};
      byKey.computeIfPresent(
          p.key,
          (k, cur) -> {
            if (cur != p) {
              return cur; // overwritten while in flight: the newer write stays pending
            }
            byOffset.remove(p.offset, p);
            removed[0] = true;
            return null;
          });
      if (removed[0]) {
        journal.release(p.segment);
      }
    }
    flushed.increment(batch.size());
  }

  // Backoff between attempts against a failing source: a real pause, cut short by close.
  private void pause(long nanos, long closeDeadline) {
    long until = System.nanoTime() + nanos;
    while (System.nanoTime() - until < 0) {
      if (closing && System.nanoTime() - closeDeadline > 0) {
        return;
      }
      LockSupport.parkNanos(this, until - System.nanoTime());
    }
  }

  /** Stops accepting writes, flushes what it can within the close timeout, closes the journal. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(flusher);
    try {
      flusher.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      journal.close();
    } catch (IOException e) {
      log.warn("closing the journal failed; it is replayed at the next start", e);
    }
  }
}
