package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static io.tiercache.server.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tiercache.redis.local.LocalRedisServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A namespace whose source is an HTTP origin (a real HTTP server of the test's own): GET on the URL
 * template, version and tags from response headers, 404 as absent, other statuses as a failed load.
 */
class HttpOriginIT {
  static TestDatabase db;
  static LocalRedisServer redis;
  static HttpServer origin;
  static Gateway gateway;
  static Http http;
  static final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    origin.createContext(
        "/items/",
        exchange -> {
          String key = exchange.getRequestURI().getPath().substring("/items/".length());
          requests.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
          int status = key.startsWith("missing") ? 404 : key.startsWith("broken") ? 500 : 200;
          byte[] body = ("origin " + key).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("X-Version", "42");
          exchange.getResponseHeaders().add("X-Tags", "web, from-origin");
          exchange
              .getResponseHeaders()
              .add(
                  "X-Api-Key-Seen",
                  String.valueOf(exchange.getRequestHeaders().getFirst("X-Api-Key")));
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    origin.start();
    db = TestDatabase.h2();
    redis = LocalRedisServer.start();
    String yaml =
        "http: {port: 0}\n"
            + db.yaml(false)
            + "redis: {mode: standalone, uris: [\""
            + redis.uri().toURI()
            + "\"]}\n"
            + Tokens.yaml()
            + "namespaces:\n"
            + "  shop:\n"
            + "    source:\n"
            + "      type: http\n"
            + "      url: \"http://127.0.0.1:"
            + origin.getAddress().getPort()
            + "/items/{key}\"\n"
            + "      timeout: 2s\n"
            + "      headers: {X-Api-Key: secret}\n";
    gateway = Gateway.start(ConfigFile.parse(yaml));
    http = new Http(gateway.url());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    redis.close();
    db.close();
    origin.stop(0);
  }

  @Test
  void aValueIsFetchedFromTheOriginOnceWithItsVersionAndTags() {
    HttpResponse<String> first =
        http.get("/v1/cache/shop/page:1", "Authorization", bearer(Tokens.ADMIN));
    // The second read is an L1 hit once the gateway has heard its invalidation bus (the
    // consistency window; one poll after start).
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () ->
                http.get("/v1/cache/shop/page:1", "Authorization", bearer(Tokens.ADMIN))
                    .headers()
                    .firstValue("X-Cache")
                    .orElse("")
                    .equals("L1"));
    HttpResponse<String> second =
        http.get("/v1/cache/shop/page:1", "Authorization", bearer(Tokens.ADMIN));

    assertThat(first.body()).isEqualTo("origin page:1");
    assertThat(first.headers().firstValue("ETag")).hasValue("\"42\"");
    assertThat(first.headers().firstValue("xkey").orElseThrow())
        .contains("tc:tag:shop:web", "tc:tag:shop:from-origin");
    assertThat(second.headers().firstValue("X-Cache")).hasValue("L1");
    assertThat(requests.get("page:1").get()).isEqualTo(1);
  }

  @Test
  void aKeyIsEncodedAsOnePathSegment() {
    HttpResponse<String> r =
        http.get("/v1/cache/shop/a@b/c=d,e", "Authorization", bearer(Tokens.ADMIN));

    assertThat(r.body()).isEqualTo("origin a@b/c=d,e");
  }

  @Test
  void aKeyTheOriginDoesNotHaveIs404AndAFailingOriginIs502() {
    HttpResponse<String> missing =
        http.get("/v1/cache/shop/missing:1", "Authorization", bearer(Tokens.ADMIN));
    HttpResponse<String> broken =
        http.get("/v1/cache/shop/broken:1", "Authorization", bearer(Tokens.ADMIN));

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(broken.statusCode()).isEqualTo(502);
    assertThat(json(broken).get("error").asText()).isEqualTo("source_failed");
  }

  @Test
  void aTagInvalidationMakesTheNextReadGoToTheOriginAgain() {
    http.get("/v1/cache/shop/page:2", "Authorization", bearer(Tokens.ADMIN));

    HttpResponse<String> inv =
        http.send(
            "POST",
            "/invalidate",
            "{\"scope\":\"tag\",\"namespace\":\"shop\",\"tag\":\"from-origin\"}",
            "Authorization",
            bearer(Tokens.ADMIN));
    http.get("/v1/cache/shop/page:2", "Authorization", bearer(Tokens.ADMIN));

    assertThat(inv.statusCode()).isEqualTo(200);
    assertThat(requests.get("page:2").get()).isEqualTo(2);
  }

  @Test
  void aWarmupLoadsManyKeysFromTheOrigin() {
    StringBuilder keys = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      keys.append(i == 0 ? "" : ",").append("\"bulk:").append(i).append('"');
    }
    HttpResponse<String> r =
        http.send(
            "POST",
            "/warmup",
            "{\"namespace\":\"shop\",\"rate\":1000,\"keys\":[" + keys + "]}",
            "Authorization",
            bearer(Tokens.ADMIN));
    assertThat(r.statusCode()).isEqualTo(202);

    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () ->
                json(http.get(
                            "/warmup/" + json(r).get("id").asText(),
                            "Authorization",
                            bearer(Tokens.ADMIN)))
                        .get("found")
                        .asInt()
                    == 40);
    assertThat(requests.get("bulk:39").get()).isEqualTo(1);
  }

  @Test
  void anOverloadedSourceIsProtectedWith503AndRetryAfter() {
    HttpResponse<String> put =
        http.send(
            "PUT",
            "/classes/slow",
            "{\"key_pattern\":\"slow:*\",\"ttl\":\"1m\",\"source_rate_limit\":1}",
            "Authorization",
            bearer(Tokens.ADMIN));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

    java.util.List<HttpResponse<String>> answers = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(http.get("/v1/cache/shop/slow:" + i, "Authorization", bearer(Tokens.ADMIN)));
    }

    HttpResponse<String> refused =
        answers.stream().filter(r -> r.statusCode() == 503).findFirst().orElseThrow();
    assertThat(json(refused).get("error").asText()).isEqualTo("source_overloaded");
    assertThat(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow()))
        .isPositive();
    assertThat(answers).allMatch(r -> r.statusCode() == 200 || r.statusCode() == 503);
    long loads =
        requests.entrySet().stream()
            .filter(e -> e.getKey().startsWith("slow:"))
            .mapToInt(e -> e.getValue().get())
            .sum();
    assertThat(loads).isLessThanOrEqualTo(2); // 1 per second, and the test takes well under 2 s
  }
}
