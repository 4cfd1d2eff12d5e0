package io.tiercache.server;

import static io.tiercache.server.Http.bearer;

import io.tiercache.redis.local.LocalRedisServer;
import java.net.http.HttpResponse;

/**
 * Two gateways on one database and one Redis, sharing in-process invalidation buses: the smallest
 * fleet. Namespaces: {@code shop} (private) and {@code open} (public reads), both over {@code
 * sample_item}, and {@code other} for another tenant.
 */
final class TwoGateways implements AutoCloseable {
  final TestDatabase db;
  final LocalRedisServer redis;
  final InvalidationBuses.Shared buses = InvalidationBuses.inProcess();
  final Gateway a;
  final Gateway b;
  final Http httpA;
  final Http httpB;

  TwoGateways(TestDatabase db, String extraYaml) {
    this.db = db;
    this.redis = LocalRedisServer.start();
    try {
      GatewayConfig config = ConfigFile.parse(yaml(db, redis, extraYaml));
      a = Gateway.builder(config.withNodeId("gw-a")).invalidationBuses(buses).start();
      b = Gateway.builder(config.withNodeId("gw-b")).invalidationBuses(buses).start();
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
    httpA = new Http(a.url());
    httpB = new Http(b.url());
  }

  static String yaml(TestDatabase db, LocalRedisServer redis, String extra) {
    String sql =
        "{type: sql, single_key_sql: \"SELECT v, version, tags FROM sample_item WHERE k = ?\","
            + " bulk_sql: \"SELECT k, v, version, tags FROM sample_item WHERE k IN (:keys)\"}";
    return "http: {port: 0}\n"
        + db.yaml(true)
        + "redis: {mode: standalone, uris: [\""
        + redis.uri().toURI()
        + "\"], command_timeout: 1s, timeout: 1s}\n"
        + "classes: {poll_interval: 200ms}\n"
        + Tokens.yaml()
        + extra
        + "namespaces:\n"
        + "  shop: {source: "
        + sql
        + "}\n"
        + "  open: {public: true, source: "
        + sql
        + "}\n"
        + "  other: {source: "
        + sql
        + "}\n";
  }

  /** PUT of a class row on gateway a, as admin; fails the test unless 200. */
  void putClass(String name, String rowJson) {
    HttpResponse<String> r =
        httpA.send("PUT", "/classes/" + name, rowJson, "Authorization", bearer(Tokens.ADMIN));
    if (r.statusCode() != 200) {
      throw new AssertionError("PUT /classes/" + name + ": " + r.statusCode() + " " + r.body());
    }
  }

  @Override
  public void close() throws java.sql.SQLException {
    b.close();
    a.close();
    buses.close();
    redis.close();
    db.close();
  }
}
