package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The L1-hit counters: exact across threads, monotonic while read, kept after threads end. */
class ThreadCountersTest {

  @Test
  void countsEveryIncrementOfEveryThread_andKeepsThemAfterTheThreadsEnd() throws Exception {
    ThreadCounters.Counter counter = new ThreadCounters().newCounter();
    int threads = 8;
    int each = 100_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w =
          new Thread(
              () -> {
                awaitQuietly(start);
                for (int i = 0; i < each; i++) {
                  counter.increment();
                }
              });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    assertThat(counter.sum()).isEqualTo((long) threads * each);
    // The ended threads' cells are folded by that read; nothing is lost or counted twice after.
    assertThat(counter.sum()).isEqualTo((long) threads * each);
    counter.increment();
    assertThat(counter.sum()).isEqualTo((long) threads * each + 1);
  }

  @Test
  void aReaderNeverSeesTheCountGoBack_whileThreadsCountAndEnd() throws Exception {
    ThreadCounters.Counter counter = new ThreadCounters().newCounter();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong decreases = new AtomicLong();
    Thread reader =
        new Thread(
            () -> {
              long last = 0;
              while (!stop.get()) {
                long now = counter.sum();
                if (now < last) {
                  decreases.incrementAndGet();
                }
                last = now;
              }
            });
    reader.start();
    long total = 0;
    for (int round = 0; round < 50; round++) { // short-lived threads, folded while read
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  counter.increment();
                }
              });
      w.start();
      w.join();
      total += 10_000;
    }
    stop.set(true);
    reader.join();
    assertThat(decreases.get()).isZero();
    assertThat(counter.sum()).isEqualTo(total);
  }

  @Test
  void countersOfOneSet_countApart_beyondTheCellsFirstSize_andAfterTheirThreadsEnd()
      throws Exception {
    ThreadCounters set = new ThreadCounters();
    List<ThreadCounters.Counter> counters = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      counters.add(set.newCounter());
    }
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread w =
          new Thread(
              () -> {
                for (int i = counters.size() - 1; i >= 0; i--) { // the last slot first: it grows
                  for (int n = 0; n <= i; n++) {
                    counters.get(i).increment();
                  }
                }
              });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    // The first read folds the ended threads' cells, every slot of them, not only its own.
    for (int i = 0; i < counters.size(); i++) {
      assertThat(counters.get(i).sum()).as("counter %d", i).isEqualTo(4L * (i + 1));
    }
    ThreadCounters.Counter late = set.newCounter(); // a slot no cell has room for yet
    late.increment();
    assertThat(late.sum()).isEqualTo(1);
    assertThat(counters.get(39).sum()).isEqualTo(160);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * More live threads than the id-indexed table has slots: threads whose slot is held fall back to
   * their thread-local cell, and nothing is lost.
   */
  @Test
  void countsExactly_withMoreLiveThreadsThanSlots() throws Exception {
    ThreadCounters.Counter counter = new ThreadCounters().newCounter();
    int threads = 300;
    int each = 1_000;
    CountDownLatch allAlive = new CountDownLatch(threads);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w =
          new Thread(
              () -> {
                counter.increment();
                allAlive.countDown();
                awaitQuietly(allAlive); // every thread holds or wants a slot at once
                for (int i = 1; i < each; i++) {
                  counter.increment();
                }
              });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    assertThat(counter.sum()).isEqualTo((long) threads * each);
  }

  @Test
  void add_countsItsAmountAtItsSlot_besideIncrements() {
    ThreadCounters counters = new ThreadCounters();
    ThreadCounters.Counter a = counters.newCounter();
    ThreadCounters.Counter b = counters.newCounter();
    ThreadCounters.Cell cell = counters.cell();
    cell.add(a.slot(), 64);
    cell.increment(a.slot());
    cell.add(b.slot(), 3);
    assertThat(a.sum()).isEqualTo(65);
    assertThat(b.sum()).isEqualTo(3);
  }
}
