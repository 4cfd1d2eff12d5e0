package io.tiercache.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WorkloadTest {
  private static final List<String> SAMPLE =
      IntStream.range(0, 400)
          .mapToObj(i -> List.of("hot:", "product:", "session:", "blob:").get(i % 4) + i)
          .toList();

  private static List<String> ranked(Workload w) {
    return IntStream.range(0, w.sampleCount()).mapToObj(w::key).toList();
  }

  @Test
  void sameSeed_ranksTheKeysTheSameWay_otherSeedOtherwise() {
    assertThat(ranked(Workload.over(SAMPLE, 1.0, 5)))
        .isEqualTo(ranked(Workload.over(SAMPLE, 1.0, 5)));
    assertThat(ranked(Workload.over(SAMPLE, 1.0, 6)))
        .isNotEqualTo(ranked(Workload.over(SAMPLE, 1.0, 5)))
        .containsExactlyInAnyOrderElementsOf(SAMPLE);
  }

  @Test
  void aboutOnePercentOfReads_askForAbsentKeys_ofEveryPrefix() {
    Workload w = Workload.over(SAMPLE, 1.0, 5);
    SplittableRandom random = new SplittableRandom(9);
    Set<String> absentPrefixes = new HashSet<>();
    int absent = 0;
    int draws = 100_000;
    for (int i = 0; i < draws; i++) {
      int index = w.next(random);
      if (index >= w.sampleCount()) {
        absent++;
        String key = w.key(index);
        assertThat(key).contains(":absent-").isNotIn(SAMPLE);
        absentPrefixes.add(key.substring(0, key.indexOf(':') + 1));
      }
    }
    assertThat((double) absent / draws).isCloseTo(Workload.ABSENT_SHARE, within(0.002));
    assertThat(absentPrefixes).containsExactlyInAnyOrder("hot:", "product:", "session:", "blob:");
  }
}
