package io.tiercache.jdbc;

import io.tiercache.InvalidConfigException;
import io.tiercache.TierCacheException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * Sample data in the {@code sample_item} table, for the embedded default, demos and tests: the same
 * rows for the same {@link Spec} on every database and every run.
 *
 * <ul>
 *   <li>{@code hot:0..} small values (~30 bytes), class {@code hot};
 *   <li>{@code product:0..} medium values (0.3 to 2 KB), class {@code default};
 *   <li>{@code session:0..} per-session state (~200 bytes), class {@code session};
 *   <li>{@code blob:<sha256>} 1 to 16 KB values whose UTF-8 bytes hash (SHA-256, lower-case hex) to
 *       the address in the key, class {@code blob}.
 * </ul>
 */
public final class SampleData {

  /**
   * How many keys of each kind to generate, and the seed of their values.
   *
   * @param hotKeys keys {@code hot:0} to {@code hot:<hotKeys-1>}, 0 to 1,000,000
   * @param products keys {@code product:0..}, 0 to 1,000,000
   * @param sessions keys {@code session:0..}, 0 to 1,000,000
   * @param blobs content-addressed {@code blob:} keys, 0 to 100,000
   * @param seed the seed of every generated value and version
   */
  public record Spec(int hotKeys, int products, int sessions, int blobs, long seed) {
    /** About 5,000 rows, 3 MB. */
    public static final Spec DEFAULT = new Spec(1000, 2000, 500, 100, 42);

    public Spec {
      requireCount("hotKeys", hotKeys, 1_000_000);
      requireCount("products", products, 1_000_000);
      requireCount("sessions", sessions, 1_000_000);
      requireCount("blobs", blobs, 100_000);
    }

    /** How many rows the spec generates. */
    public int rows() {
      return hotKeys + products + sessions + blobs;
    }

    private static void requireCount(String field, int count, int max) {
      if (count < 0 || count > max) {
        throw new InvalidConfigException(field, "must be 0 to " + max + ", was " + count);
      }
    }
  }

  /** The single-key query of {@link #loader}. */
  public static final String SINGLE_KEY_SQL =
      "SELECT v, version, tags FROM sample_item WHERE k = ?";

  /** The bulk query of {@link #loader}. */
  public static final String BULK_SQL =
      "SELECT k, v, version, tags FROM sample_item WHERE k IN (:keys)";

  private static final String INSERT =
      "INSERT INTO sample_item (k, v, version, tags) VALUES (?, ?, ?, ?)";
  private static final int BATCH_SIZE = 500;
  private static final String UNIQUE_VIOLATION = "23505";

  private SampleData() {}

  /**
   * Fills {@code sample_item} with the rows of {@code spec}, in one transaction, unless it already
   * holds rows (whatever spec made them): safe to call at every start.
   *
   * @return how many rows were inserted; 0 when the table was already filled, also when a
   *     concurrent fill from another node won
   * @throws TierCacheException when the table cannot be written
   */
  public static int fill(DataSource dataSource, Spec spec) {
    try (Connection conn = dataSource.getConnection()) {
      if (hasRows(conn)) {
        return 0;
      }
      conn.setAutoCommit(false);
      try {
        int inserted = insert(conn, SampleItems.generate(spec));
        conn.commit();
        return inserted;
      } catch (SQLException e) {
        conn.rollback();
        if (isUniqueViolation(e)) {
          return 0;
        }
        throw e;
      } finally {
        conn.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new TierCacheException("filling table sample_item failed", e);
    }
  }

  /** Every key {@code spec} generates, in generation order: for warmers and load generators. */
  public static List<String> keys(Spec spec) {
    return SampleItems.generate(spec).stream().map(SampleItems.Item::key).toList();
  }

  /** A loader of {@code sample_item} ({@link #SINGLE_KEY_SQL} and {@link #BULK_SQL}). */
  public static SqlLoader loader(DataSource dataSource) {
    return new SqlLoader(dataSource, new SqlLoader.Queries(SINGLE_KEY_SQL, BULK_SQL));
  }

  /**
   * A writer of {@code sample_item}: version-guarded upserts of {@code v} and {@code version}
   * ({@link SqlWriter.Statements#forTable}); tags are left as they are.
   */
  public static SqlWriter writer(DataSource dataSource) {
    return new SqlWriter(dataSource, SqlWriter.Statements.forTable("sample_item"));
  }

  private static boolean hasRows(Connection conn) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT 1 FROM sample_item FETCH FIRST 1 ROWS ONLY")) {
      return rs.next();
    }
  }

  private static int insert(Connection conn, List<SampleItems.Item> items) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(INSERT)) {
      int pending = 0;
      for (SampleItems.Item item : items) {
        ps.setString(1, item.key());
        ps.setString(2, item.value());
        ps.setLong(3, item.version());
        ps.setString(4, item.tags());
        ps.addBatch();
        if (++pending == BATCH_SIZE) {
          ps.executeBatch();
          pending = 0;
        }
      }
      ps.executeBatch();
    }
    return items.size();
  }

  // Drivers report a failed batch as a BatchUpdateException whose own state may be generic; the
  // violation's state is on a chained exception.
  private static boolean isUniqueViolation(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (UNIQUE_VIOLATION.equals(x.getSQLState())
          || (x.getCause() instanceof SQLException c && UNIQUE_VIOLATION.equals(c.getSQLState()))) {
        return true;
      }
    }
    return false;
  }
}
