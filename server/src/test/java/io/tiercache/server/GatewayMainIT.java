package io.tiercache.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The embedded default as the README runs it: {@code GatewayMain} in a JVM of its own, with H2 and
 * sample data, a redis-server it starts itself when one is on the PATH and L1 only otherwise; it
 * prints where everything is.
 */
class GatewayMainIT {
  private static final Pattern UP =
      Pattern.compile("is up on (http://127\\.0\\.0\\.1:[0-9]+) \\((.*)\\)");

  @Test
  void theEmbeddedDefaultServesSampleDataWithALocalRedis() throws Exception {
    try (Child main = Child.start(Map.of("TIERCACHE_ADMIN_TOKEN", "readme-token"))) {
      assertThat(main.mode).isEqualTo("L1 + L2 on Redis");
      assertThat(main.output)
          .contains("/dashboard#token=readme-token", "/cache-metrics", "/metrics", "curl -i");
      Http http = new Http(main.base);
      HttpResponse<String> value = http.get("/v1/cache/sample/hot:1");
      assertThat(value.statusCode()).isEqualTo(200);
      assertThat(value.body()).contains("\"id\":1");
      HttpResponse<String> health = http.get("/health");
      assertThat(Http.json(health).get("tiers").get("l2").asText()).isEqualTo("UP");
      assertThat(http.get("/cache-metrics", "Authorization", "Bearer readme-token").statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void withoutRedisOnThePathTheEmbeddedDefaultRunsL1OnlyWithAWarning() throws Exception {
    try (Child main = Child.start(Map.of("PATH", "/nonexistent"))) {
      assertThat(main.mode).isEqualTo("L1 only");
      assertThat(main.output).contains("no redis-server on the PATH").contains("admin token:");
      HttpResponse<String> value = new Http(main.base).get("/v1/cache/sample/product:3");
      assertThat(value.statusCode()).isEqualTo(200);
      assertThat(Http.json(new Http(main.base).get("/health")).get("tiers").get("l2").asText())
          .isEqualTo("DISABLED");
    }
  }

  /** GatewayMain in a child JVM, stopped with SIGTERM (its shutdown hook closes the gateway). */
  private static final class Child implements AutoCloseable {
    final Process process;
    final StringBuilder output = new StringBuilder();
    URI base;
    String mode;

    private Child(Process process) {
      this.process = process;
    }

    static Child start(Map<String, String> env) throws IOException, InterruptedException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb =
          new ProcessBuilder(
                  List.of(
                      java,
                      "-XX:TieredStopAtLevel=1", // starts faster; the test measures nothing
                      "-cp",
                      System.getProperty("java.class.path"),
                      GatewayMain.class.getName(),
                      "--port",
                      "0"))
              .redirectErrorStream(true);
      pb.environment().putAll(env);
      Child c = new Child(pb.start());
      try {
        c.readUntilUp();
      } catch (IOException | RuntimeException e) {
        c.close();
        throw e;
      }
      return c;
    }

    private void readUntilUp() throws IOException {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        output.append(line).append('\n');
        Matcher m = UP.matcher(line);
        if (m.find()) {
          base = URI.create(m.group(1));
          mode = m.group(2);
        }
        if (line.startsWith("stop with Ctrl-C")) {
          break;
        }
      }
      if (base == null) {
        throw new AssertionError("GatewayMain did not come up:\n" + output);
      }
      // Keep draining its output, so that it never blocks on a full pipe.
      Thread drain =
          new Thread(
              () -> {
                try {
                  in.lines().forEach(l -> {});
                } catch (java.io.UncheckedIOException e) {
                  // the process ended and its stream was closed
                }
              },
              "drain gateway output");
      drain.setDaemon(true);
      drain.start();
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
