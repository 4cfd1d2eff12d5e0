package io.tiercache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigFileTest {
  static final String SQL =
      "{type: sql, single_key_sql: \"SELECT v, version FROM t WHERE k = ?\","
          + " bulk_sql: \"SELECT k, v, version FROM t WHERE k IN (:keys)\"}";
  static final String MINIMAL = "namespaces:\n  shop: {source: " + SQL + "}\n";

  @Test
  void aMinimalFileTakesTheEmbeddedDefaults() {
    GatewayConfig c = ConfigFile.parse(MINIMAL);

    assertThat(c.http()).isEqualTo(GatewayConfig.Http.DEFAULT);
    assertThat(c.database()).isEqualTo(GatewayConfig.Database.EMBEDDED);
    assertThat(c.redis().mode()).isEqualTo(GatewayConfig.RedisMode.AUTO);
    assertThat(c.bus()).isEqualTo("auto");
    assertThat(c.namespaces().get("shop").publicRead()).isFalse();
    assertThat(c.namespaces().get("shop").source()).isInstanceOf(NamespaceConfig.SqlSource.class);
  }

  @Test
  void aFullFileIsReadIntoTheRecords() {
    String yaml =
        "node_id: gw-1\n"
            + "http: {host: 0.0.0.0, port: 9090, max_body: 2MB, max_key_length: 256}\n"
            + "database: {url: \"jdbc:postgresql://db/app\", user: app, password: \"${DB_PASSWORD}\","
            + " schema: cache, max_pool_size: 32}\n"
            + "redis: {mode: cluster, uris: [\"redis://r1:7000\", \"redis://r2:7000\"], key_prefix: \"x:\"}\n"
            + "classes: {poll_interval: 2s}\n"
            + "converge_timeout: 500ms\n"
            + "edge: {varnish: [\"http://edge1:6081\"], soft_purge: false, timeout: 1s}\n"
            + "warmup: {default_rate: 100, max_rate: 1000, max_keys: 5000}\n"
            + "tokens:\n"
            + "  - {name: ops, sha256: "
            + TokenConfig.sha256Hex("t")
            + ", scopes: [admin]}\n"
            + "namespaces:\n"
            + "  shop: {public: true, source: "
            + SQL
            + "}\n"
            + "  web:\n"
            + "    source: {type: http, url: \"https://origin/items/{key}\", timeout: 3s,"
            + " headers: {X-Api-Key: k}, version_header: X-Rev}\n";

    GatewayConfig c = ConfigFile.parse(yaml, Map.of("DB_PASSWORD", "s3cret")::get);

    assertThat(c.nodeId()).isEqualTo("gw-1");
    assertThat(c.http().port()).isEqualTo(9090);
    assertThat(c.http().maxBody().bytes()).isEqualTo(2L << 20);
    assertThat(c.database().password()).isEqualTo("s3cret");
    assertThat(c.database().maxPoolSize()).isEqualTo(32);
    assertThat(c.database().toString()).doesNotContain("s3cret");
    assertThat(c.redis().uris())
        .containsExactly(URI.create("redis://r1:7000"), URI.create("redis://r2:7000"));
    assertThat(c.classes().pollInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.convergeTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.edge().softPurge()).isFalse();
    assertThat(c.warmup().maxKeys()).isEqualTo(5000);
    assertThat(c.tokens().get(0).scopes()).containsExactly("admin");
    assertThat(c.namespaces().get("shop").publicRead()).isTrue();
    NamespaceConfig.HttpSource web =
        (NamespaceConfig.HttpSource) c.namespaces().get("web").source();
    assertThat(web.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(web.versionHeader()).isEqualTo("X-Rev");
    assertThat(web.tagsHeader()).isEqualTo("X-Tags");
    assertThat(web.toString()).doesNotContain("k}");
  }

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "http: {port: 70000}                              | http.port",
        "http: {prot: 1}                                  | http.prot",
        "http: {max_body: lots}                           | http.max_body",
        "classes: {poll_interval: soon}                   | classes.poll_interval",
        "redis: {mode: standalone}                        | redis.uris",
        "redis: {mode: sometimes}                         | redis.mode",
        "redis: {timeout: 0ms}                            | redis.timeout",
        "redis: {mode: standalone, uris: [\"http://r:1\"]} | redis.uris",
        "converge_timeout: 5m                             | converge_timeout",
        "bus: kafka                                       | bus",
        "edge: {varnish: [\"ftp://x\"]}                    | edge.varnish",
        "warmup: {default_rate: 10, max_rate: 5}          | warmup.default_rate",
        "tokens: [{name: ops, sha256: abc, scopes: [admin]}]      | tokens[0].sha256",
        "tokens: [{name: 'a b', sha256: abc, scopes: [admin]}]    | tokens[0].name",
        "node_id: 'has space'                             | node_id",
        "database: {url: postgres://x}                    | database.url",
        "database: {url: 'jdbc:h2:mem:x', max_pool_size: 0} | database.max_pool_size",
      })
  void anInvalidFieldIsNamedByItsPath(String line, String field) {
    assertThatThrownBy(() -> ConfigFile.parse(line + "\n" + MINIMAL))
        .isInstanceOf(InvalidConfigException.class)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo(field);
  }

  @ParameterizedTest(name = "{0} is refused naming {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "shop: {}                                                   | namespaces.shop.source",
        "Shop: {source: {type: http, url: 'http://o/{key}'}}        | namespaces.Shop.name",
        "shop: {source: {type: ftp}}                                | namespaces.shop.source.type",
        "shop: {source: {type: http, url: 'http://o/items'}}        | namespaces.shop.source.url",
        "shop: {source: {type: http, url: 'file:///{key}'}}         | namespaces.shop.source.url",
        "shop: {source: {type: http, url: 'http://o/{key}', timeout: 2m}} | namespaces.shop.source.timeout",
        "shop: {source: {type: http, url: 'http://o/{key}', bulk_sql: x}} | namespaces.shop.source.bulk_sql",
        "shop: {source: {type: sql, bulk_sql: x}}                   | namespaces.shop.source.single_key_sql",
        "shop: {public: maybe, source: {type: http, url: 'http://o/{key}'}} | namespaces.shop.public",
        "shop: {sorce: {}}                                          | namespaces.shop.sorce",
      })
  void anInvalidNamespaceIsNamedByItsPath(String namespace, String field) {
    assertThatThrownBy(() -> ConfigFile.parse("namespaces:\n  " + namespace + "\n"))
        .isInstanceOf(InvalidConfigException.class)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo(field);
  }

  @Test
  void aMissingEnvironmentVariableIsNamed() {
    assertThatThrownBy(
            () -> ConfigFile.parse("database: {url: \"${NO_SUCH_VAR}\"}\n" + MINIMAL, k -> null))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("database.url")
        .hasMessageContaining("NO_SUCH_VAR");
  }

  @Test
  void anUnreadableFileIsAnErrorNamingIt() {
    assertThatThrownBy(() -> ConfigFile.read(java.nio.file.Path.of("/no/such/gateway.yaml")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("/no/such/gateway.yaml");
  }

  @Test
  void textThatIsNotYamlIsRefused() {
    assertThatThrownBy(() -> ConfigFile.parse("namespaces: [unclosed"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("YAML");
  }
}
