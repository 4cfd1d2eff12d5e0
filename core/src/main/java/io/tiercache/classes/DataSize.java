package io.tiercache.classes;

import io.tiercache.InvalidConfigException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes, written in config as {@code 512}, {@code 64KB}, {@code 16MB} or {@code 1GB}
 * (binary multiples: 1KB = 1024 bytes).
 */
public record DataSize(long bytes) {
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,15})\\s*([KMG]?B?)");

  public static final DataSize ZERO = new DataSize(0);

  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
  }

  public static DataSize ofBytes(long bytes) {
    return new DataSize(bytes);
  }

  public static DataSize ofMegabytes(long megabytes) {
    return new DataSize(Math.multiplyExact(megabytes, 1024L * 1024));
  }

  /**
   * Parses {@code text}.
   *
   * @param field named in the error when the text is malformed
   * @throws InvalidConfigException when the text is not a size
   */
  public static DataSize parse(String field, String text) {
    Matcher m = FORMAT.matcher(text.trim().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidConfigException(
          field, "'" + text + "' is not a size; write bytes, or a number with KB, MB or GB");
    }
    long n = Long.parseLong(m.group(1));
    long unit =
        switch (m.group(2)) {
          case "K", "KB" -> 1024L;
          case "M", "MB" -> 1024L * 1024;
          case "G", "GB" -> 1024L * 1024 * 1024;
          default -> 1L;
        };
    try {
      return new DataSize(Math.multiplyExact(n, unit));
    } catch (ArithmeticException e) {
      throw new InvalidConfigException(field, "'" + text + "' is too large");
    }
  }

  @Override
  public String toString() {
    return bytes + "B";
  }
}
