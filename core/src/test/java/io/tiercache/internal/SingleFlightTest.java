package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {
  private final SingleFlight<String> flights = new SingleFlight<>();

  @Test
  void callerArrivingDuringACall_waitsForItsResult() throws Exception {
    CountDownLatch leaderInside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger coalesced = new AtomicInteger();
    CompletableFuture<String> leader =
        CompletableFuture.supplyAsync(
            () ->
                flights.execute(
                    "k",
                    () -> {
                      calls.incrementAndGet();
                      leaderInside.countDown();
                      await(release);
                      return "v";
                    },
                    coalesced::incrementAndGet));
    assertThat(leaderInside.await(5, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> follower =
        CompletableFuture.supplyAsync(
            () ->
                flights.execute(
                    "k", () -> "own-" + calls.incrementAndGet(), coalesced::incrementAndGet));
    // the follower is parked on the leader's call: it registers as coalesced before release
    org.awaitility.Awaitility.await().until(() -> coalesced.get() == 1);
    release.countDown();
    assertThat(leader.get(5, TimeUnit.SECONDS)).isEqualTo("v");
    assertThat(follower.get(5, TimeUnit.SECONDS)).isEqualTo("v");
    assertThat(calls).hasValue(1);
    assertThat(flights.inFlight()).isZero();
  }

  @Test
  void failure_reachesWaiters_andIsNotRemembered() {
    assertThatThrownBy(
            () ->
                flights.execute(
                    "k",
                    () -> {
                      throw new IllegalStateException("boom");
                    },
                    () -> {}))
        .hasMessage("boom");
    assertThat(flights.execute("k", () -> "ok", () -> {})).isEqualTo("ok");
  }

  @Test
  void bulkCall_ownsFreeKeys_andWaitsForKeysOthersAreLoading() throws Exception {
    CountDownLatch singleInside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> single =
        CompletableFuture.supplyAsync(
            () ->
                flights.execute(
                    "b",
                    () -> {
                      singleInside.countDown();
                      await(release);
                      return "b-from-single";
                    },
                    () -> {}));
    assertThat(singleInside.await(5, TimeUnit.SECONDS)).isTrue();
    AtomicInteger coalesced = new AtomicInteger();
    CompletableFuture<Map<String, String>> bulk =
        CompletableFuture.supplyAsync(
            () ->
                flights.executeAll(
                    List.of("a", "b", "c"),
                    owned -> {
                      assertThat(owned).containsExactly("a", "c");
                      release.countDown();
                      return Map.of("a", "a1", "c", "c1");
                    },
                    coalesced::incrementAndGet));
    assertThat(bulk.get(5, TimeUnit.SECONDS))
        .containsEntry("a", "a1")
        .containsEntry("b", "b-from-single")
        .containsEntry("c", "c1");
    assertThat(single.get()).isEqualTo("b-from-single");
    assertThat(coalesced).hasValue(1);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
