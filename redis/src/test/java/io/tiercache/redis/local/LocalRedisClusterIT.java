package io.tiercache.redis.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class LocalRedisClusterIT {

  @Test
  void clusterWithReplicas_hasThreeShardsOfTwoNodes_andARestartedNodeRejoinsAsItself() {
    try (LocalRedisCluster cluster = LocalRedisCluster.start(3, 1)) {
      assertThat(cluster.nodes()).hasSize(6);
      assertThat(cluster.seedUris()).hasSize(6);
      LocalRedisServer first = cluster.nodes().get(0);
      String info = on(first, RedisCommands::clusterInfo);
      assertThat(info).contains("cluster_state:ok", "cluster_size:3", "cluster_known_nodes:6");
      String id = on(first, RedisCommands::clusterMyId);

      first.kill();
      first.restart();
      cluster.awaitHealthy(Duration.ofSeconds(30));

      // The node read its identity back from nodes.conf in its own directory.
      String idAfterRestart = on(first, RedisCommands::clusterMyId);
      assertThat(idAfterRestart).isEqualTo(id);
    }
  }

  private static <T> T on(LocalRedisServer node, Function<RedisCommands<String, String>, T> call) {
    RedisClient client = RedisClient.create(node.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return call.apply(c.sync());
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
