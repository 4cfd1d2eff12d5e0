package io.tiercache.server.internal;

import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import io.tiercache.TierCacheException;
import io.tiercache.server.NamespaceConfig.HttpSource;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Loads values from an HTTP origin: {@code GET} on the namespace's URL template. 200 is a value,
 * 404 and 410 mean the origin has none, anything else fails the load (the cache then serves stale
 * within stale-if-error, or the client gets 502).
 *
 * <p>The version is the origin's version header, else its {@code Last-Modified} in milliseconds,
 * else the time of the load: larger is newer either way. Thread-safe.
 */
public final class HttpOriginLoader implements CacheLoader<String> {
  /** Bulk loads send at most this many requests at once, to be gentle with the origin. */
  private static final int BULK_CONCURRENCY = 8;

  private final HttpSource source;
  private final HttpClient client;
  private final Clock clock;

  public HttpOriginLoader(HttpSource source, HttpClient client, Clock clock) {
    this.source = source;
    this.client = client;
    this.clock = clock;
  }

  @Override
  public Loaded<String> load(String key) throws IOException, InterruptedException {
    HttpResponse<String> response =
        client.send(request(key), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return toLoaded(key, response);
  }

  @Override
  public Map<String, Loaded<String>> loadAll(Set<String> keys) throws Exception {
    Semaphore permits = new Semaphore(BULK_CONCURRENCY);
    Map<String, CompletableFuture<HttpResponse<String>>> pending = new HashMap<>();
    for (String key : keys) {
      permits.acquire();
      pending.put(
          key,
          client
              .sendAsync(request(key), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
              .whenComplete((r, e) -> permits.release()));
    }
    Map<String, Loaded<String>> found = new HashMap<>();
    for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> e : pending.entrySet()) {
      Loaded<String> loaded = toLoaded(e.getKey(), e.getValue().join());
      if (loaded != null) {
        found.put(e.getKey(), loaded);
      }
    }
    return found;
  }

  /** The URL of {@code key}: the template with the key percent-encoded as one path segment. */
  URI uriOf(String key) {
    String encoded = URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    return URI.create(source.urlTemplate().replace(HttpSource.KEY_TOKEN, encoded));
  }

  private HttpRequest request(String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uriOf(key)).timeout(source.timeout()).GET();
    source.headers().forEach(b::header);
    return b.build();
  }

  private Loaded<String> toLoaded(String key, HttpResponse<String> r) {
    int status = r.statusCode();
    if (status == 404 || status == 410) {
      return null;
    }
    if (status != 200) {
      throw new TierCacheException(
          "origin answered " + status + " for key '" + key + "' (" + r.uri() + ")");
    }
    return new Loaded<>(r.body(), version(r), tags(r));
  }

  private long version(HttpResponse<String> r) {
    var header = r.headers().firstValue(source.versionHeader());
    if (header.isPresent()) {
      try {
        long v = Long.parseLong(header.get().trim());
        if (v >= 0) {
          return v;
        }
      } catch (NumberFormatException e) {
        // not a number: fall through to Last-Modified
      }
    }
    var modified = r.headers().firstValue("Last-Modified");
    if (modified.isPresent()) {
      try {
        return ZonedDateTime.parse(modified.get(), DateTimeFormatter.RFC_1123_DATE_TIME)
            .toInstant()
            .toEpochMilli();
      } catch (DateTimeParseException e) {
        // unreadable: the time of the load
      }
    }
    return clock.millis();
  }

  private Set<String> tags(HttpResponse<String> r) {
    List<String> values = r.headers().allValues(source.tagsHeader());
    Set<String> tags = new LinkedHashSet<>();
    for (String v : values) {
      for (String t : v.split("[\\s,]+")) {
        if (CacheHeaders.isTag(t)) {
          tags.add(t);
        }
      }
    }
    return tags;
  }

  @Override
  public String toString() {
    return "HttpOriginLoader[" + source.urlTemplate() + "]";
  }
}
