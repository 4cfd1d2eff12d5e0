package io.tiercache.jdbc;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the {@code ?} placeholders and the {@code :keys} token of a SQL statement, outside string
 * literals, quoted identifiers and comments (a {@code '?'} in a literal is not a placeholder).
 * PostgreSQL's dollar-quoted strings are not recognized; a loader's query has no use for them.
 */
final class SqlTemplate {
  static final String KEYS_TOKEN = ":keys";

  /** Where the placeholders and tokens of one statement are. */
  record Scan(List<Integer> placeholders, List<Integer> keysTokens) {}

  private SqlTemplate() {}

  static Scan scan(String sql) {
    List<Integer> placeholders = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        i = closing(sql, i + 1, String.valueOf(c));
      } else if (sql.startsWith("--", i)) {
        i = closing(sql, i + 2, "\n");
      } else if (sql.startsWith("/*", i)) {
        i = closing(sql, i + 2, "*/");
      } else {
        if (c == '?') {
          placeholders.add(i);
        } else if (isKeysToken(sql, i)) {
          tokens.add(i);
        }
        i++;
      }
    }
    return new Scan(placeholders, tokens);
  }

  /** A statement with named parameters turned into JDBC's {@code ?}, and the name of each. */
  record Named(String sql, List<String> parameters) {}

  /**
   * Replaces the named parameters ({@code :name}, one of {@code names}) outside literals, quoted
   * identifiers and comments by {@code ?}; a name may occur more than once. PostgreSQL casts
   * ({@code x::text}) are left alone.
   */
  static Named named(String sql, List<String> names) {
    StringBuilder out = new StringBuilder(sql.length());
    List<String> order = new ArrayList<>();
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      int skip = i;
      if (c == '\'' || c == '"') {
        skip = closing(sql, i + 1, String.valueOf(c));
      } else if (sql.startsWith("--", i)) {
        skip = closing(sql, i + 2, "\n");
      } else if (sql.startsWith("/*", i)) {
        skip = closing(sql, i + 2, "*/");
      }
      if (skip != i) {
        out.append(sql, i, skip);
        i = skip;
        continue;
      }
      String name = c == ':' && (i == 0 || sql.charAt(i - 1) != ':') ? nameAt(sql, i + 1) : null;
      if (name != null && names.contains(name)) {
        out.append('?');
        order.add(name);
        i += 1 + name.length();
      } else {
        out.append(c);
        i++;
      }
    }
    return new Named(out.toString(), List.copyOf(order));
  }

  private static String nameAt(String sql, int from) {
    int end = from;
    while (end < sql.length() && isIdentifierPart(sql.charAt(end))) {
      end++;
    }
    return end > from ? sql.substring(from, end) : null;
  }

  /**
   * {@code sql} with its one {@code :keys} token replaced by {@code n} comma-separated {@code ?}.
   */
  static String expandKeys(String sql, int n) {
    int at = scan(sql).keysTokens().get(0);
    StringBuilder out = new StringBuilder(sql.length() + 3 * n);
    out.append(sql, 0, at);
    for (int k = 0; k < n; k++) {
      out.append(k == 0 ? "?" : ", ?");
    }
    return out.append(sql, at + KEYS_TOKEN.length(), sql.length()).toString();
  }

  /** The index just past the first {@code end} at or after {@code from}, or the end of sql. */
  private static int closing(String sql, int from, String end) {
    int at = sql.indexOf(end, from);
    // A doubled quote ('it''s') closes and reopens the literal: scanning on from there is the same.
    return at < 0 ? sql.length() : at + end.length();
  }

  // ":keys" as a whole word, and not the tail of a PostgreSQL cast such as "x::keys".
  private static boolean isKeysToken(String sql, int i) {
    if (!sql.startsWith(KEYS_TOKEN, i) || (i > 0 && sql.charAt(i - 1) == ':')) {
      return false;
    }
    int after = i + KEYS_TOKEN.length();
    return after == sql.length() || !isIdentifierPart(sql.charAt(after));
  }

  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }
}
