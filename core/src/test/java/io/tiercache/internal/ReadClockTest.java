package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The L1 hit path's clock: sampled for the system clock, exact near every deadline. */
class ReadClockTest {

  @Test
  void aDeadlineNearTheSampleIsJudgedByTheExactClock() {
    ManualClock exact = ManualClock.startingAt2030();
    long t0 = exact.millis();
    AtomicLong sample = new AtomicLong(t0); // a sampling thread that stopped at t0
    ReadClock clock = ReadClock.sampling(exact, sample);
    exact.advance(Duration.ofSeconds(5)); // the wall clock moved on, the sample did not

    long now = clock.millis();
    assertThat(now).isEqualTo(t0);
    long deadline = t0 + 10; // fresh by the sample, expired by the wall clock
    assertThat(clock.exactNear(deadline, now)).isEqualTo(exact.millis());
    assertThat(deadline < clock.exactNear(deadline, now)).isTrue();

    long far = t0 + ReadClock.EXACT_WITHIN_MS + 1; // far from the sample: the sample decides
    assertThat(clock.exactNear(far, now)).isEqualTo(t0);
  }

  @Test
  void aSampleLeftBehindByAPause_catchesUp_andNeverGoesBack() {
    ManualClock exact = ManualClock.startingAt2030();
    long t0 = exact.millis();
    AtomicLong sample = new AtomicLong(t0);
    ReadClock clock = ReadClock.sampling(exact, sample);

    exact.advance(Duration.ofMillis(ReadClock.CATCH_UP_BEYOND_MS)); // one sampling period late
    clock.catchUp();
    assertThat(clock.millis()).isEqualTo(t0);

    exact.advance(Duration.ofMillis(900)); // the sampling thread slept through a pause
    clock.catchUp();
    assertThat(clock.millis()).isEqualTo(exact.millis());

    sample.set(exact.millis() + 5); // written by the sampling thread just now
    clock.catchUp();
    assertThat(clock.millis()).isEqualTo(exact.millis() + 5);
  }

  @Test
  void anInjectedClockIsReadEveryTimeAndNeverSampled() {
    ManualClock exact = ManualClock.startingAt2030();
    ReadClock clock = ReadClock.of(exact);
    exact.advance(Duration.ofMillis(1));
    assertThat(clock.millis()).isEqualTo(exact.millis());
    exact.advance(Duration.ofHours(1));
    assertThat(clock.millis()).isEqualTo(exact.millis());
    assertThat(clock.exactNear(exact.millis() + 1, exact.millis())).isEqualTo(exact.millis());
    clock.close();
  }

  @Test
  void theSystemClockIsSampledAndFollowsTheWallClock() {
    ReadClock clock = ReadClock.of(Clock.systemUTC());
    try {
      long before = System.currentTimeMillis();
      // The sample trails the wall clock and catches up: it is never ahead of it.
      await().atMost(Duration.ofSeconds(5)).until(() -> clock.millis() >= before + 20);
      long sample = clock.millis();
      assertThat(sample).isLessThanOrEqualTo(System.currentTimeMillis());
    } finally {
      clock.close();
    }
  }
}
