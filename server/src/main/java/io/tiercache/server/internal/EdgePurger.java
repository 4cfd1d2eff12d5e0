package io.tiercache.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.InvalidationRequest;
import io.tiercache.server.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans each invalidation out to the Varnish instances of the edge ({@code
 * deploy/varnish/tiercache.vcl}). Keys, tags, classes and whole namespaces become one {@code PURGE}
 * with the surrogate keys of {@link CacheHeaders} in the header {@code xkey-softpurge} (or {@code
 * xkey-purge} when purges are hard); a prefix, which no surrogate key names, becomes a {@code BAN}
 * on the namespace and a regular expression over the key.
 *
 * <p>A soft purge keeps an object servable within its grace (the class's stale-while-revalidate, at
 * most its staleness epsilon) while one refetch runs: the edge never serves a purged value past
 * that window, and the source sees one load, not a stampede.
 *
 * <p>Failures are counted and logged, never thrown: the cache tiers are invalidated whatever the
 * edge says, and the result reports how many instances took the purge.
 */
public final class EdgePurger {
  private static final Logger log = LoggerFactory.getLogger(EdgePurger.class);

  /** Stays well under Varnish's default limit of 8 KB of request headers. */
  private static final int MAX_HEADER_CHARS = 4000;

  private final GatewayConfig.Edge edge;
  private final HttpClient client;
  private final Counter purged;
  private final Counter failed;

  /** How far a purge got. */
  public record Result(int targets, int purged, List<String> errors) {
    public static final Result NONE = new Result(0, 0, List.of());
  }

  public EdgePurger(GatewayConfig.Edge edge, HttpClient client, MeterRegistry registry) {
    this.edge = edge;
    this.client = client;
    this.purged = Counter.builder("tiercache.edge.purges").tag("result", "ok").register(registry);
    this.failed =
        Counter.builder("tiercache.edge.purges").tag("result", "failed").register(registry);
  }

  /** How many edge instances each purge goes to. */
  public int targetCount() {
    return edge.varnish().size();
  }

  /** Purges what {@code request} covers in {@code namespace} from every edge instance. */
  public CompletableFuture<Result> purge(String namespace, InvalidationRequest request) {
    if (edge.varnish().isEmpty()) {
      return CompletableFuture.completedFuture(Result.NONE);
    }
    List<String> errors = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Boolean>> perTarget = new ArrayList<>();
    for (URI target : edge.varnish()) {
      List<CompletableFuture<Boolean>> sends = new ArrayList<>();
      for (HttpRequest r : requests(target, namespace, request)) {
        sends.add(
            client
                .sendAsync(r, HttpResponse.BodyHandlers.discarding())
                .handle(
                    (resp, e) -> {
                      if (e != null || resp.statusCode() / 100 != 2) {
                        String why = e != null ? e.toString() : "status " + resp.statusCode();
                        errors.add(target + ": " + why);
                        return false;
                      }
                      return true;
                    }));
      }
      perTarget.add(
          CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
              .thenApply(v -> sends.stream().allMatch(CompletableFuture::join)));
    }
    return CompletableFuture.allOf(perTarget.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              int ok = (int) perTarget.stream().filter(CompletableFuture::join).count();
              purged.increment(ok);
              failed.increment(perTarget.size() - ok);
              if (!errors.isEmpty()) {
                log.warn(
                    "edge purge of {} in {} failed on: {}", request.scope(), namespace, errors);
              }
              return new Result(perTarget.size(), ok, List.copyOf(errors));
            });
  }

  List<HttpRequest> requests(URI target, String ns, InvalidationRequest r) {
    return switch (r.scope()) {
      case KEY, KEYS ->
          xkeyPurges(target, r.values().stream().map(k -> CacheHeaders.keyToken(ns, k)).toList());
      case TAG -> xkeyPurges(target, List.of(CacheHeaders.tagToken(ns, r.values().get(0))));
      case CLASS -> xkeyPurges(target, List.of(CacheHeaders.classToken(ns, r.values().get(0))));
      case ALL -> xkeyPurges(target, List.of(CacheHeaders.namespaceToken(ns)));
      case PREFIX -> List.of(ban(target, ns, r.values().get(0)));
    };
  }

  private List<HttpRequest> xkeyPurges(URI target, List<String> tokens) {
    String header = edge.softPurge() ? "xkey-softpurge" : "xkey-purge";
    List<HttpRequest> out = new ArrayList<>();
    StringBuilder batch = new StringBuilder();
    for (String token : tokens) {
      if (batch.length() > 0 && batch.length() + 1 + token.length() > MAX_HEADER_CHARS) {
        out.add(purge(target, header, batch.toString()));
        batch.setLength(0);
      }
      batch.append(batch.length() > 0 ? " " : "").append(token);
    }
    out.add(purge(target, header, batch.toString()));
    return out;
  }

  private HttpRequest purge(URI target, String header, String tokens) {
    return HttpRequest.newBuilder(target.resolve("/"))
        .timeout(edge.timeout())
        .header(header, tokens)
        .method("PURGE", HttpRequest.BodyPublishers.noBody())
        .build();
  }

  private HttpRequest ban(URI target, String ns, String prefix) {
    return HttpRequest.newBuilder(target.resolve("/"))
        .timeout(edge.timeout())
        .header("x-tc-ban-namespace", ns)
        .header("x-tc-ban-key-regex", "^" + regexLiteral(prefix))
        .method("BAN", HttpRequest.BodyPublishers.noBody())
        .build();
  }

  /**
   * {@code text} as a regular expression matching itself. Keys hold only letters, digits and {@code
   * : _ - . / @ # + = ,}, of which {@code .} and {@code +} are special; they go in brackets rather
   * than after a backslash, which the ban expression parser would see first.
   */
  static String regexLiteral(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      out.append(c == '.' || c == '+' ? "[" + c + "]" : String.valueOf(c));
    }
    return out.toString();
  }
}
