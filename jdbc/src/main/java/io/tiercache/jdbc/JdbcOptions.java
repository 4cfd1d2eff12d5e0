package io.tiercache.jdbc;

import io.tiercache.InvalidConfigException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where the source database is and how to connect to it. Immutable; start from {@link #of}.
 *
 * @param url the JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/test} or {@code
 *     jdbc:h2:mem:demo;DB_CLOSE_DELAY=-1} (an in-memory H2 database needs {@code
 *     DB_CLOSE_DELAY=-1}: the migration runs on its own connection before the pool opens)
 * @param user the database user; may be null when the URL or the driver supplies it
 * @param password the password; may be null (trust authentication). Never printed.
 * @param schema the schema that holds tiercache's tables; created if missing and made the current
 *     schema of every pooled connection, so SQL given to {@link SqlLoader} needs no qualification
 * @param maxPoolSize the most connections the pool opens, 1 to 200
 * @param connectionTimeout how long a caller waits for a pooled connection, 250 ms to 10 minutes
 */
public record JdbcOptions(
    String url,
    String user,
    String password,
    String schema,
    int maxPoolSize,
    Duration connectionTimeout) {

  public static final String DEFAULT_SCHEMA = "tiercache";

  /** Small: loads are single-flighted per key, so few connections are busy at once. */
  public static final int DEFAULT_MAX_POOL_SIZE = 4;

  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

  // Lower case only: PostgreSQL folds unquoted names to lower case and H2 to upper case, so a
  // lower-case name is the one that means the same thing quoted or not in psql.
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Duration MIN_TIMEOUT = Duration.ofMillis(250);
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  public JdbcOptions {
    if (url == null || !url.startsWith("jdbc:")) {
      throw new InvalidConfigException("url", "must be a JDBC URL starting with jdbc:, was " + url);
    }
    if (schema == null || !SCHEMA.matcher(schema).matches()) {
      throw new InvalidConfigException(
          "schema",
          "'" + schema + "' is not a schema name: a-z or _ first, then up to 62 of a-z 0-9 _");
    }
    if (maxPoolSize < 1 || maxPoolSize > 200) {
      throw new InvalidConfigException("maxPoolSize", "must be 1 to 200, was " + maxPoolSize);
    }
    if (connectionTimeout == null
        || connectionTimeout.compareTo(MIN_TIMEOUT) < 0
        || connectionTimeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new InvalidConfigException(
          "connectionTimeout",
          "must be " + MIN_TIMEOUT + " to " + MAX_TIMEOUT + ", was " + connectionTimeout);
    }
  }

  /** Options for {@code url} with the default schema, pool size and timeout. */
  public static JdbcOptions of(String url, String user, String password) {
    return new JdbcOptions(
        url, user, password, DEFAULT_SCHEMA, DEFAULT_MAX_POOL_SIZE, DEFAULT_CONNECTION_TIMEOUT);
  }

  /** A copy with another URL (the same database through another route, say). */
  public JdbcOptions withUrl(String url) {
    return new JdbcOptions(url, user, password, schema, maxPoolSize, connectionTimeout);
  }

  /** A copy with another schema. */
  public JdbcOptions withSchema(String schema) {
    return new JdbcOptions(url, user, password, schema, maxPoolSize, connectionTimeout);
  }

  /** A copy with another pool size. */
  public JdbcOptions withMaxPoolSize(int maxPoolSize) {
    return new JdbcOptions(url, user, password, schema, maxPoolSize, connectionTimeout);
  }

  /** A copy with another connection timeout. */
  public JdbcOptions withConnectionTimeout(Duration connectionTimeout) {
    return new JdbcOptions(url, user, password, schema, maxPoolSize, connectionTimeout);
  }

  /** Every field but the password, which must not reach logs. */
  @Override
  public String toString() {
    return "JdbcOptions[url="
        + url
        + ", user="
        + user
        + ", password="
        + (password == null ? "null" : "***")
        + ", schema="
        + schema
        + ", maxPoolSize="
        + maxPoolSize
        + ", connectionTimeout="
        + connectionTimeout
        + "]";
  }
}
