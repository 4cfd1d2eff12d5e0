package io.tiercache.server;

import io.tiercache.redis.local.LocalRedisServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One gateway of the tests' usual kind for a whole test class: H2 with sample data, its own
 * redis-server, the namespaces of {@link TwoGateways#yaml}. Register it as a static field with
 * {@code @RegisterExtension}; it starts before the class's tests and stops after them.
 */
final class OneGateway implements BeforeAllCallback, AfterAllCallback {
  private TestDatabase db;
  private LocalRedisServer redis;
  private Gateway gateway;
  private Http http;

  @Override
  public void beforeAll(ExtensionContext context) {
    db = TestDatabase.h2();
    redis = LocalRedisServer.start();
    gateway = Gateway.start(ConfigFile.parse(TwoGateways.yaml(db, redis, "")));
    http = new Http(gateway.url());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    gateway.close();
    redis.close();
    db.close();
  }

  TestDatabase db() {
    return db;
  }

  LocalRedisServer redis() {
    return redis;
  }

  Gateway gateway() {
    return gateway;
  }

  Http http() {
    return http;
  }
}
