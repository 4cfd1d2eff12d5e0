package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Prometheus alert rules and the Grafana dashboard of {@code deploy/}: the rules pass {@code
 * promtool check rules} and their unit tests ({@code promtool test rules}), and every metric they
 * and the dashboard query is one a real gateway exposes on {@code /metrics}.
 */
class AlertRulesIT {
  static final Path DEPLOY = Path.of(System.getProperty("user.dir")).resolveSibling("deploy");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final Pattern METRIC = Pattern.compile("\\btiercache_[a-z0-9_]+");

  @RegisterExtension static final OneGateway GW = new OneGateway();

  @Test
  void theAlertRulesPassPromtoolCheck() throws Exception {
    assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed");

    Result r = run("check", "rules", "tiercache-rules.yml");

    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void theAlertRulesPassTheirUnitTests() throws Exception {
    assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed");

    Result r = run("test", "rules", "tiercache-rules.test.yml");

    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void everyMetricTheRulesAndTheDashboardQueryIsExposedByAGateway() throws Exception {
    makeTraffic();
    String scrape = GW.http().get("/metrics", "Authorization", bearer(Tokens.METRICS)).body();
    Set<String> exposed = names(scrape);

    Set<String> queried = names(Files.readString(DEPLOY.resolve("prometheus/tiercache-rules.yml")));
    queried.addAll(names(Files.readString(DEPLOY.resolve("grafana/tiercache.json"))));

    assertThat(queried).hasSizeGreaterThan(8);
    assertThat(exposed).containsAll(queried);
  }

  /** Reads, a stale read, an invalidation: enough for every meter to exist. */
  private static void makeTraffic() {
    HttpResponse<String> put =
        GW.http()
            .send(
                "PUT",
                "/classes/brief",
                "{\"key_pattern\":\"product:1*\",\"ttl\":\"1s\",\"ttl_jitter\":0,\"staleness_epsilon\":\"10s\","
                    + "\"stale_while_revalidate\":\"10s\",\"source_rate_limit\":1000,\"edge_cacheable\":true}",
                "Authorization",
                bearer(Tokens.ADMIN));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    for (int i = 0; i < 20; i++) {
      GW.http().get("/v1/cache/shop/hot:" + (i % 5), "Authorization", bearer(Tokens.ADMIN));
    }
    GW.http().get("/v1/cache/shop/product:1", "Authorization", bearer(Tokens.ADMIN));
    // Past its 1 s TTL the value is served stale while one refresh runs.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                GW.http()
                    .get("/v1/cache/shop/product:1", "Authorization", bearer(Tokens.ADMIN))
                    .headers()
                    .firstValue("X-Cache")
                    .orElse("")
                    .equals("STALE"));
    GW.http()
        .send(
            "POST",
            "/invalidate",
            "{\"scope\":\"tag\",\"namespace\":\"shop\",\"tag\":\"hot\"}",
            "Authorization",
            bearer(Tokens.ADMIN));
  }

  private static Set<String> names(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      String name = m.group();
      // A timer's series carry suffixes; the rules query the quantile series by its base name.
      out.add(name.replaceAll("_(bucket|count|sum|max)$", ""));
    }
    return out;
  }

  private record Result(int exit, String output) {}

  private static Result run(String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 1];
    command[0] = PROMTOOL.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process p =
        new ProcessBuilder(command)
            .directory(DEPLOY.resolve("prometheus").toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("promtool did not finish: " + output);
    }
    return new Result(p.exitValue(), output);
  }
}
