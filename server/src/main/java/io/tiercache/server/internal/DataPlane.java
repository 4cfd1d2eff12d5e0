package io.tiercache.server.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.javalin.http.Context;
import io.tiercache.InvalidationRequest;
import io.tiercache.Lookup;
import io.tiercache.TierCacheException;
import io.tiercache.server.NamespaceConfig;
import io.tiercache.server.internal.Auth.Principal;
import io.tiercache.server.internal.Namespaces.Namespace;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@code GET}, {@code PUT} and {@code DELETE} on {@code /v1/cache/{namespace}/{key}}: read-through,
 * store, invalidate. A read answers with the value and the headers of {@link CacheHeaders}; {@code
 * If-None-Match} with the current ETag answers 304.
 */
public final class DataPlane {
  /** The header carrying the version of a {@code PUT}. */
  public static final String VERSION_HEADER = "X-Tiercache-Version";

  private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");
  private static final String TEXT = "text/plain; charset=utf-8";

  private final Namespaces namespaces;
  private final Auth auth;
  private final Inputs inputs;
  private final Invalidations invalidations;
  private final Clock clock;

  /**
   * Each namespace's recent keys' surrogate-key tokens: a SHA-256 per read was a visible share of
   * an L1 hit, and hot keys are read over and over. Bounded; a miss just hashes again.
   */
  private final Map<String, Cache<String, String>> keyTokens = new ConcurrentHashMap<>();

  public DataPlane(
      Namespaces namespaces, Auth auth, Inputs inputs, Invalidations invalidations, Clock clock) {
    this.namespaces = namespaces;
    this.auth = auth;
    this.inputs = inputs;
    this.invalidations = invalidations;
    this.clock = clock;
  }

  /** {@code GET}: the value, read through the tiers. */
  public void get(Context ctx) {
    Target t = target(ctx, "read");
    requireClass(t);
    byte[] body = read(t, ctx.header("If-None-Match"), ctx::header);
    if (body == null) {
      ctx.status(304);
      return;
    }
    ctx.contentType(TEXT).result(body);
  }

  /** Where {@link #read} puts the headers of its answer. */
  @FunctionalInterface
  interface Headers {
    void put(String name, String value);
  }

  /**
   * Reads a key for a {@code GET} that {@link #readTarget} let through: puts the answer's headers
   * into {@code headers} and returns the body, or null when {@code ifNoneMatch} matches (a 304).
   * Shared by the Javalin route and {@link DataPlaneHandler}, so both answer alike.
   *
   * @throws ApiException.NotFound when the source has no value (after putting {@code X-Cache})
   */
  byte[] read(Target t, String ifNoneMatch, Headers headers) {
    Lookup<String> found = t.ns().cache().lookup(t.key());
    if (!found.found()) {
      headers.put("X-Cache", CacheHeaders.xCache(found));
      throw new ApiException.NotFound(
          "key", "namespace '" + t.ns().name() + "' has no value for key '" + t.key() + "'");
    }
    String etag = CacheHeaders.etag(found.version());
    headers.put("ETag", etag);
    headers.put(
        "Cache-Control", CacheHeaders.cacheControl(found, t.ns().publicRead(), clock.instant()));
    headers.put("xkey", CacheHeaders.surrogateKeys(t.ns().name(), found, keyToken(t)));
    headers.put("X-Cache", CacheHeaders.xCache(found));
    headers.put("X-Tc-Namespace", t.ns().name());
    headers.put("X-Tc-Key", t.key());
    headers.put("X-Tc-Class", found.cacheClass().name());
    if (CacheHeaders.notModified(ifNoneMatch, etag)) {
      return null;
    }
    return found.value().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The target of a {@code GET}, checked as the Javalin route checks it ({@link #target}, then the
   * key's class).
   *
   * @throws ApiException for any request the route would refuse
   */
  Target readTarget(String authorization, String namespace, String key) {
    Target t = target(auth.authenticate(authorization), namespace, key, "read");
    requireClass(t);
    return t;
  }

  /**
   * {@code PUT}: writes the body as the key's value. A namespace with a {@code write_table} writes
   * through the key's class write policy (write-through, write-around, write-back, write-once) and
   * answers the source's new version. Otherwise the value is stored in every tier only, with the
   * version of the header {@value #VERSION_HEADER} or, without one, the current time in
   * milliseconds.
   */
  public void put(Context ctx) {
    Target t = target(ctx, "write");
    requireClass(t);
    String value = Inputs.utf8("body", ctx.bodyAsBytes());
    long version;
    if (writable(t)) {
      version = t.ns().cache().write(t.key(), value);
    } else {
      version = version(ctx.header(VERSION_HEADER));
      t.ns().cache().put(t.key(), value, version);
    }
    invalidations.purgeWritten(t.ns(), t.key());
    ctx.header("ETag", CacheHeaders.etag(version)).status(204);
  }

  /** {@code DELETE}: invalidates the key on every tier, node and the edge; audited. */
  public void delete(Context ctx) {
    Target t = target(ctx, "invalidate");
    String reason = inputs.reason("reason", ctx.queryParam("reason"));
    if (writable(t)) {
      t.ns().cache().delete(t.key()); // from the source, through the class's write policy
    }
    InvalidationRequest request =
        InvalidationRequest.key(t.key()).because(reason).by(t.principal().name());
    Invalidations.Outcome outcome = invalidations.invalidate(t.ns(), request);
    ctx.status(outcome.isDeferred() ? 202 : 200).json(outcome.toJson(t.ns().name()));
  }

  record Target(Namespace ns, String key, Principal principal) {}

  private String keyToken(Target t) {
    String ns = t.ns().name();
    return keyTokens
        .computeIfAbsent(ns, n -> Caffeine.newBuilder().maximumSize(10_000).build())
        .get(t.key(), k -> CacheHeaders.keyToken(ns, k));
  }

  private static boolean writable(Target t) {
    return t.ns().config().source() instanceof NamespaceConfig.SqlSource sql
        && sql.writeTable() != null;
  }

  /**
   * The namespace and key of the path, once the caller is known to hold {@code verb} on the
   * namespace. Order: a bad credential (401), malformed input (400), no credential where one is
   * needed (401), a missing scope (403), and only then an unknown namespace (404), so that a tenant
   * cannot probe other tenants' namespaces.
   */
  private Target target(Context ctx, String verb) {
    return target(auth.authenticate(ctx), ctx.pathParam("namespace"), ctx.pathParam("key"), verb);
  }

  private Target target(Principal p, String namespace, String key, String verb) {
    String nsName = inputs.namespace(namespace);
    String checkedKey = inputs.key("key", key);
    Namespace ns = namespaces.get(nsName);
    boolean open = verb.equals("read") && ns != null && ns.publicRead();
    if (!open) {
      if (p == null) {
        throw new ApiException.Unauthorized("a bearer token is required", false);
      }
      Auth.requireScope(p, verb, nsName);
    }
    if (ns == null) {
      throw new ApiException.NotFound("namespace", "no namespace is named '" + nsName + "'");
    }
    return new Target(ns, checkedKey, p);
  }

  private static void requireClass(Target t) {
    try {
      t.ns().cache().classOf(t.key());
    } catch (TierCacheException e) {
      throw new ApiException.NotFound("key", "no cache class matches key '" + t.key() + "'");
    }
  }

  private long version(String header) {
    if (header == null) {
      return clock.millis();
    }
    if (!VERSION.matcher(header).matches()) {
      throw new ApiException.BadRequest(
          VERSION_HEADER, "must be a whole number from 0 to 999999999999999999");
    }
    return Long.parseLong(header);
  }
}
