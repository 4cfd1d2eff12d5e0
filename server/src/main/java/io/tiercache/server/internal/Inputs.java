package io.tiercache.server.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tiercache.classes.GlobPattern;
import io.tiercache.server.NamespaceConfig;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validation of what requests carry. Every check throws {@link ApiException.BadRequest} naming the
 * field, before anything is read or changed: bad input changes nothing (DESIGN invariant 11).
 *
 * <p>Keys are 1 to {@code maxKeyLength} of the characters a key pattern may hold literally ({@link
 * GlobPattern#isLiteral}: letters, digits and {@code : _ - . / @ # + = ,}), so every key can be
 * matched by a class pattern, named in a surrogate key and written in a URL path.
 */
public final class Inputs {
  private static final Pattern CLASS = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private static final int MAX_REASON = 512;

  /**
   * Parses JSON bodies strictly: duplicate fields, trailing tokens, comments and deep nesting are
   * errors, not guesses.
   */
  static final ObjectMapper STRICT_JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  static {
    STRICT_JSON
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(1 << 20).build());
  }

  private final int maxKeyLength;

  public Inputs(int maxKeyLength) {
    this.maxKeyLength = maxKeyLength;
  }

  /** A namespace name. */
  public String namespace(String raw) {
    if (!NamespaceConfig.isName(raw)) {
      throw new ApiException.BadRequest(
          "namespace",
          "'" + printable(raw) + "' is not a namespace: a-z first, then up to 63 of a-z 0-9 _ -");
    }
    return raw;
  }

  /** A key, named {@code field} in errors. */
  public String key(String field, String raw) {
    return keyLike(field, raw, false);
  }

  /**
   * A key prefix: like a key, but it may end with {@code /}. Never empty: a whole namespace is the
   * scope {@code all}.
   */
  public String prefix(String field, String raw) {
    return keyLike(field, raw, true);
  }

  /**
   * Besides the characters: no empty, {@code .} or {@code ..} path segment. URL normalizers (Jetty,
   * Varnish, proxies) rewrite those, so such a key could not be read, purged or banned at the URL
   * it was written under.
   */
  private String keyLike(String field, String raw, boolean prefix) {
    if (raw == null || raw.isEmpty()) {
      throw new ApiException.BadRequest(field, "is required (a non-empty string)");
    }
    if (raw.length() > maxKeyLength) {
      throw new ApiException.BadRequest(
          field, "has at most " + maxKeyLength + " characters, had " + raw.length());
    }
    for (int i = 0; i < raw.length(); i++) {
      if (!GlobPattern.isLiteral(raw.charAt(i))) {
        throw new ApiException.BadRequest(
            field,
            "has the character U+"
                + String.format("%04X", (int) raw.charAt(i))
                + " at "
                + i
                + "; use letters, digits and : _ - . / @ # + = ,");
      }
    }
    String[] segments = raw.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      String seg = segments[i];
      boolean trailing = i == segments.length - 1 && i > 0;
      if ((seg.isEmpty() && !(prefix && trailing)) || seg.equals(".") || seg.equals("..")) {
        throw new ApiException.BadRequest(
            field, "has an empty, '.' or '..' segment between slashes; URLs would not keep it");
      }
    }
    return raw;
  }

  /** A tag (surrogate key). */
  public String tag(String field, String raw) {
    if (raw == null || !CacheHeaders.isTag(raw)) {
      throw new ApiException.BadRequest(
          field,
          "'"
              + printable(raw)
              + "' is not a tag: 1 to 128 of A-Z a-z 0-9 : _ - . / @ # + = , not starting with the"
              + " reserved tc:");
    }
    return raw;
  }

  /** A class name. */
  public String className(String field, String raw) {
    if (raw == null || !CLASS.matcher(raw).matches()) {
      throw new ApiException.BadRequest(
          field, "'" + printable(raw) + "' is not a class name: a-z first, then a-z 0-9 _ -");
    }
    return raw;
  }

  /** A free-text reason for the audit log: printable, at most 512 characters. */
  public String reason(String field, String raw) {
    if (raw == null) {
      return "";
    }
    if (raw.length() > MAX_REASON) {
      throw new ApiException.BadRequest(field, "has at most " + MAX_REASON + " characters");
    }
    if (raw.chars().anyMatch(Character::isISOControl)) {
      throw new ApiException.BadRequest(field, "must not hold control characters");
    }
    return raw;
  }

  /** The body as a JSON object whose fields are all in {@code allowed}. */
  public static JsonNode jsonObject(byte[] body, Set<String> allowed) {
    if (body.length == 0) {
      throw new ApiException.BadRequest("body", "a JSON object is required");
    }
    JsonNode node;
    try {
      node = STRICT_JSON.readTree(utf8("body", body));
    } catch (JacksonException e) {
      throw new ApiException.BadRequest(
          "body", "not valid JSON: " + printable(e.getOriginalMessage()));
    }
    if (node == null || !node.isObject()) {
      throw new ApiException.BadRequest("body", "must be a JSON object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new ApiException.BadRequest(
            printable(f), "unknown field; known fields are " + allowed.stream().sorted().toList());
      }
    }
    return node;
  }

  /** A text field of a JSON object; null when absent or JSON null. */
  public static String text(JsonNode obj, String field) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new ApiException.BadRequest(field, "must be a string");
    }
    return v.textValue();
  }

  /** A list-of-strings field of a JSON object; null when absent. */
  public static List<String> texts(JsonNode obj, String field, int max) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw new ApiException.BadRequest(field, "must be a list of strings");
    }
    if (v.size() > max) {
      throw new ApiException.BadRequest(field, "holds at most " + max + " items, had " + v.size());
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isTextual()) {
        throw new ApiException.BadRequest(field + "[" + i + "]", "must be a string");
      }
      out.add(v.get(i).textValue());
    }
    return out;
  }

  /** Bytes decoded as strict UTF-8: malformed sequences are an error, not U+FFFD. */
  public static String utf8(String field, byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ApiException.BadRequest(field, "is not valid UTF-8");
    }
  }

  /** {@code s} safe to echo in a message: control characters escaped, at most 80 characters. */
  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 80; i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : c);
    }
    return s.length() > 80 ? out + "..." : out.toString();
  }
}
