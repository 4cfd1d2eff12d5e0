package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PublishLanesTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @Test
  void tasksOfOneKey_runInTheOrderTheyWereHandedOver() {
    PublishLanes lanes = new PublishLanes(4, 1024, "n1", meters);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 500; i++) {
      int n = i;
      lanes.execute("key", () -> ran.add(n));
    }
    lanes.close(Duration.ofSeconds(10));

    assertThat(ran).hasSize(500).isSorted();
  }

  @Test
  void aFullLane_runsTheTaskOnTheCallersThread_insteadOfDroppingIt() throws Exception {
    PublishLanes lanes = new PublishLanes(1, 1, "n1", meters);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    lanes.execute("a", () -> block(running, release)); // occupies the only lane's thread
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    List<String> threads = new CopyOnWriteArrayList<>();
    lanes.execute("b", () -> threads.add("queued:" + Thread.currentThread().getName()));

    lanes.execute("c", () -> threads.add("full:" + Thread.currentThread().getName()));

    assertThat(threads).containsExactly("full:" + Thread.currentThread().getName());
    assertThat(meters.get("tiercache.writes.publish.inline").counter().count()).isEqualTo(1);
    assertThat(meters.get("tiercache.writes.publish.queued").gauge().value()).isEqualTo(1);
    release.countDown();
    lanes.close(Duration.ofSeconds(10));
    assertThat(threads).hasSize(2).last().asString().startsWith("queued:tiercache-publish-n1-0");
  }

  @Test
  void close_runsWhatIsQueued_andLaterTasksRunOnTheirCaller() throws Exception {
    PublishLanes lanes = new PublishLanes(1, 16, "n1", meters);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    lanes.execute("a", () -> block(running, release));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    List<String> ran = new CopyOnWriteArrayList<>();
    lanes.execute("a", () -> ran.add("queued"));
    release.countDown();

    lanes.close(Duration.ofSeconds(10));
    lanes.execute("a", () -> ran.add("after close"));

    assertThat(ran).containsExactly("queued", "after close");
  }

  private static void block(CountDownLatch running, CountDownLatch release) {
    running.countDown();
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
