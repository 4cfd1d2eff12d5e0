package io.tiercache.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh database for one test class: a new schema in the PostgreSQL on 127.0.0.1:5432 (database
 * {@code test}, trust authentication), dropped by {@link #close()}, or a new in-memory H2 database,
 * shut down by it.
 */
record TestDatabase(String url, String user, String password, String schema)
    implements AutoCloseable {

  static TestDatabase postgres() {
    return new TestDatabase("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "", freshName());
  }

  static TestDatabase h2() {
    String name = freshName();
    return new TestDatabase("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "", name);
  }

  private static String freshName() {
    return "tc_srv_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  /** The {@code database:} section of a gateway's YAML. */
  String yaml(boolean sampleData) {
    return "database:\n"
        + "  url: \""
        + url
        + "\"\n  user: "
        + user
        + "\n  password: \""
        + password
        + "\"\n  schema: "
        + schema
        + "\n  sample_data: "
        + sampleData
        + "\n";
  }

  /** Runs {@code sql} in the schema, on a connection of its own. */
  int update(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement st = c.createStatement()) {
      c.setSchema(schema);
      return st.executeUpdate(sql);
    }
  }

  /** Runs a query returning one number. */
  long count(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement st = c.createStatement()) {
      c.setSchema(schema);
      var rs = st.executeQuery(sql);
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() throws SQLException {
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement st = c.createStatement()) {
      st.execute(url.startsWith("jdbc:h2:") ? "SHUTDOWN" : "DROP SCHEMA " + schema + " CASCADE");
    }
  }
}
