package io.tiercache.jdbc;

import io.tiercache.CacheLoader;
import io.tiercache.InvalidConfigException;
import io.tiercache.Loaded;
import io.tiercache.TierCacheException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * A {@link CacheLoader} of text values defined by two SQL statements:
 *
 * <ul>
 *   <li>a single-key query with one {@code ?} (the key) returning the columns {@code (value,
 *       version[, tags])}, e.g. {@code SELECT v, version, tags FROM item WHERE k = ?};
 *   <li>a bulk query with the token {@code :keys} where the key list goes, returning {@code (key,
 *       value, version[, tags])}, e.g. {@code SELECT k, v, version, tags FROM item WHERE k IN
 *       (:keys)}. Bulk loads run it once per chunk of at most {@link Queries#chunkSize()} keys.
 * </ul>
 *
 * <p>Columns are read by position. Tags are comma-separated; a NULL value means the source has no
 * value for the key; a NULL version reads as 0. Thread-safe.
 */
public final class SqlLoader implements CacheLoader<String> {

  /**
   * The two statements of a loader, validated when constructed.
   *
   * @param singleKeySql a query with exactly one {@code ?}, returning {@code (value, version[,
   *     tags])}
   * @param bulkSql a query with the token {@code :keys} exactly once and no {@code ?}, returning
   *     {@code (key, value, version[, tags])}
   * @param chunkSize the most keys bound to one bulk statement, 1 to {@value #MAX_CHUNK_SIZE}
   */
  public record Queries(String singleKeySql, String bulkSql, int chunkSize) {
    public static final int DEFAULT_CHUNK_SIZE = 500;

    /** Well below PostgreSQL's 32,767 bind parameters per statement. */
    public static final int MAX_CHUNK_SIZE = 10_000;

    public Queries {
      requireText("singleKeySql", singleKeySql);
      requireText("bulkSql", bulkSql);
      int singles = SqlTemplate.scan(singleKeySql).placeholders().size();
      if (singles != 1) {
        throw new InvalidConfigException(
            "singleKeySql",
            "must hold exactly one ? (the key), found " + singles + " in: " + singleKeySql);
      }
      SqlTemplate.Scan bulk = SqlTemplate.scan(bulkSql);
      if (bulk.keysTokens().size() != 1) {
        throw new InvalidConfigException(
            "bulkSql",
            "must hold the token :keys exactly once, where the key list goes as in"
                + " 'WHERE k IN (:keys)', found "
                + bulk.keysTokens().size()
                + " in: "
                + bulkSql);
      }
      if (!bulk.placeholders().isEmpty()) {
        throw new InvalidConfigException(
            "bulkSql",
            "must hold no ? (the keys are bound through :keys), found one in: " + bulkSql);
      }
      if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
        throw new InvalidConfigException(
            "chunkSize", "must be 1 to " + MAX_CHUNK_SIZE + ", was " + chunkSize);
      }
    }

    /** Queries with the default chunk size. */
    public Queries(String singleKeySql, String bulkSql) {
      this(singleKeySql, bulkSql, DEFAULT_CHUNK_SIZE);
    }

    private static void requireText(String field, String sql) {
      if (sql == null || sql.isBlank()) {
        throw new InvalidConfigException(field, "a SQL query is required");
      }
    }
  }

  private final DataSource dataSource;
  private final Queries queries;
  private final String fullChunkSql;

  /** A loader running {@code queries} on connections of {@code dataSource}. */
  public SqlLoader(DataSource dataSource, Queries queries) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.queries = Objects.requireNonNull(queries, "queries");
    this.fullChunkSql = SqlTemplate.expandKeys(queries.bulkSql(), queries.chunkSize());
  }

  /**
   * A loader of {@code singleKeySql} and {@code bulkSql} with the default chunk size.
   *
   * @throws io.tiercache.InvalidConfigException naming the statement that is malformed
   */
  public static SqlLoader of(DataSource dataSource, String singleKeySql, String bulkSql) {
    return new SqlLoader(dataSource, new Queries(singleKeySql, bulkSql));
  }

  /** The statements this loader runs. */
  public Queries queries() {
    return queries;
  }

  /**
   * Runs the single-key query.
   *
   * @return the value, or null when the query returns no row or a NULL value
   * @throws SQLException when the query fails
   * @throws TierCacheException when it returns fewer than 2 columns or more than one row
   */
  @Override
  public Loaded<String> load(String key) throws SQLException {
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement(queries.singleKeySql())) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        int columns = requireColumns(rs, 2, "singleKeySql", "(value, version[, tags])");
        if (!rs.next()) {
          return null;
        }
        Loaded<String> loaded = read(rs, 1, columns);
        if (rs.next()) {
          throw new TierCacheException(
              "singleKeySql returned more than one row for key '" + key + "'");
        }
        return loaded;
      }
    }
  }

  /**
   * Runs the bulk query once per chunk of keys, on one connection. Rows for keys that were not
   * asked for are ignored.
   *
   * @return the values found; absent keys are absent from the map
   * @throws SQLException when a query fails
   * @throws TierCacheException when the query returns fewer than 3 columns
   */
  @Override
  public Map<String, Loaded<String>> loadAll(Set<String> keys) throws SQLException {
    Map<String, Loaded<String>> found = new HashMap<>();
    if (keys.isEmpty()) {
      return found;
    }
    List<String> all = new ArrayList<>(new LinkedHashSet<>(keys));
    try (Connection conn = dataSource.getConnection()) {
      for (int from = 0; from < all.size(); from += queries.chunkSize()) {
        List<String> chunk = all.subList(from, Math.min(all.size(), from + queries.chunkSize()));
        loadChunk(conn, chunk, keys, found);
      }
    }
    return found;
  }

  private void loadChunk(
      Connection conn, List<String> chunk, Set<String> asked, Map<String, Loaded<String>> found)
      throws SQLException {
    String sql =
        chunk.size() == queries.chunkSize()
            ? fullChunkSql
            : SqlTemplate.expandKeys(queries.bulkSql(), chunk.size());
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      for (int i = 0; i < chunk.size(); i++) {
        ps.setString(i + 1, chunk.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        int columns = requireColumns(rs, 3, "bulkSql", "(key, value, version[, tags])");
        while (rs.next()) {
          String key = rs.getString(1);
          Loaded<String> loaded = asked.contains(key) ? read(rs, 2, columns) : null;
          if (loaded != null) {
            found.put(key, loaded);
          }
        }
      }
    }
  }

  /** The value, version and tags starting at column {@code first}; null for a NULL value. */
  private static Loaded<String> read(ResultSet rs, int first, int columns) throws SQLException {
    String value = rs.getString(first);
    if (value == null) {
      return null;
    }
    long version = rs.getLong(first + 1);
    Set<String> tags = Set.of();
    if (columns > first + 1) {
      String text = rs.getString(first + 2);
      if (text != null && !text.isBlank()) {
        tags = new LinkedHashSet<>();
        for (String tag : text.split(",")) {
          if (!tag.isBlank()) {
            tags.add(tag.trim());
          }
        }
      }
    }
    return new Loaded<>(value, version, tags);
  }

  private static int requireColumns(ResultSet rs, int min, String field, String shape)
      throws SQLException {
    int count = rs.getMetaData().getColumnCount();
    if (count < min) {
      throw new TierCacheException(
          field + " must return the columns " + shape + ", returned " + count + " column(s)");
    }
    return count;
  }

  @Override
  public String toString() {
    return "SqlLoader" + Arrays.asList(queries.singleKeySql(), queries.bulkSql());
  }
}
