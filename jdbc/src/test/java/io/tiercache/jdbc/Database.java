package io.tiercache.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The databases every integration test runs on: the PostgreSQL on 127.0.0.1:5432 (database {@code
 * test}, trust authentication) and an in-memory H2. {@link #open()} gives a fresh schema that
 * {@link Opened#close()} drops, so runs never see each other's rows.
 */
enum Database {
  POSTGRES {
    @Override
    JdbcOptions options(String schema) {
      return JdbcOptions.of("jdbc:postgresql://127.0.0.1:5432/test", "postgres", null)
          .withSchema(schema);
    }

    @Override
    void drop(JdbcOptions options) throws SQLException {
      execute(options, "DROP SCHEMA " + options.schema() + " CASCADE");
    }
  },
  H2 {
    @Override
    JdbcOptions options(String schema) {
      return JdbcOptions.of("jdbc:h2:mem:" + schema + ";DB_CLOSE_DELAY=-1", "sa", "")
          .withSchema(schema);
    }

    @Override
    void drop(JdbcOptions options) throws SQLException {
      // The whole in-memory database is this run's: shutting it down frees it.
      execute(options, "SHUTDOWN");
    }
  };

  abstract JdbcOptions options(String schema);

  abstract void drop(JdbcOptions options) throws SQLException;

  /** Migrates a fresh schema and opens a source on it. */
  Opened open() {
    JdbcOptions options = options("tc_it_" + UUID.randomUUID().toString().replace("-", ""));
    return new Opened(this, JdbcSource.open(options));
  }

  /** Runs {@code sql} on a connection of its own, outside the pool. */
  static void execute(JdbcOptions options, String sql) throws SQLException {
    try (Connection conn =
            DriverManager.getConnection(options.url(), options.user(), options.password());
        Statement st = conn.createStatement()) {
      st.execute(sql);
    }
  }

  /** A source on a fresh schema; closing it closes the pool and drops the schema. */
  record Opened(Database database, JdbcSource source) implements AutoCloseable {
    /** Runs {@code sql} on a pooled connection (current schema: the fresh one). */
    int update(String sql) throws SQLException {
      try (Connection conn = source.dataSource().getConnection();
          Statement st = conn.createStatement()) {
        return st.executeUpdate(sql);
      }
    }

    @Override
    public void close() throws SQLException {
      source.close();
      database.drop(source.options());
    }
  }
}
