package io.tiercache.redis.local;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of local {@code redis-server} processes: {@code masters} masters with {@code
 * replicasPerMaster} replicas each, made by {@code redis-cli --cluster create} exactly as an
 * operator would, and ready when every node reports {@code cluster_state:ok}. For benchmarks and
 * tests; each node is a {@link LocalRedisServer} that can be killed and restarted on its own.
 *
 * <p>Thread-safe.
 */
public final class LocalRedisCluster implements AutoCloseable {
  /** Redis Cluster needs at least three masters. */
  public static final int DEFAULT_MASTERS = 3;

  /** How long {@code redis-cli --cluster create} and the nodes' agreement may take. */
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How long a node may be unreachable before the others mark it failed; well under Redis's 15 s
   * default so that failover tests finish in seconds.
   */
  private static final String NODE_TIMEOUT_MILLIS = "2000";

  private static final Duration INFO_TIMEOUT = Duration.ofMillis(500);

  private final List<LocalRedisServer> nodes;

  private LocalRedisCluster(List<LocalRedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Starts three masters without replicas.
   *
   * @throws LocalRedisException when a node does not start or the cluster does not form
   */
  public static LocalRedisCluster start() {
    return start(DEFAULT_MASTERS, 0);
  }

  /**
   * Starts {@code masters} masters with {@code replicasPerMaster} replicas each and waits until the
   * cluster is healthy.
   *
   * @throws IllegalArgumentException when {@code masters < 3} or {@code replicasPerMaster < 0}
   * @throws LocalRedisException when a node does not start or the cluster does not form within
   *     {@link #DEFAULT_READY_TIMEOUT}
   */
  public static LocalRedisCluster start(int masters, int replicasPerMaster) {
    if (masters < 3 || replicasPerMaster < 0) {
      throw new IllegalArgumentException(
          "need at least 3 masters and 0 or more replicas, got "
              + masters
              + " and "
              + replicasPerMaster);
    }
    Path cli = Executables.require("redis-cli");
    List<LocalRedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
        nodes.add(LocalRedisServer.start(nodeArgs(), true));
      }
      LocalRedisCluster cluster = new LocalRedisCluster(nodes);
      cluster.create(cli, replicasPerMaster);
      cluster.awaitHealthy(DEFAULT_READY_TIMEOUT);
      return cluster;
    } catch (RuntimeException e) {
      nodes.forEach(LocalRedisServer::close);
      throw e;
    }
  }

  private static List<String> nodeArgs() {
    return List.of(
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", NODE_TIMEOUT_MILLIS);
  }

  /**
   * Every node, in the order they were started. Which are masters is Redis's own business: {@code
   * redis-cli} chose at creation, and failovers may change it since.
   */
  public List<LocalRedisServer> nodes() {
    return nodes;
  }

  /** The URIs of every node, to seed a cluster client. */
  public List<RedisURI> seedUris() {
    return nodes.stream().map(LocalRedisServer::uri).toList();
  }

  /**
   * Waits until every running node reports {@code cluster_state:ok} and knows every other node;
   * after a kill or restart, too.
   *
   * @throws LocalRedisException when that does not happen within {@code timeout}
   */
  public void awaitHealthy(Duration timeout) {
    List<LocalRedisServer> running = nodes.stream().filter(LocalRedisServer::isRunning).toList();
    boolean ok =
        Poll.until(
            timeout,
            () -> {
              for (LocalRedisServer node : running) {
                if (!isHealthy(node, nodes.size())) {
                  return false;
                }
              }
              return true;
            });
    if (!ok) {
      throw new LocalRedisException(
          "the cluster " + nodes + " did not reach cluster_state:ok within " + timeout);
    }
  }

  /** Kills every node and deletes their directories. */
  @Override
  public void close() {
    nodes.forEach(LocalRedisServer::close);
  }

  @Override
  public String toString() {
    return "LocalRedisCluster" + nodes;
  }

  private static boolean isHealthy(LocalRedisServer node, int clusterSize) throws IOException {
    String info = Resp.call(LocalRedisServer.HOST, node.port(), INFO_TIMEOUT, "CLUSTER", "INFO");
    return info != null
        && info.contains("cluster_state:ok")
        && info.contains("cluster_known_nodes:" + clusterSize + "\r");
  }

  /** Runs {@code redis-cli --cluster create}, which assigns slots and pairs replicas. */
  private void create(Path cli, int replicasPerMaster) {
    List<String> command = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
    nodes.forEach(n -> command.add(n.address()));
    command.addAll(
        List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
    Path log = nodes.get(0).directory().resolve("cluster-create.log");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(Redirect.to(log.toFile()))
              .start();
      if (!p.waitFor(DEFAULT_READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new LocalRedisException("redis-cli --cluster create did not finish:\n" + read(log));
      }
      if (p.exitValue() != 0) {
        throw new LocalRedisException(
            "redis-cli --cluster create failed (" + p.exitValue() + "):\n" + read(log));
      }
    } catch (IOException e) {
      throw new LocalRedisException("could not run " + cli, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalRedisException("interrupted while creating the cluster", e);
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }
}
