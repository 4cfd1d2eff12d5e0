package io.tiercache.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationScope;
import io.tiercache.TierCacheException;
import io.tiercache.spi.InvalidationAudit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The audit of invalidations in the source database (DESIGN invariant 10), table {@code
 * invalidation_log}: give it to {@code TieredCacheBuilder.invalidationAudit} and every invalidation
 * the node issues (database-driven ones from {@link PostgresChangeListener} included) is recorded
 * with who, scope, values, reason, when and its bus sequence. Queryable by time range, scope and
 * actor.
 */
public final class JdbcInvalidationAudit implements InvalidationAudit {
  /** One recorded invalidation. */
  public record Row(
      long id,
      String actor,
      InvalidationScope scope,
      List<String> values,
      String reason,
      Instant requestedAt,
      long sequence,
      String originNode) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INSERT =
      "INSERT INTO invalidation_log (actor, scope, scope_values, value_count, reason,"
          + " requested_at, bus_sequence, origin_node) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String SELECT =
      "SELECT id, actor, scope, scope_values, reason, requested_at, bus_sequence, origin_node"
          + " FROM invalidation_log WHERE requested_at >= ? AND requested_at < ?";

  private final DataSource dataSource;

  public JdbcInvalidationAudit(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public void record(Invalidation inv) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement st = c.prepareStatement(INSERT)) {
      String actor = inv.request().actor().isEmpty() ? "unknown" : inv.request().actor();
      st.setString(1, truncate(actor, 128));
      st.setString(2, inv.request().scope().name().toLowerCase(Locale.ROOT));
      st.setString(3, JSON.writeValueAsString(inv.request().values()));
      st.setInt(4, inv.request().values().size());
      st.setString(5, truncate(inv.request().reason(), 512));
      st.setTimestamp(6, Timestamp.from(inv.issuedAt()));
      st.setLong(7, inv.sequence());
      st.setString(8, truncate(inv.originNode(), 64));
      st.executeUpdate();
    } catch (SQLException | JsonProcessingException e) {
      throw new TierCacheException("recording invalidation " + inv.sequence() + " failed", e);
    }
  }

  /**
   * The invalidations recorded in {@code [from, to)}, newest first, optionally only of one scope
   * and one actor.
   *
   * @param scope {@code null} for every scope
   * @param actor {@code null} for every actor
   * @param limit at most this many rows (1 to 10,000)
   */
  public List<Row> query(
      Instant from, Instant to, InvalidationScope scope, String actor, int limit) {
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1 to 10000, was " + limit);
    }
    StringBuilder sql = new StringBuilder(SELECT);
    if (scope != null) {
      sql.append(" AND scope = ?");
    }
    if (actor != null) {
      sql.append(" AND actor = ?");
    }
    sql.append(" ORDER BY requested_at DESC, id DESC");
    try (Connection c = dataSource.getConnection();
        PreparedStatement st = c.prepareStatement(sql.toString())) {
      int i = 1;
      st.setTimestamp(i++, Timestamp.from(from));
      st.setTimestamp(i++, Timestamp.from(to));
      if (scope != null) {
        st.setString(i++, scope.name().toLowerCase(Locale.ROOT));
      }
      if (actor != null) {
        st.setString(i++, actor);
      }
      st.setMaxRows(limit);
      List<Row> rows = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new Row(
                  rs.getLong(1),
                  rs.getString(2),
                  InvalidationScope.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)),
                  JSON.readValue(rs.getString(4), new TypeReference<List<String>>() {}),
                  rs.getString(5),
                  rs.getTimestamp(6).toInstant(),
                  rs.getLong(7),
                  rs.getString(8)));
        }
      }
      return rows;
    } catch (SQLException | JsonProcessingException e) {
      throw new TierCacheException("reading the invalidation log failed", e);
    }
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
