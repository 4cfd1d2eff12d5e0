package io.tiercache.classes;

import io.tiercache.InvalidConfigException;
import java.util.Comparator;

/**
 * A key pattern: literal characters, {@code *} for any run of characters (also none) and {@code ?}
 * for exactly one. Literals are letters, digits and {@code : _ - . / @ # + = ,}.
 *
 * <p>Specificity orders patterns when several match one key: more literal characters win, then
 * fewer wildcards, then the pattern text (so resolution is deterministic).
 */
public final class GlobPattern {
  /** Most specific first. */
  public static final Comparator<GlobPattern> MOST_SPECIFIC_FIRST =
      Comparator.comparingInt(GlobPattern::literalCount)
          .reversed()
          .thenComparingInt(GlobPattern::wildcardCount)
          .thenComparing(GlobPattern::text);

  public static final int MAX_LENGTH = 256;

  private final String text;
  private final int literalCount;
  private final int wildcardCount;
  private final String literalPrefix;

  private GlobPattern(String text) {
    this.text = text;
    int literals = 0;
    int prefixEnd = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '*' || c == '?') {
        if (prefixEnd < 0) {
          prefixEnd = i;
        }
      } else {
        literals++;
      }
    }
    this.literalCount = literals;
    this.wildcardCount = text.length() - literals;
    this.literalPrefix = prefixEnd < 0 ? text : text.substring(0, prefixEnd);
  }

  /**
   * Parses and validates a pattern.
   *
   * @param field named in the error
   * @throws InvalidConfigException when the pattern is empty, too long or has a character outside
   *     the syntax
   */
  public static GlobPattern parse(String field, String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidConfigException(field, "a key pattern is required");
    }
    if (text.length() > MAX_LENGTH) {
      throw new InvalidConfigException(
          field, "a key pattern has at most " + MAX_LENGTH + " characters, was " + text.length());
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!isLiteral(c) && c != '*' && c != '?') {
        throw new InvalidConfigException(
            field,
            "'"
                + text
                + "' has '"
                + c
                + "' at "
                + i
                + "; use letters, digits, : _ - . / @ # + = , and the wildcards * and ?");
      }
    }
    return new GlobPattern(text);
  }

  /** Whether {@code c} may appear literally in a pattern (and so in a key matched by one). */
  public static boolean isLiteral(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || ":_-./@#+=,".indexOf(c) >= 0;
  }

  /**
   * Whether the whole of {@code key} matches. Linear in practice: the classic two-pointer glob
   * match that backtracks only to the last {@code *} seen (a regex engine would allocate per call).
   */
  public boolean matches(String key) {
    int p = 0;
    int k = 0;
    int star = -1;
    int starKey = 0;
    while (k < key.length()) {
      if (p < text.length() && (text.charAt(p) == '?' || text.charAt(p) == key.charAt(k))) {
        p++;
        k++;
      } else if (p < text.length() && text.charAt(p) == '*') {
        star = p++;
        starKey = k;
      } else if (star >= 0) {
        p = star + 1;
        k = ++starKey;
      } else {
        return false;
      }
    }
    while (p < text.length() && text.charAt(p) == '*') {
      p++;
    }
    return p == text.length();
  }

  public String text() {
    return text;
  }

  /** The literal characters before the first wildcard; every matching key starts with them. */
  public String literalPrefix() {
    return literalPrefix;
  }

  public int literalCount() {
    return literalCount;
  }

  public int wildcardCount() {
    return wildcardCount;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GlobPattern g && g.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
