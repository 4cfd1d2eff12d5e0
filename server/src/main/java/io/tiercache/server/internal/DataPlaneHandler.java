package io.tiercache.server.internal;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /v1/cache/{namespace}/{key}} on Jetty's own handler API, in front of Javalin: the data
 * plane's read is the gateway's hottest request and the edge's origin, and Javalin's servlet stack
 * (servlet request and response wrappers, the router, the result stream and its compression
 * wrapper) cost about as much as the rest of an L1 hit together (issue 6, measured in
 * docs/BENCHMARKS.md). Everything else, and every GET this class is not sure about, goes on to
 * Javalin unchanged.
 *
 * <p>The answer is the route's: {@link DataPlane#readTarget} runs the same checks in the same order
 * and {@link DataPlane#read} builds the same headers from the entry's own deadlines. A request the
 * route would refuse before reading (bad credential, bad name or key, missing scope, unknown
 * namespace, no class) is handed to Javalin as it is, so its error is written by {@link ApiErrors}
 * exactly as before; those checks change nothing, so running them twice is harmless. Errors after
 * the read has begun (no value, a failed or overloaded source) are answered here, through {@link
 * ApiErrors#problemOf}, because reading again would load from the source twice.
 *
 * <p>Only raw paths that mean what they say take this path: no percent-encoding, no {@code ;}
 * parameters, no trailing slash, and only {@code GET} ({@code HEAD} stays with Javalin).
 */
final class DataPlaneHandler extends Handler.Wrapper {
  static final String PREFIX = "/v1/cache/";

  // Jetty writes a pre-encoded field's bytes as they are: no per-request encoding.
  private static final HttpField TEXT =
      new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
  private static final HttpField JSON =
      new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
  private static final HttpField NO_STORE =
      new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-store");

  private final DataPlane data;

  DataPlaneHandler(DataPlane data) {
    this.data = data;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    DataPlane.Target target = target(request);
    if (target == null) {
      return super.handle(request, response, callback);
    }
    HttpFields.Mutable headers = response.getHeaders();
    byte[] body;
    try {
      body = data.read(target, request.getHeaders().get(HttpHeader.IF_NONE_MATCH), headers::put);
    } catch (Exception e) {
      writeProblem(ApiErrors.problemOf(e), response, callback);
      return true;
    }
    if (body == null) {
      // RFC 9110 15.4.5: a 304 carries the validators and caching headers, and no content.
      response.setStatus(304);
      response.write(true, null, callback);
      return true;
    }
    response.setStatus(200);
    headers.put(TEXT);
    headers.put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  /**
   * The checked target of a data-plane GET this handler answers, or null to leave it to Javalin.
   */
  private DataPlane.Target target(Request request) {
    if (!HttpMethod.GET.is(request.getMethod())) {
      return null;
    }
    String path = request.getHttpURI().getPath();
    if (path == null
        || !path.startsWith(PREFIX)
        || path.endsWith("/")
        || path.indexOf('%') >= 0
        || path.indexOf(';') >= 0) {
      return null;
    }
    int slash = path.indexOf('/', PREFIX.length());
    if (slash <= PREFIX.length()) {
      return null;
    }
    try {
      return data.readTarget(
          request.getHeaders().get(HttpHeader.AUTHORIZATION),
          path.substring(PREFIX.length(), slash),
          path.substring(slash + 1));
    } catch (RuntimeException refused) {
      return null; // the route refuses it again and ApiErrors writes the error
    }
  }

  private static void writeProblem(ApiErrors.Problem p, Response response, Callback callback)
      throws Exception {
    byte[] json = Api.JSON.writeValueAsBytes(ApiErrors.body(p));
    HttpFields.Mutable headers = response.getHeaders();
    response.setStatus(p.status());
    p.headers().forEach(headers::put);
    headers.put(JSON);
    headers.put(NO_STORE);
    headers.put(HttpHeader.CONTENT_LENGTH, json.length);
    response.write(true, ByteBuffer.wrap(json), callback);
  }
}
