package io.tiercache.jdbc;

import io.tiercache.CacheWriter;
import io.tiercache.InvalidConfigException;
import io.tiercache.TierCacheException;
import io.tiercache.VersionedValue;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * A {@link CacheWriter} of text values defined by four SQL statements with the named parameters
 * {@code :key}, {@code :value} and {@code :version}. Every change is an upsert that takes effect
 * only over an older version, written in portable SQL that runs unchanged on PostgreSQL and H2 (an
 * UPDATE guarded by the version, then an INSERT of a row that does not exist), so applying a batch
 * twice, or an old batch after a newer write, changes nothing.
 *
 * <p>Versions are stamps: the clock in microseconds, strictly increasing per writer. A write that
 * finds a newer stamp stored (another node's clock runs ahead) moves its stamps past it and tries
 * again, so a write-through always lands and returns a version larger than any before it.
 *
 * <p>Thread-safe.
 */
public final class SqlWriter implements CacheWriter<String> {
  private static final List<String> NAMES = List.of("key", "value", "version");
  private static final int MAX_ATTEMPTS = 8;
  private static final String UNIQUE_VIOLATION = "23505";

  /**
   * The statements of a writer, validated when constructed.
   *
   * @param updateSql sets value and version where the stored version is older, e.g. {@code UPDATE
   *     item SET v = :value, version = :version WHERE k = :key AND version < :version}
   * @param insertSql inserts a row only where the key has none, e.g. {@code INSERT INTO item (k, v,
   *     version) SELECT :key, :value, :version WHERE NOT EXISTS (SELECT 1 FROM item WHERE k =
   *     :key)}
   * @param deleteSql removes the row where the stored version is older, e.g. {@code DELETE FROM
   *     item WHERE k = :key AND version < :version}
   * @param versionSql the stored version of a key, e.g. {@code SELECT version FROM item WHERE k =
   *     :key}
   */
  public record Statements(
      String updateSql, String insertSql, String deleteSql, String versionSql) {
    public Statements {
      require("updateSql", updateSql, "key", "value", "version");
      require("insertSql", insertSql, "key", "value", "version");
      require("deleteSql", deleteSql, "key", "version");
      require("versionSql", versionSql, "key");
    }

    private static void require(String field, String sql, String... names) {
      if (sql == null || sql.isBlank()) {
        throw new InvalidConfigException(field, "a SQL statement is required");
      }
      SqlTemplate.Named n = SqlTemplate.named(sql, NAMES);
      for (String name : names) {
        if (!n.parameters().contains(name)) {
          throw new InvalidConfigException(field, "must use :" + name + ", in: " + sql);
        }
      }
      if (!SqlTemplate.scan(sql).placeholders().isEmpty()) {
        throw new InvalidConfigException(field, "must use named parameters, not ?, in: " + sql);
      }
    }

    /** The statements of a table with the columns {@code (k, v, version)}. */
    public static Statements forTable(String table) {
      return new Statements(
          "UPDATE "
              + table
              + " SET v = :value, version = :version"
              + " WHERE k = :key AND version < :version",
          "INSERT INTO "
              + table
              + " (k, v, version) SELECT :key, :value, :version"
              + " WHERE NOT EXISTS (SELECT 1 FROM "
              + table
              + " WHERE k = :key)",
          "DELETE FROM " + table + " WHERE k = :key AND version < :version",
          "SELECT version FROM " + table + " WHERE k = :key");
    }
  }

  private final DataSource dataSource;
  private final Statements statements;
  private final SqlTemplate.Named update;
  private final SqlTemplate.Named insert;
  private final SqlTemplate.Named delete;
  private final SqlTemplate.Named version;
  private final Clock clock;
  private final AtomicLong lastStamp = new AtomicLong();

  /** A writer running {@code statements} on connections of {@code dataSource}. */
  public SqlWriter(DataSource dataSource, Statements statements) {
    this(dataSource, statements, Clock.systemUTC());
  }

  /** A writer whose version stamps come from {@code clock}. */
  public SqlWriter(DataSource dataSource, Statements statements, Clock clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.statements = Objects.requireNonNull(statements, "statements");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.update = SqlTemplate.named(statements.updateSql(), NAMES);
    this.insert = SqlTemplate.named(statements.insertSql(), NAMES);
    this.delete = SqlTemplate.named(statements.deleteSql(), NAMES);
    this.version = SqlTemplate.named(statements.versionSql(), NAMES);
  }

  /** The statements this writer runs. */
  public Statements statements() {
    return statements;
  }

  private long nextStamp() {
    long now = clock.millis() * 1000;
    return lastStamp.accumulateAndGet(now, (last, n) -> Math.max(last + 1, n));
  }

  /**
   * Writes one value: the guarded UPDATE, and when it changed no row the INSERT; one statement when
   * the row exists, as a plain UPDATE would be.
   *
   * @return the version now stored
   * @throws SQLException when a statement fails
   */
  @Override
  public long write(String key, String value) throws SQLException {
    try (Connection conn = dataSource.getConnection()) {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        long v = nextStamp();
        if (run(conn, update, key, value, v) > 0 || run(conn, insert, key, value, v) > 0) {
          return v;
        }
        // A newer version is stored: move past it and write again.
        long stored = storedVersion(conn, key);
        lastStamp.accumulateAndGet(stored, Math::max);
      }
    }
    throw new TierCacheException(
        "writing '" + key + "': the stored version kept moving ahead; gave up");
  }

  /**
   * The INSERT alone: inserts only where the key has no row. Two inserts of one new key at once can
   * both find no row; the table's unique key then refuses the second (SQLSTATE 23505, on PostgreSQL
   * and H2), which counts as "the key has a value".
   *
   * @return the version written, or empty when the key already had a row
   * @throws SQLException when the statement fails otherwise
   */
  @Override
  public OptionalLong writeIfAbsent(String key, String value) throws SQLException {
    try (Connection conn = dataSource.getConnection()) {
      long v = nextStamp();
      return run(conn, insert, key, value, v) > 0 ? OptionalLong.of(v) : OptionalLong.empty();
    } catch (SQLException e) {
      if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
        return OptionalLong.empty();
      }
      throw e;
    }
  }

  /** Deletes the row of {@code key}, whatever its version. */
  @Override
  public void delete(String key) throws SQLException {
    try (Connection conn = dataSource.getConnection()) {
      run(conn, delete, key, null, Long.MAX_VALUE);
    }
  }

  /**
   * Applies a write-back batch in one transaction: guarded UPDATEs as one JDBC batch, INSERTs for
   * the keys they did not find, guarded DELETEs. Writes older than what is stored change nothing.
   *
   * @throws SQLException when the batch fails; it is rolled back, and the caller retries it whole
   */
  @Override
  public void writeAll(Map<String, VersionedValue<String>> batch) throws SQLException {
    if (batch.isEmpty()) {
      return;
    }
    try (Connection conn = dataSource.getConnection()) {
      boolean auto = conn.getAutoCommit();
      conn.setAutoCommit(false);
      try {
        List<Map.Entry<String, VersionedValue<String>>> puts = new ArrayList<>();
        List<Map.Entry<String, VersionedValue<String>>> deletes = new ArrayList<>();
        batch.entrySet().forEach(e -> (e.getValue().isDelete() ? deletes : puts).add(e));
        int[] updated = runBatch(conn, update, puts);
        List<Map.Entry<String, VersionedValue<String>>> missing = new ArrayList<>();
        for (int i = 0; i < puts.size(); i++) {
          if (updated[i] == 0) {
            missing.add(puts.get(i));
          }
        }
        runBatch(conn, insert, missing);
        runBatch(conn, delete, deletes);
        conn.commit();
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        throw e;
      } finally {
        conn.setAutoCommit(auto);
      }
    }
  }

  private long storedVersion(Connection conn, String key) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(version.sql())) {
      bind(ps, version, key, null, 0);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private static int run(Connection conn, SqlTemplate.Named st, String key, String value, long v)
      throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(st.sql())) {
      bind(ps, st, key, value, v);
      return ps.executeUpdate();
    }
  }

  private static int[] runBatch(
      Connection conn, SqlTemplate.Named st, List<Map.Entry<String, VersionedValue<String>>> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return new int[0];
    }
    try (PreparedStatement ps = conn.prepareStatement(st.sql())) {
      for (Map.Entry<String, VersionedValue<String>> row : rows) {
        bind(ps, st, row.getKey(), row.getValue().value(), row.getValue().version());
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] == java.sql.Statement.SUCCESS_NO_INFO) {
          throw new SQLException("the driver did not report row counts; SqlWriter needs them");
        }
      }
      return counts;
    }
  }

  private static void bind(
      PreparedStatement ps, SqlTemplate.Named st, String key, String value, long v)
      throws SQLException {
    List<String> params = st.parameters();
    for (int i = 0; i < params.size(); i++) {
      switch (params.get(i)) {
        case "key" -> ps.setString(i + 1, key);
        case "value" -> ps.setString(i + 1, value);
        default -> ps.setLong(i + 1, v);
      }
    }
  }

  @Override
  public String toString() {
    return "SqlWriter[" + statements.updateSql() + "]";
  }
}
