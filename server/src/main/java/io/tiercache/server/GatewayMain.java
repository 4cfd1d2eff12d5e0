package io.tiercache.server;

import io.tiercache.InvalidConfigException;
import io.tiercache.TierCacheException;
import io.tiercache.jdbc.SampleData;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a gateway until the process is stopped.
 *
 * <pre>
 * java -cp ... io.tiercache.server.GatewayMain [--port N] [config.yaml]
 * </pre>
 *
 * <p>Without a config file it runs the embedded default: an in-memory H2 database filled with
 * sample data ({@link SampleData}), L2 on a {@code redis-server} it starts itself when one is on
 * the PATH (else L1 only, with a warning), one public namespace {@code sample} over the sample
 * table, and one admin token, taken from {@code TIERCACHE_ADMIN_TOKEN} or generated and printed. It
 * then prints where everything is.
 */
public final class GatewayMain {
  /** The namespace of the embedded default. */
  public static final String SAMPLE_NAMESPACE = "sample";

  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    int port = 8080;
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port") && i + 1 < args.length) {
        port = Integer.parseInt(args[++i]);
      } else if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println("usage: GatewayMain [--port N] [config.yaml]");
        return;
      } else {
        file = Path.of(args[i]);
      }
    }
    String token = null;
    GatewayConfig config;
    try {
      if (file != null) {
        config = ConfigFile.read(file);
        config =
            port != 8080
                ? new GatewayConfig(
                    config.nodeId(),
                    config.http().withPort(port),
                    config.database(),
                    config.redis(),
                    config.bus(),
                    config.classes(),
                    config.convergeTimeout(),
                    config.edge(),
                    config.warmup(),
                    config.tokens(),
                    config.namespaces())
                : config;
      } else {
        token = System.getenv("TIERCACHE_ADMIN_TOKEN");
        if (token == null || token.isBlank()) {
          byte[] random = new byte[24];
          new SecureRandom().nextBytes(random);
          token = HexFormat.of().formatHex(random);
        }
        config = embedded(port, token);
      }
    } catch (InvalidConfigException e) {
      System.err.println("invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(config);
    } catch (TierCacheException e) {
      System.err.println("the gateway did not start: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.close();
                  stopped.countDown();
                },
                "stop gateway"));
    printUrls(System.out, gateway, config, token);
    stopped.await();
  }

  /** The configuration of the embedded default on {@code port}, with one admin {@code token}. */
  public static GatewayConfig embedded(int port, String token) {
    NamespaceConfig sample =
        new NamespaceConfig(
            SAMPLE_NAMESPACE,
            true,
            new NamespaceConfig.SqlSource(
                SampleData.SINGLE_KEY_SQL, SampleData.BULK_SQL, null, null, null, "sample_item"));
    return new GatewayConfig(
        null,
        GatewayConfig.Http.DEFAULT.withPort(port),
        GatewayConfig.Database.EMBEDDED,
        GatewayConfig.Redis.AUTO,
        null,
        null,
        null,
        null,
        null,
        List.of(TokenConfig.ofToken("admin", token, Set.of("admin"))),
        Map.of(SAMPLE_NAMESPACE, sample));
  }

  static void printUrls(PrintStream out, Gateway gateway, GatewayConfig config, String token) {
    URI base = gateway.url();
    String ns = config.namespaces().keySet().iterator().next();
    String auth = token == null ? "<token>" : token;
    out.println();
    out.println(
        "tiercache gateway "
            + gateway.nodeId()
            + " is up on "
            + base
            + (gateway.hasL2() ? " (L1 + L2 on Redis)" : " (L1 only)"));
    if (token != null) {
      out.println("  admin token:   " + token);
    }
    out.println("  read a value:  curl -i " + base + "/v1/cache/" + ns + "/hot:1");
    out.println(
        "  invalidate:    curl -X POST -H 'Authorization: Bearer "
            + auth
            + "'"
            + " -d '{\"scope\":\"tag\",\"namespace\":\""
            + ns
            + "\",\"tag\":\"hot\"}' "
            + base
            + "/invalidate");
    out.println(
        "  cache metrics: curl -H 'Authorization: Bearer " + auth + "' " + base + "/cache-metrics");
    out.println("  dashboard:     " + base + "/dashboard#token=" + auth);
    out.println(
        "  prometheus:    curl -H 'Authorization: Bearer " + auth + "' " + base + "/metrics");
    out.println("  health:        curl " + base + "/health");
    out.println("stop with Ctrl-C");
    out.flush();
  }
}
