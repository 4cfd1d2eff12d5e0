package io.tiercache.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tiercache.TierCacheException;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The source database: a small HikariCP pool over a schema that holds tiercache's tables, migrated
 * to the newest version when opened. The entry point of this module.
 *
 * <pre>{@code
 * try (JdbcSource source = JdbcSource.open(JdbcOptions.of(url, user, password))) {
 *   CacheClassStore store = source.cacheClassStore();
 *   store.seed(CacheClasses.defaults().all());
 *   SampleData.fill(source.dataSource(), SampleData.Spec.DEFAULT);
 *   TieredCache<String> cache = TieredCache.builder(ValueCodec.utf8())
 *       .loader(SampleData.loader(source.dataSource()))
 *       .classes(store.load())
 *       .build();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing it closes the pool.
 */
public final class JdbcSource implements AutoCloseable {
  /** Where the migrations live; the same files run on PostgreSQL and H2. */
  public static final String MIGRATIONS = "classpath:db/tiercache";

  /**
   * Migrations for PostgreSQL alone (the {@code tiercache_notify()} trigger function of {@link
   * PostgresChangeListener}), applied after {@link #MIGRATIONS} when the URL is PostgreSQL's.
   */
  public static final String POSTGRES_MIGRATIONS = "classpath:db/tiercache-postgresql";

  private final JdbcOptions options;
  private final HikariDataSource dataSource;

  private JdbcSource(JdbcOptions options, HikariDataSource dataSource) {
    this.options = options;
    this.dataSource = dataSource;
  }

  /**
   * Creates the schema if missing, applies the pending migrations, then opens the pool.
   *
   * @throws TierCacheException when the database cannot be reached or a migration fails; the
   *     message names the URL and schema, never the password
   */
  public static JdbcSource open(JdbcOptions options) {
    Objects.requireNonNull(options, "options");
    migrate(options);
    try {
      return new JdbcSource(options, new HikariDataSource(poolConfig(options)));
    } catch (RuntimeException e) {
      throw new TierCacheException(
          "cannot open a pool to " + options.url() + " (schema " + options.schema() + ")", e);
    }
  }

  // Flyway runs on a connection of its own, before the pool exists: the pool makes the schema
  // current on every connection, and H2 refuses to make a schema current before it is created.
  private static void migrate(JdbcOptions options) {
    try {
      Flyway.configure()
          .dataSource(options.url(), options.user(), options.password())
          .schemas(options.schema())
          .createSchemas(true)
          .locations(locations(options))
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new TierCacheException(
          "migrating schema " + options.schema() + " of " + options.url() + " failed", e);
    }
  }

  private static String[] locations(JdbcOptions options) {
    return options.url().startsWith("jdbc:postgresql:")
        ? new String[] {MIGRATIONS, POSTGRES_MIGRATIONS}
        : new String[] {MIGRATIONS};
  }

  private static HikariConfig poolConfig(JdbcOptions options) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("tiercache-" + options.schema());
    config.setJdbcUrl(options.url());
    config.setUsername(options.user());
    config.setPassword(options.password());
    config.setSchema(options.schema());
    config.setMaximumPoolSize(options.maxPoolSize());
    config.setMinimumIdle(1);
    config.setConnectionTimeout(options.connectionTimeout().toMillis());
    return config;
  }

  /** The pooled data source; its connections have {@link JdbcOptions#schema()} as schema. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** The options this source was opened with. */
  public JdbcOptions options() {
    return options;
  }

  /** The cache classes in this source's {@code cache_class} table. */
  public CacheClassStore cacheClassStore() {
    return new CacheClassStore(dataSource);
  }

  /** Closes the pool; connections in use are closed when returned. */
  @Override
  public void close() {
    dataSource.close();
  }
}
