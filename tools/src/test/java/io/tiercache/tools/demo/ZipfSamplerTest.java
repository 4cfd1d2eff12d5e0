package io.tiercache.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ZipfSamplerTest {
  private static final int DRAWS = 200_000;

  private static int[] counts(ZipfSampler zipf, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] counts = new int[zipf.size() + 1];
    for (int i = 0; i < DRAWS; i++) {
      counts[zipf.next(random)]++;
    }
    return counts;
  }

  @Test
  void rankOne_isDrawnMostOften_andFrequencyFallsWithRank() {
    int[] counts = counts(new ZipfSampler(1000, 1.0), 7);

    int mostDrawn =
        IntStream.rangeClosed(1, 1000).reduce((a, b) -> counts[a] >= counts[b] ? a : b).getAsInt();
    assertThat(mostDrawn).isEqualTo(1);
    assertThat(counts[1]).isGreaterThan(counts[2]).isGreaterThan(counts[10]);
    assertThat(counts[10]).isGreaterThan(counts[100]);
  }

  @Test
  void drawFrequencies_followOneOverRankToTheExponent() {
    ZipfSampler zipf = new ZipfSampler(100, 1.0);
    int[] counts = counts(zipf, 11);

    // P(1) / P(2) = 2^s = 2 for s = 1; H(100) ~ 5.187, so P(1) ~ 0.1928.
    assertThat(zipf.probability(1) / zipf.probability(2)).isCloseTo(2.0, within(1e-9));
    assertThat(zipf.probability(1)).isCloseTo(1 / 5.187378, within(1e-4));
    assertThat((double) counts[1] / DRAWS).isCloseTo(zipf.probability(1), within(0.005));
    assertThat((double) counts[2] / DRAWS).isCloseTo(zipf.probability(2), within(0.005));
  }

  @Test
  void sameSeed_drawsTheSameRanks_otherSeedOthers() {
    ZipfSampler zipf = new ZipfSampler(5000, 1.2);
    SplittableRandom a = new SplittableRandom(42);
    SplittableRandom b = new SplittableRandom(42);
    SplittableRandom c = new SplittableRandom(43);
    int[] first = IntStream.range(0, 1000).map(i -> zipf.next(a)).toArray();
    int[] again = IntStream.range(0, 1000).map(i -> zipf.next(b)).toArray();
    int[] other = IntStream.range(0, 1000).map(i -> zipf.next(c)).toArray();

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void exponentZero_isUniform_andEveryRankIsInRange() {
    ZipfSampler zipf = new ZipfSampler(10, 0);
    int[] counts = counts(zipf, 3);

    assertThat(counts[0]).isZero();
    for (int rank = 1; rank <= 10; rank++) {
      assertThat((double) counts[rank] / DRAWS).isCloseTo(0.1, within(0.01));
    }
  }

  @Test
  void oneRank_isAlwaysRankOne() {
    ZipfSampler zipf = new ZipfSampler(1, 1.0);
    SplittableRandom random = new SplittableRandom(1);
    assertThat(IntStream.range(0, 100).map(i -> zipf.next(random))).containsOnly(1);
  }

  @Test
  void invalidSizeOrExponent_isRefusedWithTheRange() {
    assertThatThrownBy(() -> new ZipfSampler(0, 1.0)).hasMessageContaining("n must be 1 to");
    assertThatThrownBy(() -> new ZipfSampler(10, -0.5))
        .hasMessageContaining("exponent must be 0 to 10");
    assertThatThrownBy(() -> new ZipfSampler(10, Double.NaN))
        .hasMessageContaining("exponent must be 0 to 10");
  }
}
