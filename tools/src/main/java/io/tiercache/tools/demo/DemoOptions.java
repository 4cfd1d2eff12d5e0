package io.tiercache.tools.demo;

import io.tiercache.InvalidConfigException;
import java.time.Duration;

/**
 * How the demo reads. Immutable; errors name the command-line option.
 *
 * @param duration how long to read, 1 s to 24 h
 * @param threads reader threads, 1 to 256
 * @param nodes cache nodes the threads are spread over, 1 to 16 and at most {@code threads}
 * @param zipfExponent the skew of key popularity, 0 (uniform) to 10
 * @param seed seeds key ranks and every reader's random draws
 */
record DemoOptions(Duration duration, int threads, int nodes, double zipfExponent, long seed) {
  private static final Duration MIN_DURATION = Duration.ofSeconds(1);
  private static final Duration MAX_DURATION = Duration.ofHours(24);

  DemoOptions {
    if (duration == null
        || duration.compareTo(MIN_DURATION) < 0
        || duration.compareTo(MAX_DURATION) > 0) {
      throw new InvalidConfigException("--duration", "must be 1s to 24h, was " + duration);
    }
    if (threads < 1 || threads > 256) {
      throw new InvalidConfigException("--threads", "must be 1 to 256, was " + threads);
    }
    if (nodes < 1 || nodes > 16 || nodes > threads) {
      throw new InvalidConfigException(
          "--nodes", "must be 1 to 16 and at most --threads (" + threads + "), was " + nodes);
    }
    if (!(zipfExponent >= 0 && zipfExponent <= 10)) {
      throw new InvalidConfigException("--zipf", "must be 0 to 10, was " + zipfExponent);
    }
  }
}
