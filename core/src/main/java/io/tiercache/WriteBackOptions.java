package io.tiercache;

import io.tiercache.classes.DataSize;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how a node journals write-back writes (DESIGN invariant 7). Immutable; start from
 * {@link #in(Path)}.
 *
 * @param directory this node's journal directory, created if missing. One node at a time: it is
 *     locked while the cache is open. It must survive the process (not a tmpfs), since after a
 *     crash the next start replays it.
 * @param maxJournalSize the bound of the journal on disk, counted in whole segments; beyond it
 *     writes fail fast with {@link WriteBackFullException} until the source has taken enough of
 *     them. At least two segments. One more segment is kept prepared ahead of use.
 * @param segmentSize the size of each journal file, preallocated (zero-filled) before use; a file
 *     is deleted once every write in it reached the source or was overwritten. One write (key and
 *     value) must fit in a segment. 4 KB to 1 GB.
 * @param batchSize the most keys per {@link CacheWriter#writeAll} call, 1 to 10,000
 * @param retryBackoff the pause after a failed batch, doubled after each further failure
 * @param maxRetryBackoff the longest pause between attempts
 * @param syncConcurrency how many fsyncs of the journal may run at once (group commit: each covers
 *     every write appended before it began; overlapping ones help disks that merge flushes), 1 to
 *     64
 * @param closeTimeout how long closing the cache waits for the pending writes to reach the source;
 *     what is left stays journaled and is replayed at the next start
 */
public record WriteBackOptions(
    Path directory,
    DataSize maxJournalSize,
    DataSize segmentSize,
    int batchSize,
    Duration retryBackoff,
    Duration maxRetryBackoff,
    int syncConcurrency,
    Duration closeTimeout) {

  public static final DataSize DEFAULT_MAX_JOURNAL_SIZE = DataSize.ofMegabytes(256);
  public static final DataSize DEFAULT_SEGMENT_SIZE = DataSize.ofMegabytes(16);
  public static final int DEFAULT_BATCH_SIZE = 500;
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(10);

  /**
   * One fsync at a time, each covering every writer waiting when it starts. With preallocated
   * segments it did best in {@code WriteBenchmark} on a busy 2-core machine (64 writers: ~50,000
   * acknowledged writes/s with one, ~35,000 with four, whose extra fsyncs cost CPU). Raise it for
   * disks that merge overlapping flushes: a raw test on growing files went from ~600 fsyncs/s one
   * at a time to ~6,000 four at a time.
   */
  public static final int DEFAULT_SYNC_CONCURRENCY = 1;

  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private static final long MIN_SEGMENT = 4096;
  private static final long MAX_SEGMENT = 1L << 30;

  public WriteBackOptions {
    if (directory == null) {
      throw new InvalidConfigException("directory", "a journal directory is required");
    }
    if (segmentSize == null
        || segmentSize.bytes() < MIN_SEGMENT
        || segmentSize.bytes() > MAX_SEGMENT) {
      throw new InvalidConfigException("segmentSize", "must be 4KB to 1GB, was " + segmentSize);
    }
    if (maxJournalSize == null || maxJournalSize.bytes() < 2 * segmentSize.bytes()) {
      throw new InvalidConfigException(
          "maxJournalSize",
          "must be at least two segments ("
              + 2 * segmentSize.bytes()
              + " bytes), was "
              + maxJournalSize);
    }
    if (batchSize < 1 || batchSize > 10_000) {
      throw new InvalidConfigException("batchSize", "must be 1 to 10000, was " + batchSize);
    }
    positive("retryBackoff", retryBackoff);
    positive("maxRetryBackoff", maxRetryBackoff);
    if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
      throw new InvalidConfigException(
          "maxRetryBackoff",
          "must be >= retryBackoff (" + retryBackoff + "), was " + maxRetryBackoff);
    }
    if (syncConcurrency < 1 || syncConcurrency > 64) {
      throw new InvalidConfigException(
          "syncConcurrency", "must be 1 to 64, was " + syncConcurrency);
    }
    if (closeTimeout == null || closeTimeout.isNegative()) {
      throw new InvalidConfigException("closeTimeout", "must be >= 0, was " + closeTimeout);
    }
  }

  /** The defaults, journaling in {@code directory}. */
  public static WriteBackOptions in(Path directory) {
    return new WriteBackOptions(
        directory,
        DEFAULT_MAX_JOURNAL_SIZE,
        DEFAULT_SEGMENT_SIZE,
        DEFAULT_BATCH_SIZE,
        DEFAULT_RETRY_BACKOFF,
        DEFAULT_MAX_RETRY_BACKOFF,
        DEFAULT_SYNC_CONCURRENCY,
        DEFAULT_CLOSE_TIMEOUT);
  }

  private static void positive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new InvalidConfigException(field, "must be positive, was " + d);
    }
  }

  /** A copy with another journal bound and segment size. */
  public WriteBackOptions withJournalSize(DataSize maxJournalSize, DataSize segmentSize) {
    return new WriteBackOptions(
        directory,
        maxJournalSize,
        segmentSize,
        batchSize,
        retryBackoff,
        maxRetryBackoff,
        syncConcurrency,
        closeTimeout);
  }

  /** A copy with another batch size. */
  public WriteBackOptions withBatchSize(int batchSize) {
    return new WriteBackOptions(
        directory,
        maxJournalSize,
        segmentSize,
        batchSize,
        retryBackoff,
        maxRetryBackoff,
        syncConcurrency,
        closeTimeout);
  }

  /** A copy with other retry pauses. */
  public WriteBackOptions withRetryBackoff(Duration retryBackoff, Duration maxRetryBackoff) {
    return new WriteBackOptions(
        directory,
        maxJournalSize,
        segmentSize,
        batchSize,
        retryBackoff,
        maxRetryBackoff,
        syncConcurrency,
        closeTimeout);
  }

  /** A copy with another number of concurrent fsyncs. */
  public WriteBackOptions withSyncConcurrency(int syncConcurrency) {
    return new WriteBackOptions(
        directory,
        maxJournalSize,
        segmentSize,
        batchSize,
        retryBackoff,
        maxRetryBackoff,
        syncConcurrency,
        closeTimeout);
  }

  /** A copy with another close timeout. */
  public WriteBackOptions withCloseTimeout(Duration closeTimeout) {
    return new WriteBackOptions(
        directory,
        maxJournalSize,
        segmentSize,
        batchSize,
        retryBackoff,
        maxRetryBackoff,
        syncConcurrency,
        closeTimeout);
  }
}
