package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.classes.CacheClass;
import io.tiercache.classes.RefreshStrategy;
import io.tiercache.spi.Entry;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** XFetch's cheap pre-check never hides a refresh that a draw could trigger. */
class DeadlinesTest {
  private static final CacheClass XFETCH =
      CacheClass.builder("x", "x:*")
          .ttl(Duration.ofMinutes(1))
          .refreshStrategy(RefreshStrategy.EARLY_PROBABILISTIC)
          .earlyRefreshBeta(2.0)
          .build();

  @Test
  void noDrawIsDueWhereThePreCheckSaysNone() {
    SplittableRandom random = new SplittableRandom(7);
    long now = 1_000_000;
    for (int i = 0; i < 200_000; i++) {
      int compute = random.nextInt(1, 500);
      long freshUntil = now + random.nextLong(0, 200_000);
      Entry e = new Entry(new byte[0], 1, now, freshUntil, freshUntil + 1000, compute, Set.of());
      // The extreme draws as the read path makes them (u = 1 - r), and a random one.
      for (double r : new double[] {Math.nextDown(1.0), 0.0, random.nextDouble()}) {
        if (Deadlines.dueForRefresh(XFETCH, e, now, 1.0 - r, 0.1)) {
          assertThat(Deadlines.mayBeDue(XFETCH, e, now)).isTrue();
        }
      }
    }
  }

  @Test
  void theLargestDrawIsDueJustInsideTheLeadAndNothingBeyondIt() {
    long now = 1_000_000;
    int compute = 100;
    double lead = compute * 2.0 * 53 * Math.log(2); // delta * beta * max(-ln u)
    double smallestU = 1.0 - Math.nextDown(1.0);
    Entry inside = entry(now + (long) lead - 1, compute);
    Entry beyond = entry(now + (long) lead + 2, compute);
    assertThat(Deadlines.dueForRefresh(XFETCH, inside, now, smallestU, 0.1)).isTrue();
    assertThat(Deadlines.mayBeDue(XFETCH, beyond, now)).isFalse();
    assertThat(Deadlines.dueForRefresh(XFETCH, beyond, now, smallestU, 0.1)).isFalse();
  }

  private static Entry entry(long freshUntil, int compute) {
    return new Entry(new byte[0], 1, 0, freshUntil, freshUntil + 1000, compute, Set.of());
  }
}
