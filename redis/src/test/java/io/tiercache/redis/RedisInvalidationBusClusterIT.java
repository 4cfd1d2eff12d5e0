package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.redis.local.LocalRedisCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The bus on a Redis Cluster: its keys share one slot, so scripts and XREAD work unchanged. */
class RedisInvalidationBusClusterIT {
  @Test
  void onACluster_everyNodeReceivesEveryInvalidationInOrder_andReportsItsWatermark() {
    try (LocalRedisCluster cluster = LocalRedisCluster.start();
        RedisInvalidationBus a =
            RedisInvalidationBus.cluster(cluster.seedUris(), "a", BusFleet.BUS);
        RedisInvalidationBus b =
            RedisInvalidationBus.cluster(cluster.seedUris(), "b", BusFleet.BUS)) {
      Queue<Invalidation> onA = new ConcurrentLinkedQueue<>();
      Queue<Invalidation> onB = new ConcurrentLinkedQueue<>();
      a.subscribe(0, onA::add, gap -> {});
      b.subscribe(0, onB::add, gap -> {});
      List<Long> published = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        published.add(
            (i % 2 == 0 ? a : b)
                .publish(InvalidationRequest.key("k" + i), "x", Instant.now())
                .sequence());
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> onA.size() == 20 && onB.size() == 20);
      assertThat(onA.stream().map(Invalidation::sequence).toList()).isEqualTo(published);
      assertThat(onB.stream().map(Invalidation::sequence).toList()).isEqualTo(published);
      long last = published.get(19);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(a.nodesApplied(last)).isEqualTo(2));
    }
  }
}
