package io.tiercache.server.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code INFO memory} of L2 for {@code /cache-metrics} and {@code /health}: a connection of its own
 * (not the cache's, whose timeouts are tuned for reads), asked at most once a second however often
 * the dashboard polls. On a cluster, the masters' figures are summed.
 */
public final class RedisInfo implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisInfo.class);
  private static final Duration MAX_AGE = Duration.ofSeconds(1);

  private final List<RedisURI> uris;
  private final boolean cluster;
  private final Clock clock;
  private RedisClient client; // guarded by this
  private RedisClusterClient clusterClient; // guarded by this
  private StatefulRedisConnection<String, String> connection; // guarded by this
  private StatefulRedisClusterConnection<String, String> clusterConnection; // guarded by this
  private Map<String, Object> last; // guarded by this
  private long lastAt; // guarded by this

  public RedisInfo(List<RedisURI> uris, boolean cluster, Clock clock) {
    this.uris = List.copyOf(uris);
    this.cluster = cluster;
    this.clock = clock;
  }

  /** {@code used_memory}, {@code used_memory_human}, {@code maxmemory} and {@code up}. */
  public synchronized Map<String, Object> memory() {
    long now = clock.millis();
    if (last != null && now - lastAt < MAX_AGE.toMillis()) {
      return last;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      long used = 0;
      long max = 0;
      for (String info : infos()) {
        Map<String, String> fields = parse(info);
        used += Long.parseLong(fields.getOrDefault("used_memory", "0"));
        max += Long.parseLong(fields.getOrDefault("maxmemory", "0"));
      }
      out.put("up", true);
      out.put("usedMemoryBytes", used);
      out.put("maxMemoryBytes", max);
    } catch (RuntimeException e) {
      log.debug("INFO memory failed: {}", e.toString());
      out.put("up", false);
      out.put("error", e.getMessage());
    }
    last = out;
    lastAt = now;
    return out;
  }

  private List<String> infos() {
    if (cluster) {
      if (clusterConnection == null) {
        clusterClient =
            RedisClusterClient.create(uris.stream().map(RedisInfo::withTimeout).toList());
        clusterConnection = clusterClient.connect();
      }
      return clusterConnection.getPartitions().stream()
          .filter(n -> n.is(RedisClusterNode.NodeFlag.UPSTREAM))
          .map(n -> clusterConnection.getConnection(n.getNodeId()).sync().info("memory"))
          .toList();
    }
    if (connection == null) {
      client = RedisClient.create(withTimeout(uris.get(0)));
      connection = client.connect();
    }
    return List.of(connection.sync().info("memory"));
  }

  private static RedisURI withTimeout(RedisURI uri) {
    return RedisURI.builder(uri).withTimeout(Duration.ofSeconds(1)).build();
  }

  static Map<String, String> parse(String info) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : info.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      connection.close();
    }
    if (clusterConnection != null) {
      clusterConnection.close();
    }
    if (client != null) {
      client.shutdown();
    }
    if (clusterClient != null) {
      clusterClient.shutdown();
    }
  }
}
