package io.tiercache.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.TierCacheException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The {@code invalidation_audit} table: every invalidation, who asked and how far it got (DESIGN
 * invariant 10). Thread-safe; each call takes a pooled connection.
 */
public final class AuditLog {
  private static final String INSERT =
      "INSERT INTO invalidation_audit (actor, namespace_name, scope, scope_values, value_count,"
          + " reason, requested_at, bus_sequence, origin_node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String COMPLETE =
      "UPDATE invalidation_audit SET nodes_expected = ?, nodes_applied = ?, converge_ms = ?,"
          + " edge_targets = ?, edge_purged = ? WHERE id = ?";
  private static final String SELECT =
      "SELECT id, actor, namespace_name, scope, scope_values, reason, requested_at, bus_sequence,"
          + " origin_node, nodes_expected, nodes_applied, converge_ms, edge_targets, edge_purged"
          + " FROM invalidation_audit";

  private final DataSource dataSource;
  private final ObjectMapper json;

  public AuditLog(DataSource dataSource, ObjectMapper json) {
    this.dataSource = dataSource;
    this.json = json;
  }

  /** A search of the log; null fields do not filter. */
  public record Query(
      Instant from, Instant to, String scope, String actor, String namespace, int limit) {}

  /**
   * Writes an invalidation about to be issued, before it is: no invalidation without its row
   * (DESIGN invariant 10). {@link #issued} adds the bus's sequence, {@link #complete} how far it
   * got; {@link #discard} removes the row of one that could not be issued.
   *
   * @return the row's id, the {@code auditId} of the API
   */
  public long begin(
      String namespace, InvalidationRequest request, Instant requestedAt, String node) {
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, request.actor());
      ps.setString(2, namespace);
      ps.setString(3, request.scope().name().toLowerCase(Locale.ROOT));
      ps.setString(4, json.writeValueAsString(request.values()));
      ps.setInt(5, request.values().size());
      ps.setString(6, request.reason());
      ps.setObject(7, OffsetDateTime.ofInstant(requestedAt, ZoneOffset.UTC));
      ps.setLong(8, 0); // not issued yet
      ps.setString(9, node);
      ps.executeUpdate();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        keys.next();
        return keys.getLong(1);
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new TierCacheException("writing the audit log failed", e);
    }
  }

  /** Records the sequence and origin the bus gave the invalidation of row {@code id}. */
  public void issued(long id, Invalidation inv) {
    update(
        "UPDATE invalidation_audit SET bus_sequence = ?, origin_node = ? WHERE id = ?",
        inv.sequence(),
        inv.originNode(),
        id);
  }

  /** Removes the row of an invalidation that could not be issued (best effort). */
  public void discard(long id) {
    try {
      update("DELETE FROM invalidation_audit WHERE id = ?", id);
    } catch (TierCacheException e) {
      org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("discarding audit row {} failed", id);
    }
  }

  private void update(String sql, Object... args) {
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new TierCacheException("writing the audit log failed", e);
    }
  }

  /** Completes a row with how far the invalidation got. */
  public void complete(long id, FleetConvergence c, EdgePurger.Result edge) {
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement(COMPLETE)) {
      ps.setInt(1, c.nodesExpected());
      ps.setInt(2, c.nodesApplied());
      if (c.convergeMs() == null) {
        ps.setNull(3, Types.BIGINT);
      } else {
        ps.setLong(3, c.convergeMs());
      }
      ps.setInt(4, edge.targets());
      ps.setInt(5, edge.purged());
      ps.setLong(6, id);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new TierCacheException("completing audit row " + id + " failed", e);
    }
  }

  /** The rows matching {@code q}, newest first. */
  public List<Map<String, Object>> search(Query q) {
    StringBuilder sql = new StringBuilder(SELECT).append(" WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (q.from() != null) {
      sql.append(" AND requested_at >= ?");
      args.add(OffsetDateTime.ofInstant(q.from(), ZoneOffset.UTC));
    }
    if (q.to() != null) {
      sql.append(" AND requested_at < ?");
      args.add(OffsetDateTime.ofInstant(q.to(), ZoneOffset.UTC));
    }
    if (q.scope() != null) {
      sql.append(" AND scope = ?");
      args.add(q.scope());
    }
    if (q.actor() != null) {
      sql.append(" AND actor = ?");
      args.add(q.actor());
    }
    if (q.namespace() != null) {
      sql.append(" AND namespace_name = ?");
      args.add(q.namespace());
    }
    sql.append(" ORDER BY id DESC FETCH FIRST ").append(q.limit()).append(" ROWS ONLY");
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps = conn.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(row(rs));
        }
      }
      return rows;
    } catch (SQLException | JsonProcessingException e) {
      throw new TierCacheException("reading the audit log failed", e);
    }
  }

  private Map<String, Object> row(ResultSet rs) throws SQLException, JsonProcessingException {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("auditId", rs.getLong(1));
    row.put("actor", rs.getString(2));
    row.put("namespace", rs.getString(3));
    row.put("scope", rs.getString(4));
    row.put("values", json.readValue(rs.getString(5), List.class));
    row.put("reason", rs.getString(6));
    row.put("requestedAt", rs.getObject(7, OffsetDateTime.class).toInstant().toString());
    row.put("sequence", rs.getLong(8));
    row.put("originNode", rs.getString(9));
    row.put("nodesExpected", rs.getObject(10));
    row.put("nodesApplied", rs.getObject(11));
    row.put("convergeMs", rs.getObject(12));
    row.put("edgeTargets", rs.getObject(13));
    row.put("edgePurged", rs.getObject(14));
    return row;
  }
}
