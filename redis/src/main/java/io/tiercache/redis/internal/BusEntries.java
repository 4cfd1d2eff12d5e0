package io.tiercache.redis.internal;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How an invalidation is written in a stream entry: fields {@code o} origin node, {@code i} issued
 * at (epoch ms), {@code s} scope, {@code r} reason, {@code a} actor, {@code v} the values, and
 * {@code c} the server's time of the append (for trimming by age). The values are one string of
 * {@code <length>:<chars>} items, so keys may hold any character.
 */
public final class BusEntries {
  private BusEntries() {}

  /** The six argument values {@link BusScripts#PUBLISH} takes per entry. */
  public static List<Object> fields(InvalidationRequest r, String origin, Instant issuedAt) {
    return List.of(
        origin,
        Long.toString(issuedAt.toEpochMilli()),
        r.scope().name(),
        r.reason(),
        r.actor(),
        encodeValues(r.values()));
  }

  /**
   * Decodes a stream entry.
   *
   * @throws IllegalArgumentException when the entry is not one of ours
   */
  public static Invalidation decode(String id, Map<String, byte[]> body) {
    long sequence = sequenceOf(id);
    InvalidationScope scope = InvalidationScope.valueOf(text(body, "s"));
    InvalidationRequest request =
        new InvalidationRequest(
            scope, decodeValues(text(body, "v")), text(body, "r"), text(body, "a"));
    return new Invalidation(
        sequence, request, text(body, "o"), Instant.ofEpochMilli(Long.parseLong(text(body, "i"))));
  }

  /** The sequence of a stream id {@code <sequence>-0}. */
  public static long sequenceOf(String id) {
    int dash = id.indexOf('-');
    return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
  }

  static String encodeValues(List<String> values) {
    StringBuilder b = new StringBuilder();
    for (String v : values) {
      b.append(v.length()).append(':').append(v);
    }
    return b.toString();
  }

  static List<String> decodeValues(String s) {
    List<String> values = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int colon = s.indexOf(':', i);
      if (colon < 0) {
        throw new IllegalArgumentException("malformed values at " + i);
      }
      int len = Integer.parseInt(s, i, colon, 10);
      int end = colon + 1 + len;
      if (len < 0 || end > s.length()) {
        throw new IllegalArgumentException("malformed values at " + i);
      }
      values.add(s.substring(colon + 1, end));
      i = end;
    }
    return values;
  }

  private static String text(Map<String, byte[]> body, String field) {
    byte[] b = body.get(field);
    if (b == null) {
      throw new IllegalArgumentException("stream entry without field '" + field + "'");
    }
    return new String(b, StandardCharsets.UTF_8);
  }
}
