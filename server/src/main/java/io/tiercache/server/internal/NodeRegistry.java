package io.tiercache.server.internal;

import io.tiercache.Invalidation;
import io.tiercache.TieredCache;
import io.tiercache.spi.InvalidationBus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which gateways are alive, and which of them applied an invalidation: the {@code nodesApplied} and
 * {@code convergeMs} of {@code POST /invalidate} and the audit log.
 *
 * <p>Every node beats in {@code gateway_node} at each poll; a node silent for three intervals (and
 * at least 5 s) is gone. Every node listens on each namespace's bus and, once its cache has applied
 * an invalidation (its watermark reached the sequence), writes a row to {@code invalidation_ack}.
 * The node that issued the invalidation counts those rows until every live node is in, or its wait
 * times out. The database is the one thing every node already shares, so no extra channel is
 * needed; the cost, a row per node per invalidation, is a control-plane cost.
 */
public final class NodeRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);
  private static final Duration ACK_RETENTION = Duration.ofHours(1);
  private static final Duration MIN_SILENCE = Duration.ofSeconds(5);
  private static final Duration APPLY_WAIT = Duration.ofSeconds(5);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long RECHECK_MS = 5;

  private final DataSource dataSource;
  private final String nodeId;
  private final Clock clock;
  private final Duration beatInterval;
  private final ScheduledExecutorService executor;
  private final List<InvalidationBus.Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final Instant startedAt;

  /**
   * @param executor runs acknowledgements off the bus's delivery thread
   */
  public NodeRegistry(
      DataSource dataSource,
      String nodeId,
      Clock clock,
      Duration beatInterval,
      ScheduledExecutorService executor) {
    this.dataSource = dataSource;
    this.nodeId = nodeId;
    this.clock = clock;
    this.beatInterval = beatInterval;
    this.executor = executor;
    this.startedAt = clock.instant();
  }

  /** Records that this node is alive; also prunes old acknowledgements. */
  public void beat() {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    try (Connection conn = dataSource.getConnection()) {
      try (PreparedStatement up =
          conn.prepareStatement("UPDATE gateway_node SET heartbeat_at = ? WHERE node_id = ?")) {
        up.setObject(1, now);
        up.setString(2, nodeId);
        if (up.executeUpdate() == 0) {
          try (PreparedStatement in =
              conn.prepareStatement(
                  "INSERT INTO gateway_node (node_id, started_at, heartbeat_at) VALUES (?, ?, ?)")) {
            in.setString(1, nodeId);
            in.setObject(2, OffsetDateTime.ofInstant(startedAt, ZoneOffset.UTC));
            in.setObject(3, now);
            in.executeUpdate();
          }
        }
      }
      try (PreparedStatement prune =
          conn.prepareStatement("DELETE FROM invalidation_ack WHERE applied_at < ?")) {
        prune.setObject(1, now.minus(ACK_RETENTION));
        prune.executeUpdate();
      }
    } catch (SQLException e) {
      log.warn("node heartbeat failed: {}", e.toString());
    }
  }

  /** Acknowledges every invalidation of {@code namespace} once {@code cache} has applied it. */
  public void watch(String namespace, TieredCache<?> cache, InvalidationBus bus) {
    long after = watermark(cache);
    subscriptions.add(
        bus.subscribe(
            after,
            inv -> {
              long deadline = System.nanoTime() + APPLY_WAIT.toNanos();
              executor.execute(() -> acknowledgeWhenApplied(namespace, cache, inv, deadline));
            },
            firstRetained -> {}));
  }

  /**
   * Acknowledges once the cache's watermark reached the invalidation: a bus may deliver to this
   * listener before it delivers to the cache's. Until then it checks again a few milliseconds
   * later, on the executor, never blocking a thread.
   */
  private void acknowledgeWhenApplied(
      String namespace, TieredCache<?> cache, Invalidation inv, long deadline) {
    if (watermark(cache) < inv.sequence()) {
      if (System.nanoTime() > deadline) {
        log.warn(
            "invalidation {} of {} not applied here in {}", inv.sequence(), namespace, APPLY_WAIT);
      } else {
        executor.schedule(
            () -> acknowledgeWhenApplied(namespace, cache, inv, deadline),
            RECHECK_MS,
            TimeUnit.MILLISECONDS);
      }
      return;
    }
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps =
            conn.prepareStatement(
                "INSERT INTO invalidation_ack (namespace_name, origin_node, bus_sequence, node_id,"
                    + " applied_at) VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, namespace);
      ps.setString(2, inv.originNode());
      ps.setLong(3, inv.sequence());
      ps.setString(4, nodeId);
      ps.setObject(5, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
      ps.executeUpdate();
    } catch (SQLException e) {
      if (!"23505".equals(e.getSQLState())) { // a redelivery: acknowledged already
        log.warn("acknowledging invalidation {} failed: {}", inv.sequence(), e.toString());
      }
    }
  }

  /**
   * Waits until every live node has applied {@code inv}, or {@code timeout} passed.
   *
   * @param issuedAtNanos {@link System#nanoTime()} when the invalidation was issued
   */
  public FleetConvergence awaitApplied(
      String namespace, Invalidation inv, long issuedAtNanos, Duration timeout) {
    int expected = Math.max(1, liveNodes());
    long deadline = issuedAtNanos + timeout.toNanos();
    int applied = 0;
    while (true) {
      applied = acknowledgements(namespace, inv);
      if (applied >= expected) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - issuedAtNanos);
        return new FleetConvergence(expected, applied, ms);
      }
      if (System.nanoTime() >= deadline) {
        return new FleetConvergence(expected, applied, null);
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /**
   * The nodes that beat within the last three intervals, and at least {@link #MIN_SILENCE}: a busy
   * node may beat late, and counting it gone would report convergence it did not reach.
   */
  public int liveNodes() {
    Duration silence = beatInterval.multipliedBy(3);
    Instant since =
        clock.instant().minus(silence.compareTo(MIN_SILENCE) > 0 ? silence : MIN_SILENCE);
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps =
            conn.prepareStatement("SELECT COUNT(*) FROM gateway_node WHERE heartbeat_at >= ?")) {
      ps.setObject(1, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      log.warn("counting live nodes failed: {}", e.toString());
      return 1;
    }
  }

  private int acknowledgements(String namespace, Invalidation inv) {
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps =
            conn.prepareStatement(
                "SELECT COUNT(*) FROM invalidation_ack WHERE namespace_name = ? AND origin_node = ?"
                    + " AND bus_sequence = ?")) {
      ps.setString(1, namespace);
      ps.setString(2, inv.originNode());
      ps.setLong(3, inv.sequence());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      log.warn("counting acknowledgements failed: {}", e.toString());
      return 0;
    }
  }

  private static long watermark(TieredCache<?> cache) {
    return cache.invalidationWatermark();
  }

  /** Stops acknowledging and leaves the registry, so others stop expecting this node. */
  @Override
  public void close() {
    subscriptions.forEach(InvalidationBus.Subscription::close);
    try (Connection conn = dataSource.getConnection();
        PreparedStatement ps =
            conn.prepareStatement("DELETE FROM gateway_node WHERE node_id = ?")) {
      ps.setString(1, nodeId);
      ps.executeUpdate();
    } catch (SQLException e) {
      log.warn("leaving the node registry failed: {}", e.toString());
    }
  }
}
