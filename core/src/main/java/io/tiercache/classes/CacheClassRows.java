package io.tiercache.classes;

import io.tiercache.InvalidConfigException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts cache classes to and from rows: maps from the column names of the {@code cache_class}
 * table (also the keys of the YAML seed file) to values. One parser serves the config file, the
 * table and the HTTP API, so a value is judged the same way wherever it was written.
 *
 * <p>Durations are milliseconds when numeric, otherwise {@code 250ms}, {@code 60s}, {@code 5m},
 * {@code 1h}, {@code 2d} or ISO-8601 ({@code PT1M}). Sizes are bytes or {@code 64KB}/{@code
 * 16MB}/{@code 1GB}. Enumerations are their names in any case. Tags are a list or a comma-separated
 * string.
 */
public final class CacheClassRows {
  /** Every column, in table order. */
  public static final List<String> COLUMNS =
      List.copyOf(
          Arrays.asList(
              "class",
              "key_pattern",
              "ttl",
              "eviction_policy",
              "expiry_mode",
              "refresh_strategy",
              "write_policy",
              "staleness_epsilon",
              "stale_while_revalidate",
              "stale_if_error",
              "source_rate_limit",
              "l1_max_entries",
              "l1_max_bytes",
              "edge_cacheable",
              "tags",
              "ttl_jitter",
              "early_refresh_beta"));

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

  private CacheClassRows() {}

  /**
   * Builds a class from a row. Columns left out take the builder's defaults, except {@code class},
   * {@code key_pattern} and {@code ttl}, which are required.
   *
   * @throws InvalidConfigException naming the first unknown column or invalid value
   */
  public static CacheClass fromRow(Map<String, ?> row) {
    for (String column : row.keySet()) {
      if (!COLUMNS.contains(column)) {
        throw new InvalidConfigException(column, "unknown field; known fields are " + COLUMNS);
      }
    }
    String name = text(row, "class", true);
    String where = "class '" + name + "': ";
    String pattern = text(row, "key_pattern", true);
    GlobPattern.parse(where + "key_pattern", pattern); // to name the class in the error
    CacheClass.Builder b = CacheClass.builder(name, pattern);
    b.ttl(duration(row, where, "ttl", true));
    Duration d;
    if ((d = duration(row, where, "staleness_epsilon", false)) != null) {
      b.stalenessEpsilon(d);
    }
    if ((d = duration(row, where, "stale_while_revalidate", false)) != null) {
      b.staleWhileRevalidate(d);
    }
    if ((d = duration(row, where, "stale_if_error", false)) != null) {
      b.staleIfError(d);
    }
    String t;
    if ((t = text(row, "eviction_policy", false)) != null) {
      b.evictionPolicy(enumValue(EvictionPolicy.class, where, "eviction_policy", t));
    }
    if ((t = text(row, "expiry_mode", false)) != null) {
      b.expiryMode(enumValue(ExpiryMode.class, where, "expiry_mode", t));
    }
    if ((t = text(row, "refresh_strategy", false)) != null) {
      b.refreshStrategy(enumValue(RefreshStrategy.class, where, "refresh_strategy", t));
    }
    if ((t = text(row, "write_policy", false)) != null) {
      b.writePolicy(enumValue(WritePolicy.class, where, "write_policy", t));
    }
    Object v;
    if ((v = row.get("source_rate_limit")) != null) {
      double rate = number(where, "source_rate_limit", v);
      if (!(rate >= 0) || Double.isInfinite(rate)) {
        throw new InvalidConfigException(
            where + "source_rate_limit",
            "must be a finite number >= 0 loads/s (0: unlimited), was " + v);
      }
      b.sourceRateLimit(new RateLimit(rate));
    }
    Object entries = row.get("l1_max_entries");
    Object bytes = row.get("l1_max_bytes");
    if (entries != null) {
      double n = number(where, "l1_max_entries", entries);
      if (n < 0 || n != Math.floor(n)) {
        throw new InvalidConfigException(
            where + "l1_max_entries", "must be a whole number >= 0, was " + entries);
      }
      b.l1MaxEntries((long) n);
    }
    if (bytes != null) {
      if (bytes instanceof Number n && n.doubleValue() < 0) {
        throw new InvalidConfigException(where + "l1_max_bytes", "must be >= 0, was " + bytes);
      }
      DataSize size =
          bytes instanceof Number n
              ? new DataSize(n.longValue())
              : DataSize.parse(where + "l1_max_bytes", bytes.toString());

      if (size.bytes() > 0) {
        if (entries != null && number(where, "l1_max_entries", entries) > 0) {
          throw new InvalidConfigException(
              where + "l1_max_bytes", "set l1_max_entries or l1_max_bytes, not both");
        }
        b.l1MaxBytes(size);
      }
    }
    if ((v = row.get("edge_cacheable")) != null) {
      b.edgeCacheable(bool(where, "edge_cacheable", v));
    }
    if ((v = row.get("tags")) != null) {
      b.tags(tags(v));
    }
    if ((v = row.get("ttl_jitter")) != null) {
      b.ttlJitter(number(where, "ttl_jitter", v));
    }
    if ((v = row.get("early_refresh_beta")) != null) {
      b.earlyRefreshBeta(number(where, "early_refresh_beta", v));
    }
    return b.build();
  }

