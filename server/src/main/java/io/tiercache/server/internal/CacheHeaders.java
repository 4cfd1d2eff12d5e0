package io.tiercache.server.internal;

import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.WritePolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
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
    // Rounded up to the millisecond: max-age is floored, so it may promise less, never more.
    long nowMs = now.toEpochMilli() + (now.getNano() % 1_000_000 == 0 ? 0 : 1);
    return cacheControl(found, publicRead, nowMs);
  }

  /**
   * {@code Cache-Control} for a value found at {@code nowMs} (epoch milliseconds). On the data
   * plane's hot path: plain millisecond arithmetic and one builder, no {@link Duration}s.
   */
  static String cacheControl(Lookup<?> found, boolean publicRead, long nowMs) {
    CacheClass c = found.cacheClass();
    if (!c.edgeCacheable()) {
      return "private, no-store";
    }
    long freshUntil = found.freshUntil().toEpochMilli();
    long maxAge = found.stale() ? 0 : floorSeconds(freshUntil - nowMs);
    long staleLeft = found.staleUntil().toEpochMilli() - Math.max(freshUntil, nowMs);
    long swr = floorSeconds(Math.min(c.staleWhileRevalidate().toMillis(), staleLeft));
    long sie = floorSeconds(Math.min(c.staleIfError().toMillis(), staleLeft));
    StringBuilder cc = new StringBuilder(96);
    cc.append(publicRead ? "public" : "private").append(", max-age=").append(maxAge);
    if (swr > 0) {
      cc.append(", stale-while-revalidate=").append(swr);
    }
    if (sie > 0) {
      cc.append(", stale-if-error=").append(sie);
    }
    if (c.writePolicy() == WritePolicy.WRITE_ONCE) {
      cc.append(", immutable"); // content-addressed: a URL's value never changes
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
    return surrogateKeys(ns, found, keyToken(ns, found.key()));
  }

  /** Like {@link #surrogateKeys(String, Lookup)}, with the key's token already computed. */
  static String surrogateKeys(String ns, Lookup<?> found, String keyToken) {
    StringBuilder keys = new StringBuilder(128);
    keys.append(namespaceToken(ns)).append(' ');
    keys.append(classToken(ns, found.cacheClass().name())).append(' ');
    keys.append(keyToken);
    Set<String> tags = found.tags();
    for (String tag : tags.size() > 1 ? new TreeSet<>(tags) : tags) {
      if (isTag(tag)) { // a source may hand out anything; the header must stay well formed
        keys.append(' ').append(tagToken(ns, tag));
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

  private static long floorSeconds(long millis) {
    return millis < 0 ? 0 : millis / 1000;
  }
}
