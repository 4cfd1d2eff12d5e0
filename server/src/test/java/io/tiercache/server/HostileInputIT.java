package io.tiercache.server;

import static io.tiercache.server.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ten thousand generated malformed and hostile requests: each gets a 4xx with a JSON error body,
 * none a 5xx, and the data is the same afterwards (source rows, cache classes, audit log, Redis,
 * cached values and versions) — DESIGN invariant 11.
 */
class HostileInputIT {
  static final int REQUESTS = 10_000;

  /**
   * The shipped hot class keeps its entries about 30 s, which is how long this test can take on a
   * loaded machine: entries leaving Redis on their own would read as a change. The test's hot class
   * keeps them an hour, so that only a request could change what the snapshots compare.
   */
  static final String HOT_FOR_AN_HOUR =
      "{\"key_pattern\":\"hot:*\",\"ttl\":\"1h\",\"tags\":[\"hot\"]}";

  @RegisterExtension static final OneGateway GW = new OneGateway();

  @Test
  void tenThousandHostileRequestsGetA4xxAndChangeNothing() throws Exception {
    HttpResponse<String> put =
        GW.http()
            .send("PUT", "/classes/hot", HOT_FOR_AN_HOUR, "Authorization", bearer(Tokens.ADMIN));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    List<String> probe = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      probe.add("hot:" + i);
      probe.add("product:" + i);
    }
    probe.forEach(k -> GW.http().get("/v1/cache/shop/" + k, "Authorization", bearer(Tokens.ADMIN)));
    Map<String, Object> before = snapshot(probe);

    List<HostileRequests.Request> requests =
        new HostileRequests(42, Tokens.ADMIN).generate(REQUESTS);
    Map<String, String> wrong = send(requests);

    assertThat(requests).hasSizeGreaterThanOrEqualTo(REQUESTS);
    assertThat(wrong).as("requests not answered with a 4xx and a JSON error").isEmpty();
    assertThat(snapshot(probe)).isEqualTo(before);
  }

  /** Sends everything, 8 at a time; returns what was not a 4xx with a JSON error, by request. */
  private static Map<String, String> send(List<HostileRequests.Request> requests) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Semaphore inFlight = new Semaphore(8);
    Map<String, String> wrong = new ConcurrentHashMap<>();
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (HostileRequests.Request r : requests) {
      if (r.raw()) {
        sendRaw(r, wrong);
        continue;
      }
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(GW.gateway().url() + r.path()))
              .timeout(Duration.ofSeconds(30))
              .method(
                  r.method(),
                  r.body() == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(r.body()));
      if (r.token() != null) {
        b.header("Authorization", bearer(r.token()));
      }
      inFlight.acquire();
      all.add(
          client
              .sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
              .whenComplete(
                  (resp, e) -> {
                    inFlight.release();
                    String what = r.method() + " " + abbreviate(r.path()) + " (" + r.why() + ")";
                    if (e != null) {
                      wrong.put(what, e.toString());
                    } else if (resp.statusCode() < 400 || resp.statusCode() >= 500) {
                      wrong.put(what, resp.statusCode() + " " + abbreviate(resp.body()));
                    } else if (!isJsonError(resp.body())) {
                      wrong.put(what, resp.statusCode() + " not JSON: " + abbreviate(resp.body()));
                    }
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
    return wrong;
  }

  /** Requests HttpClient refuses to build go over a socket, one at a time. */
  private static void sendRaw(HostileRequests.Request r, Map<String, String> wrong) {
    String what = "raw " + abbreviate(r.path()) + " (" + r.why() + ")";
    try {
      byte[] head =
          (r.method()
                  + " "
                  + r.path()
                  + " HTTP/1.1\r\n"
                  + (r.token() == null ? "" : "Authorization: " + bearer(r.token()) + "\r\n"))
              .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      RawHttp.Response resp = RawHttp.send(GW.gateway().port(), head, r.body());
      if (resp.status() < 400 || resp.status() >= 500) {
        wrong.put(what, resp.status() + " " + abbreviate(resp.body()));
      } else if (!isJsonError(resp.body())) {
        wrong.put(what, resp.status() + " not JSON: " + abbreviate(resp.body()));
      }
    } catch (Exception e) {
      wrong.put(what, e.toString());
    }
  }

  private static boolean isJsonError(String body) {
    try {
      JsonNode n = Http.JSON.readTree(body);
      return n != null && n.hasNonNull("error") && n.has("field") && n.has("message");
    } catch (Exception e) {
      return false;
    }
  }

  /** Everything a request could have changed. */
  private static Map<String, Object> snapshot(List<String> probe) throws Exception {
    Map<String, Object> s = new TreeMap<>();
    s.put("source rows", GW.db().count("SELECT COUNT(*) FROM sample_item"));
    s.put("source versions", GW.db().count("SELECT SUM(version) FROM sample_item"));
    s.put("source bytes", GW.db().count("SELECT SUM(LENGTH(v)) FROM sample_item"));
    s.put("class revision", GW.db().count("SELECT revision FROM cache_class_revision"));
    s.put("classes", Http.json(GW.http().get("/classes", "Authorization", bearer(Tokens.ADMIN))));
    s.put("audit rows", GW.db().count("SELECT COUNT(*) FROM invalidation_audit"));
    RedisClient client = RedisClient.create(GW.redis().uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      // Leases, rate-limit buckets and hot-key windows come and go with time and reads; entries
      // and rules must not change.
      s.put(
          "redis keys",
          c.sync().keys("*").stream()
              .filter(k -> !k.endsWith(":lease") && !k.contains("{rate:"))
              .filter(k -> !k.matches(".*:hot:[0-9]+")) // hot-key windows of reads
              .filter(k -> !k.contains(":bus}:") && !k.contains(":bus:")) // bus heartbeats
              .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
    } finally {
      client.shutdown();
    }
    for (String k : probe) {
      HttpResponse<String> r =
          GW.http().get("/v1/cache/shop/" + k, "Authorization", bearer(Tokens.ADMIN));
      s.put(
          "value " + k,
          r.statusCode() + " " + r.headers().firstValue("ETag").orElse("") + " " + r.body());
    }
    return s;
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }
}
