package io.tiercache.tools.demo;

import io.tiercache.Tier;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Where one cache class's reads were served and how long they took, as the readers saw them.
 * Readers record concurrently (adders and a wait-free {@link Recorder}); progress lines read the
 * counts while they grow, the report reads everything once the readers are done.
 */
final class ClassReads {
  private final String className;
  private final LongAdder l1 = new LongAdder();
  private final LongAdder l2 = new LongAdder();
  private final LongAdder source = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder failed = new LongAdder();
  // Nanoseconds, 3 significant digits, resizing: no guess of the slowest read is needed.
  private final Recorder latency = new Recorder(3);

  ClassReads(String className) {
    this.className = className;
  }

  String className() {
    return className;
  }

  /** A read answered from {@code tier} in {@code nanos}. */
  void served(Tier tier, long nanos) {
    switch (tier) {
      case L1 -> l1.increment();
      case L2 -> l2.increment();
      case SOURCE -> source.increment();
    }
    latency.recordValue(nanos);
  }

  /** A read turned away because the class's source rate limit was spent. */
  void refused() {
    refused.increment();
  }

  /** A read whose load failed. */
  void failed() {
    failed.increment();
  }

  long l1Hits() {
    return l1.sum();
  }

  long l2Hits() {
    return l2.sum();
  }

  /** Reads answered by the source, their own load or one they waited for. */
  long misses() {
    return source.sum();
  }

  long refusedReads() {
    return refused.sum();
  }

  long failedReads() {
    return failed.sum();
  }

  long hits() {
    return l1Hits() + l2Hits();
  }

  /** Every read, whatever its outcome. */
  long reads() {
    return hits() + misses() + refusedReads() + failedReads();
  }

  /**
   * The latencies of the answered reads recorded since the last call (so: since the start, when
   * called once after the readers stopped).
   */
  Histogram takeLatencies() {
    return latency.getIntervalHistogram();
  }
}
