package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PUT and DELETE write through the key's class write policy when the namespace names a {@code
 * write_table}: the shipped classes on PostgreSQL, L1 only (the L2 side of each policy is tested in
 * the library).
 */
class WritePolicyIT {
  static TestDatabase db;
  static Gateway gateway;
  static Http http;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.postgres();
    String yaml =
        "http: {port: 0}\n"
            + db.yaml(true)
            + "redis: {mode: none}\n"
            + Tokens.yaml()
            + "namespaces:\n"
            + "  shop:\n"
            + "    source: {type: sql, write_table: sample_item,"
            + " single_key_sql: \"SELECT v, version, tags FROM sample_item WHERE k = ?\","
            + " bulk_sql: \"SELECT k, v, version, tags FROM sample_item WHERE k IN (:keys)\"}\n";
    gateway = Gateway.builder(ConfigFile.parse(yaml).withNodeId("w")).start();
    http = new Http(gateway.url());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    db.close();
  }

  private static HttpResponse<String> put(String key, String body) {
    return http.send("PUT", "/v1/cache/shop/" + key, body, "Authorization", bearer(Tokens.ADMIN));
  }

  private static long inSource(String key, String value) throws Exception {
    return db.count(
        "SELECT count(*) FROM sample_item WHERE k = '" + key + "' AND v = '" + value + "'");
  }

  @Test
  void putOnAWriteAroundClass_writesTheSource_andTheNextReadLoadsIt() throws Exception {
    assertThat(put("product:1", "new price").statusCode()).isEqualTo(204);
    assertThat(inSource("product:1", "new price")).isEqualTo(1);
    HttpResponse<String> read =
        http.get("/v1/cache/shop/product:1", "Authorization", bearer(Tokens.ADMIN));
    assertThat(read.body()).isEqualTo("new price");
  }

  @Test
  void putOnTheWriteBackSessionClass_isAcknowledged_thenFlushedToTheSource() throws Exception {
    assertThat(put("session:abc", "cart=3").statusCode()).isEqualTo(204);
    HttpResponse<String> read =
        http.get("/v1/cache/shop/session:abc", "Authorization", bearer(Tokens.ADMIN));
    assertThat(read.body()).isEqualTo("cart=3"); // the pending value, before the flush
    await().until(() -> inSource("session:abc", "cart=3") == 1);
  }

  @Test
  void overwritingAnImmutableBlob_isRefusedWith409_andChangesNothing() throws Exception {
    byte[] content = "blob body".getBytes(StandardCharsets.UTF_8);
    String address =
        "blob:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    assertThat(put(address, "blob body").statusCode()).isEqualTo(204);
    HttpResponse<String> again = put(address, "other body");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("\"error\"");
    assertThat(inSource(address, "blob body")).isEqualTo(1);
  }

  @Test
  void delete_removesTheRowFromTheSource() throws Exception {
    assertThat(put("product:2", "to delete").statusCode()).isEqualTo(204);
    HttpResponse<String> deleted =
        http.send(
            "DELETE", "/v1/cache/shop/product:2", null, "Authorization", bearer(Tokens.ADMIN));
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(db.count("SELECT count(*) FROM sample_item WHERE k = 'product:2'")).isZero();
  }
}
