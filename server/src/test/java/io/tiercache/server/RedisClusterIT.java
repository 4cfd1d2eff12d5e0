package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tiercache.redis.local.LocalRedisCluster;
import java.net.http.HttpResponse;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two gateways on a real Redis Cluster (three masters made with redis-cli --cluster create). */
class RedisClusterIT {
  static TestDatabase db;
  static LocalRedisCluster cluster;
  static InvalidationBuses.Shared buses;
  static Gateway a;
  static Gateway b;

  @BeforeAll
  static void start() {
    db = TestDatabase.h2();
    cluster = LocalRedisCluster.start(3, 0);
    buses = InvalidationBuses.inProcess();
    String seeds =
        cluster.seedUris().stream()
            .map(u -> "\"redis://" + u.getHost() + ":" + u.getPort() + "\"")
            .collect(Collectors.joining(", "));
    String yaml =
        "http: {port: 0}\n"
            + db.yaml(true)
            + "redis: {mode: cluster, uris: ["
            + seeds
            + "], command_timeout: 1s, timeout: 1s}\n"
            + Tokens.yaml()
            + "namespaces:\n"
            + "  shop: {source: {type: sql, single_key_sql: \"SELECT v, version, tags FROM sample_item WHERE k = ?\","
            + " bulk_sql: \"SELECT k, v, version, tags FROM sample_item WHERE k IN (:keys)\"}}\n";
    GatewayConfig config = ConfigFile.parse(yaml);
    a = Gateway.builder(config.withNodeId("c-a")).invalidationBuses(buses).start();
    b = Gateway.builder(config.withNodeId("c-b")).invalidationBuses(buses).start();
  }

  @AfterAll
  static void stop() throws Exception {
    b.close();
    a.close();
    buses.close();
    cluster.close();
    db.close();
  }

  @Test
  void valuesAreSharedThroughTheClusterAndItsMemoryIsReported() {
    Http httpA = new Http(a.url());
    Http httpB = new Http(b.url());
    for (int i = 0; i < 20; i++) {
      httpA.get("/v1/cache/shop/product:" + i, "Authorization", bearer(Tokens.ADMIN));
    }

    int l2Hits = 0;
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r =
          httpB.get("/v1/cache/shop/product:" + i, "Authorization", bearer(Tokens.ADMIN));
      l2Hits += r.headers().firstValue("X-Cache").orElse("").equals("L2") ? 1 : 0;
    }

    assertThat(l2Hits).isEqualTo(20);
    JsonNode l2 =
        json(httpB.get("/cache-metrics", "Authorization", bearer(Tokens.METRICS))).get("l2");
    assertThat(l2.get("up").asBoolean()).isTrue();
    assertThat(l2.get("usedMemoryBytes").asLong()).isPositive();
    assertThat(l2.get("shards")).hasSize(3); // each master's memory and replicas
    // B's 20 L2 hits, per shard that answered them: the keys spread over the masters.
    JsonNode byShard =
        json(httpB.get("/cache-metrics", "Authorization", bearer(Tokens.METRICS)))
            .at("/namespaces/shop/classes/default/tiers/l2/shards");
    long perShard = 0;
    for (JsonNode shard : byShard) {
      perShard += shard.get("hits").asLong();
    }
    assertThat(perShard).isEqualTo(20);
    assertThat(byShard.size()).isGreaterThanOrEqualTo(2);
    assertThat(json(httpB.get("/health")).get("tiers").get("l2").asText()).isEqualTo("UP");
  }
}
