package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Warm-ups over HTTP: a key list, an access log replayed, the rate limit, progress, cancel. */
class WarmupIT {
  @RegisterExtension static final OneGateway GW = new OneGateway();

  @Test
  void aKeyListIsReadIntoTheCacheAndItsProgressReported() {
    List<String> keys = new ArrayList<>();
    for (int i = 100; i < 200; i++) {
      keys.add("\"product:" + i + "\"");
    }
    keys.add("\"product:999999\"");

    JsonNode job =
        start("{\"namespace\":\"shop\",\"rate\":1000,\"keys\":[" + String.join(",", keys) + "]}");
    JsonNode done = awaitEnd(job.get("id").asText());

    assertThat(done.get("state").asText()).isEqualTo("done");
    assertThat(done.get("total").asInt()).isEqualTo(101);
    assertThat(done.get("found").asInt()).isEqualTo(100);
    assertThat(done.get("missing").asInt()).isEqualTo(1);
    HttpResponse<String> warmed =
        GW.http().get("/v1/cache/shop/product:150", "Authorization", bearer(Tokens.ADMIN));
    assertThat(warmed.headers().firstValue("X-Cache")).hasValue("L1");
  }

  @Test
  void anAccessLogIsReplayedForItsNamespaceOnly() {
    String log =
        String.join(
            "\\n",
            "127.0.0.1 - - [10/Oct/2030:13:55:36 +0000] \\\"GET /v1/cache/shop/product:300 HTTP/1.1\\\" 200 512 \\\"-\\\" \\\"curl\\\"",
            "127.0.0.1 - - [10/Oct/2030:13:55:37 +0000] \\\"GET /v1/cache/shop/product:301?x=1 HTTP/1.1\\\" 200 512",
            "127.0.0.1 - - [10/Oct/2030:13:55:38 +0000] \\\"GET /v1/cache/shop/product:300 HTTP/1.1\\\" 200 512",
            "127.0.0.1 - - [10/Oct/2030:13:55:39 +0000] \\\"GET /v1/cache/other/product:302 HTTP/1.1\\\" 200 512",
            "product:303",
            "garbage line that names no key");

    JsonNode done =
        awaitEnd(
            start("{\"namespace\":\"shop\",\"accessLog\":\"" + log + "\"}").get("id").asText());

    assertThat(done.get("total").asInt()).isEqualTo(4); // 300, 301, 300 again, 303
    assertThat(done.get("skipped").asInt()).isEqualTo(2);
    assertThat(done.get("found").asInt()).isEqualTo(4);
    assertThat(
            GW.http()
                .get("/v1/cache/shop/product:303", "Authorization", bearer(Tokens.ADMIN))
                .headers()
                .firstValue("X-Cache"))
        .hasValue("L1");
  }

  @Test
  void aWarmupReadsNoFasterThanItsRate() {
    List<String> keys = new ArrayList<>();
    for (int i = 400; i < 430; i++) {
      keys.add("\"product:" + i + "\"");
    }

    JsonNode done =
        awaitEnd(
            start("{\"namespace\":\"shop\",\"rate\":20,\"keys\":[" + String.join(",", keys) + "]}")
                .get("id")
                .asText());

    Duration took =
        Duration.between(
            Instant.parse(done.get("startedAt").asText()),
            Instant.parse(done.get("finishedAt").asText()));
    // 30 keys at 20 keys/s, starting with at most 1 s of allowance: at least 1 s.
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
    assertThat(done.get("found").asInt()).isEqualTo(30);
  }

  @Test
  void aRunningWarmupCanBeCancelledOnce() {
    List<String> keys = new ArrayList<>();
    for (int i = 500; i < 1500; i++) {
      keys.add("\"product:" + i + "\"");
    }
    String id =
        start("{\"namespace\":\"shop\",\"rate\":10,\"keys\":[" + String.join(",", keys) + "]}")
            .get("id")
            .asText();

    HttpResponse<String> cancel =
        GW.http()
            .send("DELETE", "/warmup/" + id, null, "Authorization", bearer(Tokens.SHOP_WRITER));
    HttpResponse<String> again =
        GW.http()
            .send("DELETE", "/warmup/" + id, null, "Authorization", bearer(Tokens.SHOP_WRITER));

    assertThat(cancel.statusCode()).isEqualTo(200);
    assertThat(json(cancel).get("state").asText()).isEqualTo("cancelled");
    assertThat(json(cancel).get("done").asInt()).isLessThan(1000);
    assertThat(again.statusCode()).isEqualTo(409);
    HttpResponse<String> list =
        GW.http().get("/warmup", "Authorization", bearer(Tokens.SHOP_WRITER));
    assertThat(list.body()).contains(id);
    HttpResponse<String> hidden =
        GW.http().get("/warmup/" + id, "Authorization", bearer(Tokens.OTHER_TENANT));
    assertThat(hidden.statusCode()).isEqualTo(404);
  }

  private static JsonNode start(String body) {
    HttpResponse<String> r =
        GW.http().send("POST", "/warmup", body, "Authorization", bearer(Tokens.SHOP_WRITER));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(r.headers().firstValue("Location"))
        .hasValue("/warmup/" + json(r).get("id").asText());
    return json(r);
  }

  private static JsonNode awaitEnd(String id) {
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              last[0] =
                  json(GW.http().get("/warmup/" + id, "Authorization", bearer(Tokens.SHOP_WRITER)));
              return !last[0].get("state").asText().equals("running");
            });
    return last[0];
  }
}
