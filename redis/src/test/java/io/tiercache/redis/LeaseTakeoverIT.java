package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.LoadOptions;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.redis.local.LocalRedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 4 across processes: a node in this JVM waits for the lease another JVM holds.
 * When that JVM is killed mid-load (SIGKILL: no finally block, no lease release) the lease is taken
 * over once its time has passed; when it finishes, its value is served and the source is read once.
 */
class LeaseTakeoverIT {
  private static final String KEY = "k";
  private static final String SOURCE_LOADS = "source-loads"; // outside the cache's key prefix

  private LocalRedisServer redis;
  private Fleet fleet;
  private ChildNode child;

  @BeforeEach
  void startRedis() {
    redis = LocalRedisServer.start();
    fleet = new Fleet(redis);
  }

  @AfterEach
  void stop() {
    if (child != null) {
      child.close();
    }
    fleet.close();
    redis.close();
  }

  /** A node in this JVM over the same Redis, prefix and source (the counter) as the child. */
  private Fleet.Node nodeInThisJvm(Duration leaseTime) {
    return fleet.node(
        "b",
        n ->
            n.classes(LoadingNodeMain.CLASSES)
                .loadOptions(
                    LoadOptions.DEFAULT
                        .withLeaseTime(leaseTime)
                        .withMaxLeaseWait(Duration.ofSeconds(20)))
                .loader(
                    key -> {
                      fleet.raw().incr(SOURCE_LOADS);
                      return Loaded.of(LoadingNodeMain.VALUE, 1);
                    }));
  }

  private long sourceLoads() {
    return Long.parseLong(fleet.raw().get(SOURCE_LOADS));
  }

  @Test
  void leaseOfAKilledProcess_isTakenOverOnceItsTimeHasPassed() throws Exception {
    Duration leaseTime = Duration.ofSeconds(2);
    child = ChildNode.start(redis, fleet.prefix(), leaseTime);
    child.awaitLoading();
    assertThat(fleet.leaseHolder(KEY)).startsWith(LoadingNodeMain.NODE_ID + ":");
    child.kill();
    Fleet.Node b = nodeInThisJvm(leaseTime);

    long start = System.nanoTime();
    long leaseLeftMs = fleet.leaseMillisLeft(KEY); // the dead holder's lease is still there
    Lookup<String> read = b.cache().lookup(KEY);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(leaseLeftMs).isPositive();
    assertThat(read.value()).isEqualTo(LoadingNodeMain.VALUE);
    assertThat(read.tier()).isEqualTo(Tier.SOURCE); // b loaded it itself, after the takeover
    // The takeover waited for the lease to lapse: no earlier, since nobody released it.
    assertThat(tookMs).isGreaterThanOrEqualTo(leaseLeftMs);
    assertThat(b.count("tiercache.lease.waits")).isEqualTo(1);
    assertThat(sourceLoads()).isEqualTo(2); // the killed load, and the one that took over
    assertThat(fleet.storedEntry(KEY).value())
        .isEqualTo(LoadingNodeMain.VALUE.getBytes(StandardCharsets.UTF_8));
    assertThat(fleet.leaseHolder(KEY)).isNull();
  }

  @Test
  void leaseOfALiveProcess_isWaitedFor_andItsValueServedWithoutAnotherLoad() throws Exception {
    // Far longer than the test, so that only the holder's store can end the wait.
    Duration leaseTime = Duration.ofSeconds(30);
    child = ChildNode.start(redis, fleet.prefix(), leaseTime);
    child.awaitLoading();
    Fleet.Node b = nodeInThisJvm(leaseTime);

    CompletableFuture<Lookup<String>> read =
        CompletableFuture.supplyAsync(() -> b.cache().lookup(KEY));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.count("tiercache.lease.waits") == 1);
    assertThat(read).isNotDone();
    child.finishLoad();

    assertThat(child.awaitDone()).isEqualTo(LoadingNodeMain.VALUE);
    Lookup<String> got = read.get(10, TimeUnit.SECONDS);
    assertThat(got.value()).isEqualTo(LoadingNodeMain.VALUE);
    assertThat(got.tier()).isEqualTo(Tier.L2); // the child's value, as it landed in Redis
    assertThat(sourceLoads()).isEqualTo(1);
    assertThat(b.count("tiercache.loads")).isZero();
    assertThat(child.exitCode()).isZero();
  }

  /** A {@link LoadingNodeMain} process and what it printed. */
  private static final class ChildNode implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Queue<String> output = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> loading = new CompletableFuture<>();
    private final CompletableFuture<String> done = new CompletableFuture<>();

    private ChildNode(Process process) {
      this.process = process;
      Thread reader = new Thread(this::readOutput, "child-node-output");
      reader.setDaemon(true);
      reader.start();
    }

    /** Starts the child on this JVM's own java binary and class path (test classes included). */
    static ChildNode start(LocalRedisServer redis, String prefix, Duration leaseTime)
        throws IOException {
      String java =
          ProcessHandle.current()
              .info()
              .command()
              .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      List<String> command =
          List.of(
              java,
              // A short-lived JVM: C1 alone starts faster, and speed is not what it is here for.
              "-XX:TieredStopAtLevel=1",
              "-cp",
              System.getProperty("java.class.path"),
              LoadingNodeMain.class.getName(),
              redis.host(),
              Integer.toString(redis.port()),
              prefix,
              Long.toString(leaseTime.toMillis()),
              KEY,
              SOURCE_LOADS);
      return new ChildNode(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private void readOutput() {
      try (BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          output.add(line);
          if (line.equals(LoadingNodeMain.LOADING)) {
            loading.complete(null);
          } else if (line.startsWith(LoadingNodeMain.DONE)) {
            done.complete(line.substring(LoadingNodeMain.DONE.length()));
          }
        }
      } catch (IOException e) {
        // The stream closes when the process dies; what it printed is kept for messages.
      }
      IllegalStateException ended = new IllegalStateException("child ended; output: " + output);
      loading.completeExceptionally(ended);
      done.completeExceptionally(ended);
    }

    void awaitLoading() throws Exception {
      await(loading);
    }

    String awaitDone() throws Exception {
      return await(done);
    }

    private <T> T await(CompletableFuture<T> printed) throws Exception {
      try {
        return printed.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("child printed only: " + output, e);
      }
    }

    /** Lets the child's load return. */
    void finishLoad() throws IOException {
      OutputStream stdin = process.getOutputStream();
      stdin.write("GO\n".getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    }

    /** SIGKILL, as a crash: the child gets no chance to release its lease. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    int exitCode() throws InterruptedException {
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
      return process.exitValue();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
