package io.tiercache.server;

import io.tiercache.InvalidConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One namespace of the gateway: a name in the URL ({@code /v1/cache/{namespace}/{key}}), the source
 * its values are read from, and whether anyone may read it without a credential (an edge origin).
 *
 * <p>Each namespace has a {@link io.tiercache.TieredCache} of its own, with its own L2 key prefix
 * and invalidation bus, so keys, tags and invalidations of two namespaces never meet. All
 * namespaces share the cache classes of the metadata table: a key resolves to a class by its own
 * text, whatever its namespace.
 *
 * @param name a lower-case letter, then up to 63 of {@code a-z 0-9 _ -}
 * @param publicRead whether {@code GET} of a value needs no credential (the namespace is an edge
 *     origin); writes and invalidations always need one
 * @param source where values are loaded from
 */
public record NamespaceConfig(String name, boolean publicRead, Source source) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

  public NamespaceConfig {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidConfigException(
          "name",
          "'" + name + "' is not a namespace name: a-z first, then up to 63 of a-z 0-9 _ -");
    }
    if (source == null) {
      throw new InvalidConfigException("source", "is required");
    }
  }

  /** Whether {@code name} is a well-formed namespace name. */
  public static boolean isName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Where a namespace's values come from. */
  public sealed interface Source permits SqlSource, HttpSource {}

  /**
   * Values read by SQL: a single-key query with one {@code ?} returning {@code (value, version[,
   * tags])} and a bulk query with the token {@code :keys} returning {@code (key, value, version[,
   * tags])} (see {@link io.tiercache.jdbc.SqlLoader}).
   *
   * @param singleKeySql the single-key query
   * @param bulkSql the bulk query
   * @param url the JDBC URL of another database; {@code null} to query the gateway's own database
   * @param user the user of {@code url}
   * @param password the password of {@code url}; never printed
   */
  /**
   * A JDBC source defined by SQL.
   *
   * @param writeTable a table with columns {@code k, v, version} that PUT and DELETE write through
   *     the key's class write policy; {@code null}: the namespace is read-only at the source (PUT
   *     only stores in the cache tiers, DELETE only invalidates)
   */
  public record SqlSource(
      String singleKeySql,
      String bulkSql,
      String url,
      String user,
      String password,
      String writeTable)
      implements Source {
    /** A read-only source. */
    public SqlSource(
        String singleKeySql, String bulkSql, String url, String user, String password) {
      this(singleKeySql, bulkSql, url, user, password, null);
    }

    public SqlSource {
      if (writeTable != null && !writeTable.matches("[A-Za-z_][A-Za-z0-9_.]{0,127}")) {
        throw new InvalidConfigException(
            "write_table", "'" + writeTable + "' is not a table name: letters, digits, _ and .");
      }
      if (singleKeySql == null || singleKeySql.isBlank()) {
        throw new InvalidConfigException("single_key_sql", "a SQL query is required");
      }
      if (bulkSql == null || bulkSql.isBlank()) {
        throw new InvalidConfigException("bulk_sql", "a SQL query is required");
      }
      if (url != null && !url.startsWith("jdbc:")) {
        throw new InvalidConfigException("url", "must be a JDBC URL starting with jdbc:");
      }
    }

    @Override
    public String toString() {
      return "SqlSource[singleKeySql="
          + singleKeySql
          + ", bulkSql="
          + bulkSql
          + ", url="
          + url
          + "]";
    }
  }

  /**
   * Values read from an HTTP origin: {@code GET} on a URL template where {@code {key}} is replaced
   * by the URL-encoded key. 200 is a value (the body), 404 and 410 mean the origin has none, any
   * other status is a failed load.
   *
   * @param urlTemplate an {@code http} or {@code https} URL holding {@code {key}} exactly once
   * @param timeout how long one request may take, 1 ms to 60 s
   * @param headers sent with every request (e.g. an API key of the origin)
   * @param versionHeader the response header holding the value's version (a whole number >= 0);
   *     without it, the {@code Last-Modified} time in milliseconds, else the time of the load
   * @param tagsHeader the response header holding the value's tags, separated by spaces or commas
   */
  public record HttpSource(
      String urlTemplate,
      Duration timeout,
      Map<String, String> headers,
      String versionHeader,
      String tagsHeader)
      implements Source {
    public static final String KEY_TOKEN = "{key}";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final String DEFAULT_VERSION_HEADER = "X-Version";
    public static final String DEFAULT_TAGS_HEADER = "X-Tags";
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");

    public HttpSource {
      if (urlTemplate == null) {
        throw new InvalidConfigException("url", "is required");
      }
      int first = urlTemplate.indexOf(KEY_TOKEN);
      if (first < 0 || urlTemplate.indexOf(KEY_TOKEN, first + 1) >= 0) {
        throw new InvalidConfigException(
            "url", "must hold {key} exactly once, where the key goes, was " + urlTemplate);
      }
      URI probe;
      try {
        probe = URI.create(urlTemplate.replace(KEY_TOKEN, "k"));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException("url", "'" + urlTemplate + "' is not a URL");
      }
      if (!"http".equals(probe.getScheme()) && !"https".equals(probe.getScheme())
          || probe.getHost() == null) {
        throw new InvalidConfigException(
            "url", "must be an http or https URL with a host, was " + urlTemplate);
      }
      timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
      if (timeout.compareTo(Duration.ofMillis(1)) < 0
          || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new InvalidConfigException("timeout", "must be 1ms to 60s, was " + timeout);
      }
      headers = Map.copyOf(Objects.requireNonNullElse(headers, Map.of()));
      for (String h : headers.keySet()) {
        if (!HEADER_NAME.matcher(h).matches()) {
          throw new InvalidConfigException("headers", "'" + h + "' is not a header name");
        }
      }
      versionHeader = header("version_header", versionHeader, DEFAULT_VERSION_HEADER);
      tagsHeader = header("tags_header", tagsHeader, DEFAULT_TAGS_HEADER);
    }

    private static String header(String field, String value, String fallback) {
      if (value == null) {
        return fallback;
      }
      if (!HEADER_NAME.matcher(value).matches()) {
        throw new InvalidConfigException(field, "'" + value + "' is not a header name");
      }
      return value;
    }

    /** Header values may hold secrets (API keys of the origin): not printed. */
    @Override
    public String toString() {
      return "HttpSource[url="
          + urlTemplate
          + ", timeout="
          + timeout
          + ", headers="
          + headers.keySet()
          + "]";
    }
  }
}
