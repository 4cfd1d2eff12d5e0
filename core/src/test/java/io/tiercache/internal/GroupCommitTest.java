package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void writersWaitingDuringAnFsync_areAllCoveredByTheNextOne() throws Exception {
    GroupCommit commit = new GroupCommit(1, 0);
    CountDownLatch firstSyncRunning = new CountDownLatch(1);
    CountDownLatch releaseFirstSync = new CountDownLatch(1);
    AtomicInteger syncs = new AtomicInteger();
    GroupCommit.Sync sync =
        () -> {
          if (syncs.incrementAndGet() == 1) {
            firstSyncRunning.countDown();
            await(releaseFirstSync);
          }
        };
    commit.written(10);
    Future<?> first = pool.submit(() -> awaitDurable(commit, 10, sync));
    assertThat(firstSyncRunning.await(10, TimeUnit.SECONDS)).isTrue();
    // Ten more writers append while the only fsync slot is busy.
    List<Future<?>> others = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      commit.written(10 + i);
      long end = 10 + i;
      others.add(pool.submit(() -> awaitDurable(commit, end, sync)));
    }
    releaseFirstSync.countDown();
    first.get(10, TimeUnit.SECONDS);
    for (Future<?> f : others) {
      f.get(10, TimeUnit.SECONDS);
    }
    assertThat(commit.durable()).isEqualTo(20);
    assertThat(syncs.get()).isEqualTo(2); // one for the first writer, one for the ten others
  }

  @Test
  void aFailedFsync_failsItsWriters_andEveryLaterOne() throws Exception {
    GroupCommit commit = new GroupCommit(2, 0);
    commit.written(5);
    assertThatThrownBy(
            () ->
                commit.awaitDurable(
                    5,
                    () -> {
                      throw new IOException("disk gone");
                    }))
        .isInstanceOf(IOException.class);
    commit.written(6);
    assertThatThrownBy(() -> commit.awaitDurable(6, () -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("earlier fsync");
  }

  @Test
  void anOffsetAlreadyDurable_needsNoFsync() throws Exception {
    GroupCommit commit = new GroupCommit(1, 0);
    commit.written(8);
    commit.durableUpTo(8);
    commit.awaitDurable(
        8,
        () -> {
          throw new AssertionError("no fsync expected");
        });
    assertThat(commit.syncs()).isZero();
  }

  @Test
  void anInterruptedWriter_stillWaitsForItsFsync_andKeepsItsInterrupt() throws Exception {
    GroupCommit commit = new GroupCommit(1, 0);
    CountDownLatch syncRunning = new CountDownLatch(1);
    CountDownLatch releaseSync = new CountDownLatch(1);
    commit.written(1);
    Future<?> syncer =
        pool.submit(
            () ->
                awaitDurable(
                    commit,
                    1,
                    () -> {
                      syncRunning.countDown();
                      await(releaseSync);
                    }));
    assertThat(syncRunning.await(10, TimeUnit.SECONDS)).isTrue();
    commit.written(2);
    CountDownLatch parked = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean interruptKept =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              parked.countDown();
              awaitDurable(commit, 2, () -> {});
              interruptKept.set(Thread.currentThread().isInterrupted());
            });
    writer.start();
    assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
    writer.interrupt();
    releaseSync.countDown();
    syncer.get(10, TimeUnit.SECONDS);
    writer.join(10_000);

    assertThat(commit.durable()).isEqualTo(2);
    assertThat(interruptKept.get()).isTrue();
  }

  private static void awaitDurable(GroupCommit commit, long end, GroupCommit.Sync sync) {
    try {
      commit.awaitDurable(end, sync);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
