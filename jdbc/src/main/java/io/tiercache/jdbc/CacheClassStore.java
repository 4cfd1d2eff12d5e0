package io.tiercache.jdbc;

import io.tiercache.InvalidConfigException;
import io.tiercache.TierCacheException;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The cache classes in the {@code cache_class} table of the source database (DESIGN.md, "Cache
 * classes"). Every change bumps one revision counter, so a node notices changes by polling {@link
 * #revision()} and reloads with {@link #load()} only when it moved.
 *
 * <p>Changes made through this store are serialized by the counter's row lock: each takes the next
 * revision, and revisions commit in order. Rows edited by hand in SQL are validated when loaded,
 * but do not bump the revision.
 *
 * <p>Thread-safe. Every method takes a connection from the pool and returns it.
 */
public final class CacheClassStore {
  /** SQLSTATE of a unique or primary key violation, the same on PostgreSQL and H2. */
  private static final String UNIQUE_VIOLATION = "23505";

  private final DataSource dataSource;

  /**
   * A store over {@code dataSource}, whose connections must have the migrated schema as current
   * schema (as {@link JdbcSource#dataSource()}'s have).
   */
  public CacheClassStore(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Every class in the table, each validated as if read from the seed file. To poll for changes,
   * read {@link #revision()} first and then load: a change in between is then seen again at the
   * next poll rather than missed.
   *
   * @throws InvalidConfigException when a row is invalid, naming the class, the column and the
   *     stored value; or when two rows' patterns are the same pattern
   * @throws TierCacheException when the table cannot be read
   */
  public CacheClasses load() {
    List<CacheClass> classes = new ArrayList<>();
    try (Connection conn = dataSource.getConnection();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(CacheClassTable.SELECT_ALL)) {
      while (rs.next()) {
        classes.add(CacheClassTable.read(rs));
      }
    } catch (SQLException e) {
      throw new TierCacheException("reading table cache_class failed", e);
    }
    return CacheClasses.of(classes);
  }

  /**
   * Inserts {@code c}, or replaces the class of the same name.
   *
   * @return the revision of this change
   * @throws InvalidConfigException when another class already has {@code c}'s key pattern; nothing
   *     changes then
   * @throws TierCacheException when the table cannot be written
   */
  public long upsert(CacheClass c) {
    Objects.requireNonNull(c, "c");
    return inTransaction(
        "upserting class '" + c.name() + "'",
        conn -> {
          long revision = nextRevision(conn);
          try {
            if (!CacheClassTable.update(conn, c, revision)) {
              CacheClassTable.insert(conn, c, revision);
            }
          } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
              throw patternTaken(c);
            }
            throw e;
          }
          return revision;
        });
  }

  /**
   * Deletes the class named {@code name}. Keys it held fall to the next most specific class on each
   * node's next reload.
   *
   * @return whether there was such a class (the revision is bumped only then)
   * @throws TierCacheException when the table cannot be written
   */
  public boolean delete(String name) {
    Objects.requireNonNull(name, "name");
    return inTransaction(
        "deleting class '" + name + "'",
        conn -> {
          nextRevision(conn);
          try (PreparedStatement ps = conn.prepareStatement(CacheClassTable.DELETE)) {
            ps.setString(1, name);
            if (ps.executeUpdate() == 0) {
              conn.rollback();
              return false;
            }
            return true;
          }
        });
  }

  /**
   * Inserts the classes whose name and key pattern are both absent from the table, in one change;
   * classes already there, perhaps changed since through the API, are left as they are. Safe to
   * call from every node at start-up: concurrent seeds are serialized and insert each class once.
   *
   * @return how many classes were inserted
   * @throws TierCacheException when the table cannot be written
   */
  public int seed(Collection<CacheClass> classes) {
    List<CacheClass> seed = List.copyOf(classes);
    return inTransaction(
        "seeding table cache_class",
        conn -> {
          // The lock first: a concurrent seed then waits here and sees this one's rows below.
          long revision = nextRevision(conn);
          Set<String> taken = namesAndPatterns(conn);
          int inserted = 0;
          for (CacheClass c : seed) {
            String name = "class:" + c.name();
            String pattern = "pattern:" + c.keyPattern().text();
            if (!taken.contains(name) && !taken.contains(pattern)) {
              CacheClassTable.insert(conn, c, revision);
              taken.add(name);
              taken.add(pattern);
              inserted++;
            }
          }
          if (inserted == 0) {
            conn.rollback();
          }
          return inserted;
        });
  }

  /**
   * The revision of the latest change through this store (0 before any): it grows with every
   * upsert, delete and seed that changed something.
   *
   * @throws TierCacheException when the table cannot be read
   */
  public long revision() {
    try (Connection conn = dataSource.getConnection();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(CacheClassTable.SELECT_REVISION)) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new TierCacheException("reading table cache_class_revision failed", e);
    }
  }

  private static long nextRevision(Connection conn) throws SQLException {
    try (Statement st = conn.createStatement()) {
      if (st.executeUpdate(CacheClassTable.BUMP_REVISION) != 1) {
        throw new SQLException("table cache_class_revision has lost its row; migrate again");
      }
      try (ResultSet rs = st.executeQuery(CacheClassTable.SELECT_REVISION)) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static Set<String> namesAndPatterns(Connection conn) throws SQLException {
    Set<String> taken = new HashSet<>();
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(CacheClassTable.SELECT_NAMES_AND_PATTERNS)) {
      while (rs.next()) {
        taken.add("class:" + rs.getString(1));
        taken.add("pattern:" + rs.getString(2));
      }
    }
    return taken;
  }

  private static InvalidConfigException patternTaken(CacheClass c) {
    return new InvalidConfigException(
        "class '" + c.name() + "': key_pattern",
        "'" + c.keyPattern().text() + "' is already the pattern of another class");
  }

  /** Work done in one transaction; SQL failures roll it back. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Connection conn) throws SQLException;
  }

  private <T> T inTransaction(String what, Work<T> work) {
    try (Connection conn = dataSource.getConnection()) {
      boolean autoCommit = conn.getAutoCommit();
      conn.setAutoCommit(false);
      try {
        T result = work.run(conn);
        conn.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        throw e;
      } finally {
        conn.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new TierCacheException(what + " failed", e);
    }
  }
}
