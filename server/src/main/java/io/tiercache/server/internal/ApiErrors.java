package io.tiercache.server.internal;

import com.fasterxml.jackson.core.JacksonException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.tiercache.InvalidConfigException;
import io.tiercache.LoadFailedException;
import io.tiercache.SourceOverloadedException;
import io.tiercache.TierCacheException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become HTTP responses. Every error has the JSON body {@code
 * {"error": code, "field": name or null, "message": text}}; the field names what to fix.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>exception</th><th>status</th></tr>
 *   <tr><td>{@link ApiException}</td><td>its own (400, 401, 403, 404, 409)</td></tr>
 *   <tr><td>{@link InvalidConfigException}</td><td>400, its field</td></tr>
 *   <tr><td>malformed JSON</td><td>400, field {@code body}</td></tr>
 *   <tr><td>Javalin's {@link HttpResponseException}</td><td>its own (404 route, 413 body)</td></tr>
 *   <tr><td>{@link SourceOverloadedException}</td><td>503 with {@code Retry-After}</td></tr>
 *   <tr><td>{@link LoadFailedException}</td><td>502: the source failed</td></tr>
 *   <tr><td>other {@link TierCacheException}</td><td>503: a dependency is unavailable</td></tr>
 *   <tr><td>anything else</td><td>500, logged with its stack trace</td></tr>
 * </table>
 */
public final class ApiErrors {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  /** What an exception becomes. */
  record Problem(
      int status, String error, String field, String message, Map<String, String> headers) {}

  private ApiErrors() {}

  /** Registers the mapping on {@code config}; handlers then just throw. */
  static void install(JavalinConfig config) {
    config.routes.exception(Exception.class, (e, ctx) -> respond(ctx, problemOf(e)));
    // Javalin answers its own HttpResponseExceptions (unknown route, body too large) in plain text
    // unless a handler is registered for that very type.
    config.routes.exception(HttpResponseException.class, (e, ctx) -> respond(ctx, problemOf(e)));
  }

  static void respond(Context ctx, Problem p) {
    p.headers().forEach(ctx::header);
    ctx.status(p.status()).header("Cache-Control", "no-store").json(body(p));
  }

  /** The JSON body of a problem, as a map for the JSON mapper. */
  static Map<String, Object> body(Problem p) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", p.error());
    body.put("field", p.field());
    body.put("message", p.message());
    return body;
  }

  static Problem problemOf(Exception e) {
    if (e instanceof ApiException a) {
      Map<String, String> headers =
          a instanceof ApiException.Unauthorized u
              ? Map.of(
                  "WWW-Authenticate",
                  u.invalidToken()
                      ? "Bearer realm=\"tiercache\", error=\"invalid_token\""
                      : "Bearer realm=\"tiercache\"")
              : Map.of();
      return new Problem(a.status(), a.error(), a.field(), a.getMessage(), headers);
    }
    if (e instanceof InvalidConfigException i) {
      return new Problem(400, "bad_request", i.field(), i.getMessage(), Map.of());
    }
    if (e instanceof JacksonException j) {
      return new Problem(
          400, "bad_request", "body", "not valid JSON: " + j.getOriginalMessage(), Map.of());
    }
    if (e instanceof HttpResponseException h) {
      return new Problem(h.getStatus(), codeOf(h.getStatus()), null, h.getMessage(), Map.of());
    }
    if (e instanceof SourceOverloadedException o) {
      long seconds = Math.max(1, (o.retryAfter().toMillis() + 999) / 1000);
      return new Problem(
          503,
          "source_overloaded",
          "class",
          o.getMessage(),
          Map.of("Retry-After", Long.toString(seconds)));
    }
    if (e instanceof io.tiercache.ImmutableValueException i) {
      return new Problem(409, "immutable", "key", i.getMessage(), Map.of());
    }
    if (e instanceof io.tiercache.WriteBackFullException w) {
      return new Problem(503, "write_back_full", "key", w.getMessage(), Map.of("Retry-After", "1"));
    }
    if (e instanceof io.tiercache.WriteFailedException w) {
      log.warn("{}", w.getMessage());
      return new Problem(502, "source_write_failed", "key", w.getMessage(), Map.of());
    }
    if (e instanceof LoadFailedException l) {

      log.warn("{}", l.getMessage());
      return new Problem(502, "source_failed", "key", l.getMessage(), Map.of());
    }
    if (e instanceof TierCacheException t) {
      log.warn("a dependency failed", t);
      return new Problem(503, "unavailable", null, t.getMessage(), Map.of("Retry-After", "1"));
    }
    log.error("unexpected failure", e);
    return new Problem(500, "internal", null, "internal error; see the gateway log", Map.of());
  }

  private static String codeOf(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "payload_too_large";
      case 415 -> "unsupported_media_type";
      default -> "http_" + status;
    };
  }
}
