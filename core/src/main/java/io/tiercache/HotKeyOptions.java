package io.tiercache;

import java.time.Duration;

/**
 * How hot keys are found and kept. Immutable; start from {@link #DEFAULT}.
 *
 * @param enabled whether reads are sampled at all
 * @param sampleOneIn one read in this many is counted (a power of two), keeping the hot path cheap;
 *     the L1 hits of a class busy enough to give more than 20,000 samples a second this way are
 *     counted more thinly, 10,000 to 20,000 a second, each sample weighing the hits it stands for
 * @param trackedKeys how many keys each node's heavy-hitter sketch tracks
 * @param publishEvery how often a node merges its counts into the fleet's and fetches the result
 * @param prefetch whether fleet-hot keys missing from this node's L1 are loaded into it ahead of
 *     reads
 */
public record HotKeyOptions(
    boolean enabled, int sampleOneIn, int trackedKeys, Duration publishEvery, boolean prefetch) {

  public static final HotKeyOptions DEFAULT =
      new HotKeyOptions(true, 64, 64, Duration.ofSeconds(1), true);

  public static final HotKeyOptions DISABLED =
      new HotKeyOptions(false, 64, 64, Duration.ofSeconds(1), false);

  public HotKeyOptions {
    if (sampleOneIn < 1 || sampleOneIn > 1 << 16 || Integer.bitCount(sampleOneIn) != 1) {
      throw new InvalidConfigException(
          "sampleOneIn", "must be a power of two from 1 to 65536, was " + sampleOneIn);
    }
    if (trackedKeys < 1 || trackedKeys > 10_000) {
      throw new InvalidConfigException("trackedKeys", "must be 1 to 10000, was " + trackedKeys);
    }
    if (publishEvery == null || publishEvery.toMillis() < 10) {
      throw new InvalidConfigException(
          "publishEvery", "must be at least 10 ms, was " + publishEvery);
    }
  }

  public HotKeyOptions withSampleOneIn(int sampleOneIn) {
    return new HotKeyOptions(enabled, sampleOneIn, trackedKeys, publishEvery, prefetch);
  }

  public HotKeyOptions withPublishEvery(Duration publishEvery) {
    return new HotKeyOptions(enabled, sampleOneIn, trackedKeys, publishEvery, prefetch);
  }
}