  /**
   * The row of a class, with durations in milliseconds, sizes in bytes, enumerations in lower case
   * and tags comma-separated: the form the table stores.
   */
  public static Map<String, Object> toRow(CacheClass c) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("class", c.name());
    row.put("key_pattern", c.keyPattern().text());
    row.put("ttl", c.ttl().toMillis());
    row.put("eviction_policy", lower(c.evictionPolicy()));
    row.put("expiry_mode", lower(c.expiryMode()));
    row.put("refresh_strategy", lower(c.refreshStrategy()));
    row.put("write_policy", lower(c.writePolicy()));
    row.put("staleness_epsilon", c.stalenessEpsilon().toMillis());
    row.put("stale_while_revalidate", c.staleWhileRevalidate().toMillis());
    row.put("stale_if_error", c.staleIfError().toMillis());
    row.put("source_rate_limit", c.sourceRateLimit().perSecond());
    row.put("l1_max_entries", c.l1MaxEntries());
    row.put("l1_max_bytes", c.l1MaxBytes().bytes());
    row.put("edge_cacheable", c.edgeCacheable());
    row.put("tags", String.join(",", c.tags().stream().sorted().toList()));
    row.put("ttl_jitter", c.ttlJitter());
    row.put("early_refresh_beta", c.earlyRefreshBeta());
    return row;
  }

  /**
   * Parses a duration as described in the class comment.
   *
   * @throws InvalidConfigException naming {@code field}
   */
  public static Duration parseDuration(String field, Object value) {
    if (value instanceof Number n) {
      if (n.doubleValue() < 0 || n.doubleValue() != Math.floor(n.doubleValue())) {
        throw new InvalidConfigException(field, "must be whole milliseconds >= 0, was " + value);
      }
      return Duration.ofMillis(n.longValue());
    }
    String s = value.toString().trim().toLowerCase(Locale.ROOT);
    Matcher m = SHORT_DURATION.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    if (s.matches("\\d{1,15}")) {
      return Duration.ofMillis(Long.parseLong(s));
    }
    try {
      return Duration.parse(s.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new InvalidConfigException(
          field, "'" + value + "' is not a duration; write e.g. 250ms, 60s, 5m, 1h, 2d or PT1M");
    }
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static String text(Map<String, ?> row, String field, boolean required) {
    Object v = row.get(field);
    if (v == null) {
      if (required) {
        throw new InvalidConfigException(field, "is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new InvalidConfigException(field, "must be text, was " + v);
    }
    return s;
  }

  private static Duration duration(
      Map<String, ?> row, String where, String field, boolean required) {
    Object v = row.get(field);
    if (v == null) {
      if (required) {
        throw new InvalidConfigException(where + field, "is required");
      }
      return null;
    }
    return parseDuration(where + field, v);
  }

  private static <E extends Enum<E>> E enumValue(
      Class<E> type, String where, String field, String text) {
    try {
      return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(
          where + field,
          "'"
              + text
              + "' is not one of "
              + Arrays.stream(type.getEnumConstants()).map(CacheClassRows::lower).toList());
    }
  }

  private static double number(String where, String field, Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      double d = Double.parseDouble(v.toString().trim());
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(where + field, "must be a number, was '" + v + "'");
    }
  }

  private static boolean bool(String where, String field, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    return switch (v.toString().trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new InvalidConfigException(where + field, "must be true or false, was " + v);
    };
  }

  private static Set<String> tags(Object v) {
    Collection<?> items = v instanceof Collection<?> c ? c : Arrays.asList(v.toString().split(","));
    Set<String> tags = new LinkedHashSet<>();
    for (Object item : items) {
      if (item == null) {
        throw new InvalidConfigException("tags", "a tag may not be null");
      }
      String tag = item.toString().trim();

      if (!tag.isEmpty()) {
        tags.add(tag);
      }
    }
    return tags;
  }
}
