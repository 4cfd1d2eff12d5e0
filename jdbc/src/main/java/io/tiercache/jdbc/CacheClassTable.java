package io.tiercache.jdbc;

import io.tiercache.InvalidConfigException;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClassRows;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The SQL of the {@code cache_class} table and the mapping between its rows and {@link
 * CacheClassRows}' maps. Every statement names its columns, so the extra ones ({@code revision},
 * {@code updated_at}) never reach {@link CacheClassRows#fromRow}, which refuses unknown columns.
 */
final class CacheClassTable {
  /** The columns in table order: the order of {@link CacheClassRows#COLUMNS}. */
  static final List<String> COLUMNS = CacheClassRows.COLUMNS;

  static final String SELECT_ALL =
      "SELECT " + String.join(", ", COLUMNS) + " FROM cache_class ORDER BY class";

  static final String SELECT_NAMES_AND_PATTERNS = "SELECT class, key_pattern FROM cache_class";

  static final String INSERT =
      "INSERT INTO cache_class ("
          + String.join(", ", COLUMNS)
          + ", revision, updated_at) VALUES ("
          + "?, ".repeat(COLUMNS.size())
          + "?, CURRENT_TIMESTAMP)";

  /** Binds every column but {@code class}, then the revision, then {@code class}. */
  static final String UPDATE =
      "UPDATE cache_class SET "
          + COLUMNS.stream().skip(1).map(c -> c + " = ?").collect(Collectors.joining(", "))
          + ", revision = ?, updated_at = CURRENT_TIMESTAMP WHERE class = ?";

  static final String DELETE = "DELETE FROM cache_class WHERE class = ?";

  static final String BUMP_REVISION =
      "UPDATE cache_class_revision SET revision = revision + 1 WHERE id = 1";

  static final String SELECT_REVISION = "SELECT revision FROM cache_class_revision WHERE id = 1";

  private CacheClassTable() {}

  /** Inserts {@code c} with {@code revision}. */
  static void insert(Connection conn, CacheClass c, long revision) throws SQLException {
    Map<String, Object> row = CacheClassRows.toRow(c);
    try (PreparedStatement ps = conn.prepareStatement(INSERT)) {
      int i = 1;
      for (String column : COLUMNS) {
        ps.setObject(i++, row.get(column));
      }
      ps.setLong(i, revision);
      ps.executeUpdate();
    }
  }

  /** Updates the row of {@code c}; false when there is none. */
  static boolean update(Connection conn, CacheClass c, long revision) throws SQLException {
    Map<String, Object> row = CacheClassRows.toRow(c);
    try (PreparedStatement ps = conn.prepareStatement(UPDATE)) {
      int i = 1;
      for (String column : COLUMNS.subList(1, COLUMNS.size())) {
        ps.setObject(i++, row.get(column));
      }
      ps.setLong(i++, revision);
      ps.setString(i, c.name());
      return ps.executeUpdate() > 0;
    }
  }

  /**
   * The class of the current row of {@code rs} (selected by {@link #SELECT_ALL}).
   *
   * @throws InvalidConfigException naming the class, the column and the stored value
   */
  static CacheClass read(ResultSet rs) throws SQLException {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < COLUMNS.size(); i++) {
      Object value = normalize(rs.getObject(i + 1));
      if (value != null) {
        row.put(COLUMNS.get(i), value);
      }
    }
    try {
      return CacheClassRows.fromRow(row);
    } catch (InvalidConfigException e) {
      throw inTable(e, row);
    }
  }

  /**
   * Drivers differ in the Java types of numbers (a NUMERIC column, if someone altered one, comes
   * back as BigDecimal); {@link CacheClassRows} is given Long for whole numbers and Double
   * otherwise, as the YAML parser gives it.
   */
  static Object normalize(Object value) {
    if (value instanceof BigDecimal d) {
      BigDecimal whole = d.stripTrailingZeros();
      boolean fitsLong =
          whole.scale() <= 0 && whole.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
      // Not a ?: expression: its numeric promotion would turn the long into a double.
      if (fitsLong) {
        return whole.longValueExact();
      }
      return d.doubleValue();
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    return value;
  }

  /**
   * The error of a stored row, for whoever edited the table by hand: which class, which column,
   * what it holds. Core names most fields {@code class 'x': column}, but a bad key pattern only
   * {@code key_pattern}: the pattern is parsed before the class is named.
   */
  private static InvalidConfigException inTable(InvalidConfigException e, Map<String, Object> row) {
    String field = e.field();
    String prefix = field + ": ";
    String reason =
        e.getMessage().startsWith(prefix)
            ? e.getMessage().substring(prefix.length())
            : e.getMessage();
    String column = field.substring(field.lastIndexOf(' ') + 1);
    Object name = row.get("class");
    if (!field.startsWith("class '") && !column.equals("class") && name != null) {
      field = "class '" + name + "': " + field;
    }
    String stored =
        row.containsKey(column)
            ? " (table cache_class holds " + column + " = " + row.get(column) + ")"
            : "";
    InvalidConfigException wrapped = new InvalidConfigException(field, reason + stored);
    wrapped.initCause(e);
    return wrapped;
  }
}
