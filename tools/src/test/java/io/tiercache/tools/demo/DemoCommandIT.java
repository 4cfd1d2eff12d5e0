package io.tiercache.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.tools.TiercacheCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tiercache demo} end to end: H2, a real {@code redis-server}, the printed report. */
class DemoCommandIT {
  private static final List<String> SHIPPED_CLASSES = List.of("hot", "session", "blob", "default");
  private static final String COUNT = "[\\d,]+";

  /** Runs the command in this JVM; returns exit code, stdout and stderr. */
  private record Run(int exitCode, String out, String err) {}

  private static Run demo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new TiercacheCli());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exitCode = cli.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void demo_reportsHitRatiosAndLatenciesOfEveryShippedClass_andExitsZero() {
    Run run = demo("demo", "--duration", "3s");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).doesNotContain("WARNING");
    assertThat(run.out()).contains("Where the reads were served", "How long they took");
    for (String c : SHIPPED_CLASSES) {
      // class, reads, L1 hits, L2 hits, misses, hit ratio
      assertThat(run.out())
          .containsPattern(
              Pattern.compile(
                  "(?m)^\\s+" + c + "(\\s+" + COUNT + "){4}\\s+\\d{1,3}\\.\\d\\d%\\s+" + COUNT));
      // class, read p50, p99, p99.9, load p50, p99
      assertThat(run.out())
          .containsPattern(Pattern.compile("(?m)^\\s+" + c + "(\\s+[\\d.]+ (ns|us|ms|s)){5}$"));
    }
    assertThat(run.out())
        .containsPattern("(?m)^\\s+all(\\s+" + COUNT + "){4}\\s+\\d{1,3}\\.\\d\\d%");
  }

  @Test
  void demo_stopsTheRedisServerItStarted() {
    Run run = demo("demo", "--duration", "1s", "--threads", "1", "--nodes", "1");

    Matcher l2 = Pattern.compile("L2\\s+redis://127\\.0\\.0\\.1:(\\d+)").matcher(run.out());
    assertThat(l2.find()).as(run.out()).isTrue();
    int port = Integer.parseInt(l2.group(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> !answers(port));
  }

  @Test
  void badOption_isAUsageError_namingTheOption() {
    Run run = demo("demo", "--threads", "0");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--threads: must be 1 to 256, was 0");
  }

  @Test
  void withoutRedisServerOnThePath_warnsOnce_andRunsWithL1Only(@TempDir Path dir) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                TiercacheCli.class.getName(),
                "demo",
                "--duration",
                "1s",
                "--threads",
                "1",
                "--nodes",
                "1")
            .redirectOutput(dir.resolve("out").toFile())
            .redirectError(dir.resolve("err").toFile());
    pb.environment().put("PATH", dir.toString()); // an empty directory: no redis-server
    Process process = pb.start();

    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(dir.resolve("out"));
    String err = Files.readString(dir.resolve("err"));
    assertThat(process.exitValue()).as(err).isZero();
    assertThat(err.lines().filter(l -> l.startsWith("WARNING")))
        .singleElement()
        .asString()
        .contains("L2 is off", "redis-server", "--redis redis://host:port");
    assertThat(out).containsPattern("L2\\s+off").contains("Done: ");
  }
}
