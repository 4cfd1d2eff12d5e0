package io.tiercache.server.internal;

import io.tiercache.TierCacheException;
import io.tiercache.jdbc.JdbcOptions;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Migrates the gateway's own tables ({@code invalidation_audit}, {@code gateway_node}, {@code
 * invalidation_ack}) into the schema the library's migrations made. Its own location and history
 * table keep the two migration sequences independent: the library's version numbers never clash
 * with the gateway's.
 */
public final class ServerSchema {
  public static final String MIGRATIONS = "classpath:db/tiercache-server";
  public static final String HISTORY_TABLE = "tiercache_server_history";

  private ServerSchema() {}

  /**
   * Applies the pending migrations.
   *
   * @throws TierCacheException when a migration fails
   */
  public static void migrate(JdbcOptions options) {
    try {
      Flyway.configure()
          .dataSource(options.url(), options.user(), options.password())
          .schemas(options.schema())
          .table(HISTORY_TABLE)
          .locations(MIGRATIONS)
          .failOnMissingLocations(true)
          // The schema already holds the library's tables: start our history from nothing.
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new TierCacheException(
          "migrating the gateway tables in schema " + options.schema() + " failed", e);
    }
  }
}
