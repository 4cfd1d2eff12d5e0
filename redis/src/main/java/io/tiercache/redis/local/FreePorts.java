package io.tiercache.redis.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks ports that are free right now on the loopback interface. Another process can still take a
 * port before redis-server binds it; callers retry with a new port when the server fails to start.
 */
final class FreePorts {
  /** Redis Cluster's bus listens on the client port plus this. */
  static final int CLUSTER_BUS_OFFSET = 10_000;

  /** The shared Redis on the machine; never ours, nor its cluster bus. */
  private static final int SHARED_REDIS_PORT = 6379;

  private static final int ATTEMPTS = 100;

  private FreePorts() {}

  /**
   * A free port; with {@code withClusterBus}, one whose cluster bus port is free too.
   *
   * @throws LocalRedisException when none was found in a hundred tries
   */
  static int pick(boolean withClusterBus) {
    for (int i = 0; i < ATTEMPTS; i++) {
      int port = anyFreePort();
      if (port == SHARED_REDIS_PORT || port == SHARED_REDIS_PORT + CLUSTER_BUS_OFFSET) {
        continue;
      }
      if (!withClusterBus) {
        return port;
      }
      int bus = port + CLUSTER_BUS_OFFSET;
      if (bus <= 65_535 && bus != SHARED_REDIS_PORT + CLUSTER_BUS_OFFSET && isFree(bus)) {
        return port;
      }
    }
    throw new LocalRedisException("found no free port pair for a Redis Cluster node");
  }

  private static int anyFreePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
