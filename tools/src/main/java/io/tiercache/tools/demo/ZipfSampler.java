package io.tiercache.tools.demo;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Draws ranks {@code 1..n} with probability proportional to {@code 1 / rank^exponent} (Zipf's law:
 * rank 1 is the most frequent, rank 2 half as frequent when the exponent is 1, and so on). An
 * exponent of 0 is the uniform distribution.
 *
 * <p>Why no library: a precomputed cumulative distribution and a binary search are a dozen lines,
 * exact for every exponent and {@code O(log n)} per draw; the key spaces drawn from here hold
 * thousands to a few million keys, so the table fits easily. Immutable and thread-safe; the
 * randomness comes from the caller.
 */
final class ZipfSampler {
  private final double[] cdf; // cdf[i] = P(rank <= i + 1); cdf[n - 1] == 1

  /**
   * @param n how many ranks, 1 to 50,000,000
   * @param exponent the skew, 0 (uniform) to 10
   */
  ZipfSampler(int n, double exponent) {
    if (n < 1 || n > 50_000_000) {
      throw new IllegalArgumentException("n must be 1 to 50000000, was " + n);
    }
    if (!(exponent >= 0 && exponent <= 10)) {
      throw new IllegalArgumentException("exponent must be 0 to 10, was " + exponent);
    }
    cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, exponent);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    cdf[n - 1] = 1; // rounding must not leave a gap that no draw lands in
  }

  /** A rank from 1 to {@link #size()}. */
  int next(RandomGenerator random) {
    double u = random.nextDouble(); // in [0, 1)
    int i = Arrays.binarySearch(cdf, u);
    // The rank is the first whose cumulative probability exceeds u.
    int index = i >= 0 ? i + 1 : -i - 1;
    return Math.min(index, cdf.length - 1) + 1;
  }

  /** How many ranks. */
  int size() {
    return cdf.length;
  }

  /** The probability of {@code rank}. */
  double probability(int rank) {
    return rank == 1 ? cdf[0] : cdf[rank - 1] - cdf[rank - 2];
  }
}
