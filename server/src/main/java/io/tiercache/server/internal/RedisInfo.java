package io.tiercache.server.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code INFO memory} and {@code INFO replication} of L2 for {@code /cache-metrics} and {@code
 * /health}: a connection of its own (not the cache's, whose timeouts are tuned for reads), asked at
 * most once a second however often the dashboard polls. Per shard (each master of a cluster, the
 * one server otherwise): used and maximum memory, and each replica's state and lag, in bytes of the
 * replication stream not yet acknowledged and in seconds since its last acknowledgement. The totals
 * sum the masters' memory and take the largest lag.
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

  /**
   * {@code up}, {@code usedMemoryBytes}, {@code maxMemoryBytes}, {@code replicationLagBytes} (the
   * largest over every replica) and {@code shards}: per master its {@code shard} (host:port),
   * memory, and {@code replicas} ({@code address}, {@code state}, {@code lagBytes}, {@code
   * lagSeconds}).
   */
  public synchronized Map<String, Object> memory() {
    long now = clock.millis();
    if (last != null && now - lastAt < MAX_AGE.toMillis()) {
      return last;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      long used = 0;
      long max = 0;
      long lag = 0;
      List<Map<String, Object>> shards = new ArrayList<>();
      for (Map.Entry<String, String> shard : infos().entrySet()) {
        Map<String, String> fields = parse(shard.getValue());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("shard", shard.getKey());
        long shardUsed = Long.parseLong(fields.getOrDefault("used_memory", "0"));
        long shardMax = Long.parseLong(fields.getOrDefault("maxmemory", "0"));
        s.put("usedMemoryBytes", shardUsed);
        s.put("maxMemoryBytes", shardMax);
        List<Map<String, Object>> replicas = replicas(fields);
        s.put("replicas", replicas);
        for (Map<String, Object> r : replicas) {
          lag = Math.max(lag, (Long) r.get("lagBytes"));
        }
        used += shardUsed;
        max += shardMax;
        shards.add(s);
      }
      out.put("up", true);
      out.put("usedMemoryBytes", used);
      out.put("maxMemoryBytes", max);
      out.put("replicationLagBytes", lag);
      out.put("shards", shards);
    } catch (RuntimeException e) {
      log.debug("INFO memory failed: {}", e.toString());
      out.put("up", false);
      out.put("error", e.getMessage());
    }
    last = out;
    lastAt = now;
    return out;
  }

  /** Per master (host:port), the text of {@code INFO memory} and {@code INFO replication}. */
  private Map<String, String> infos() {
    Map<String, String> out = new TreeMap<>();
    if (cluster) {
      if (clusterConnection == null) {
        clusterClient =
            RedisClusterClient.create(uris.stream().map(RedisInfo::withTimeout).toList());
        clusterConnection = clusterClient.connect();
      }
      for (RedisClusterNode n : clusterConnection.getPartitions()) {
        if (n.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
          var sync = clusterConnection.getConnection(n.getNodeId()).sync();
          RedisURI u = n.getUri();
          out.put(
              u.getHost() + ":" + u.getPort(),
              sync.info("memory") + "\n" + sync.info("replication"));
        }
      }
      return out;
    }
    if (connection == null) {
      client = RedisClient.create(withTimeout(uris.get(0)));
      connection = client.connect();
    }
    var sync = connection.sync();
    out.put(
        uris.get(0).getHost() + ":" + uris.get(0).getPort(),
        sync.info("memory") + "\n" + sync.info("replication"));
    return out;
  }

  /**
   * A master's replicas from its {@code INFO replication}: {@code slaveN:ip=..,port=..,state=..,
   * offset=..,lag=..} against {@code master_repl_offset}.
   */
  static List<Map<String, Object>> replicas(Map<String, String> fields) {
    long masterOffset = Long.parseLong(fields.getOrDefault("master_repl_offset", "0"));
    List<Map<String, Object>> replicas = new ArrayList<>();
    for (int i = 0; fields.containsKey("slave" + i); i++) {
      Map<String, String> r = new LinkedHashMap<>();
      for (String pair : fields.get("slave" + i).split(",")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          r.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
      Map<String, Object> replica = new LinkedHashMap<>();
      replica.put("address", r.getOrDefault("ip", "?") + ":" + r.getOrDefault("port", "?"));
      replica.put("state", r.getOrDefault("state", "unknown"));
      long offset = Long.parseLong(r.getOrDefault("offset", "0"));
      replica.put("lagBytes", Math.max(0, masterOffset - offset));
      replica.put("lagSeconds", Long.parseLong(r.getOrDefault("lag", "0")));
      replicas.add(replica);
    }
    return replicas;
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
