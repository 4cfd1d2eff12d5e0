package io.tiercache.server.internal;

import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.WritePolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The HTTP caching headers of a value: what every cache downstream of the gateway (the Varnish
 * edge, an HTTP client's cache) may do with it.
 *
 * <p>{@code max-age} is the value's <em>remaining</em> freshness, never its class's full TTL
 * (DESIGN invariant 2: deadlines are inherited, never extended). The stale windows are the class's,
 * cut to what is left of the entry's own stale deadline, so no cache downstream serves the value
 * later than the gateway itself would (invariant 1).
 *
 * <p>Surrogate keys (header {@code xkey}) are namespaced, because one edge fronts every namespace:
 * {@code tc:ns:<ns>}, {@code tc:class:<ns>:<class>}, {@code tc:key:<ns>:<hash of key>} and {@code
 * tc:tag:<ns>:<tag>} for each of the value's tags. Class tags may not start with {@code tc:}, so
 * these never collide with a tag. Keys are hashed (16 hex digits of SHA-256): a key may be 512
 * characters long and hold a comma, which xkey would take for a separator.
 */
public final class CacheHeaders {
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9:_\\-./@#+=,]{1,128}");

  private CacheHeaders() {}

  /** The strong ETag of a version. */
  public static String etag(long version) {
    return "\"" + version + "\"";
  }

  /**
   * Whether an {@code If-None-Match} header matches {@code etag} (weak comparison, RFC 9110
   * 13.1.2): the client's copy is current.
   */
  public static boolean notModified(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.equals("*")) {
        return true;
      }
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** {@code Cache-Control} for a value found at {@code now}. */
  public static String cacheControl(Lookup<?> found, boolean publicRead, Instant now) {
    CacheClass c = found.cacheClass();
    if (!c.edgeCacheable()) {
      return "private, no-store";
    }
    long maxAge = found.stale() ? 0 : floorSeconds(Duration.between(now, found.freshUntil()));
    Instant staleFrom = found.freshUntil().isAfter(now) ? found.freshUntil() : now;
    Duration staleLeft = Duration.between(staleFrom, found.staleUntil());
    long swr = floorSeconds(min(c.staleWhileRevalidate(), staleLeft));
    long sie = floorSeconds(min(c.staleIfError(), staleLeft));
    StringJoiner cc = new StringJoiner(", ");
    cc.add(publicRead ? "public" : "private");
    cc.add("max-age=" + maxAge);
    if (swr > 0) {
      cc.add("stale-while-revalidate=" + swr);
    }
    if (sie > 0) {
      cc.add("stale-if-error=" + sie);
    }
    if (c.writePolicy() == WritePolicy.WRITE_ONCE) {
      cc.add("immutable"); // content-addressed: a URL's value never changes
    }
    return cc.toString();
  }

  /** {@code X-Cache}: where the value came from. */
  public static String xCache(Lookup<?> found) {
    if (found.stale()) {
      return "STALE";
    }
    return found.tier() == Tier.SOURCE ? "MISS" : found.tier().name();
  }

  /** The {@code xkey} header: the value's surrogate keys, space-separated. */
  public static String surrogateKeys(String ns, Lookup<?> found) {
    StringJoiner keys = new StringJoiner(" ");
    keys.add(namespaceToken(ns));
    keys.add(classToken(ns, found.cacheClass().name()));
    keys.add(keyToken(ns, found.key()));
    for (String tag : new TreeSet<>(found.tags())) {
      if (isTag(tag)) { // a source may hand out anything; the header must stay well formed
        keys.add(tagToken(ns, tag));
      }
    }
    return keys.toString();
  }

  /** Whether {@code tag} is a well-formed tag (the syntax of class tags). */
  public static boolean isTag(String tag) {
    return TAG.matcher(tag).matches() && !tag.startsWith("tc:");
  }

  public static String namespaceToken(String ns) {
    return "tc:ns:" + ns;
  }

  public static String classToken(String ns, String className) {
    return "tc:class:" + ns + ":" + className;
  }

  public static String tagToken(String ns, String tag) {
    return "tc:tag:" + ns + ":" + tag;
  }

  public static String keyToken(String ns, String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "tc:key:" + ns + ":" + HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static long floorSeconds(Duration d) {
    return d.isNegative() ? 0 : d.getSeconds();
  }
}
