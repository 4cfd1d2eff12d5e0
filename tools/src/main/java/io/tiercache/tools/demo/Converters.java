package io.tiercache.tools.demo;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Command-line values as people type them. */
final class Converters {
  private Converters() {}

  /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, or ISO-8601 such as {@code PT10S}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      Matcher m = SHORT.matcher(v);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      }
      try {
        return Duration.parse(value.trim());
      } catch (RuntimeException e) {
        throw new TypeConversionException(
            "'" + value + "' is not a duration; write e.g. 500ms, 10s, 2m or 1h");
      }
    }
  }

  /** {@code redis://host:port}, with the other forms Lettuce's {@link RedisURI#create} takes. */
  static final class RedisUriConverter implements ITypeConverter<RedisURI> {
    @Override
    public RedisURI convert(String value) {
      if (!value.startsWith("redis://") && !value.startsWith("rediss://")) {
        throw new TypeConversionException(
            "'" + value + "' is not a Redis URI; write e.g. redis://127.0.0.1:6379");
      }
      try {
        return RedisURI.create(value);
      } catch (RuntimeException e) {
        throw new TypeConversionException("'" + value + "' is not a Redis URI: " + e.getMessage());
      }
    }
  }
}
