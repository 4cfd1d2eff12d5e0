package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tiercache.redis.local.LocalRedisServer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.IntFunction;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A gateway on H2 and a redis-server of its own, as the origin of a real Varnish running the
 * project's VCL; the tests of a class share it. Skips the class when {@code varnishd} is not
 * installed. Register as a static field with {@code @RegisterExtension}.
 */
final class EdgeFixture implements BeforeAllCallback, AfterAllCallback {
  private final IntFunction<String> extraYaml;
  private TestDatabase db;
  private LocalRedisServer redis;
  private Gateway gateway;
  private Varnish varnish;
  private Http origin;
  private Http edge;

  /**
   * @param extraYaml gateway configuration added for the edge's port (purging, for example)
   */
  EdgeFixture(IntFunction<String> extraYaml) {
    this.extraYaml = extraYaml;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    assumeTrue(Varnish.isAvailable(), "varnishd is not installed");
    db = TestDatabase.h2();
    redis = LocalRedisServer.start();
    int edgePort = Varnish.freePort();
    gateway =
        Gateway.start(ConfigFile.parse(TwoGateways.yaml(db, redis, extraYaml.apply(edgePort))));
    varnish = Varnish.start(edgePort, gateway.port());
    origin = new Http(gateway.url());
    edge = new Http(URI.create("http://127.0.0.1:" + edgePort));
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (varnish != null) {
      varnish.close();
    }
    if (gateway != null) {
      gateway.close();
      redis.close();
      db.close();
    }
  }

  /** Defines (or replaces) cache class {@code name} through the gateway's API. */
  void defineClass(String name, String json) {
    HttpResponse<String> put =
        origin.send("PUT", "/classes/" + name, json, "Authorization", bearer(Tokens.ADMIN));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
  }

  /** Waits until Varnish's backend probe finds the gateway healthy and {@code path} is served. */
  void awaitEdgeServes(String path) {
    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .until(() -> edge.get(path).statusCode() == 200);
  }

  TestDatabase db() {
    return db;
  }

  Gateway gateway() {
    return gateway;
  }

  Http origin() {
    return origin;
  }

  Http edge() {
    return edge;
  }
}
