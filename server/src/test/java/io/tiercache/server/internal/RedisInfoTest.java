package io.tiercache.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replicas and their lag, read from a master's INFO replication. */
class RedisInfoTest {

  @Test
  void eachReplicaIsListedWithItsLagBehindTheMastersOffset() {
    String info =
        "# Replication\r\n"
            + "role:master\r\n"
            + "connected_slaves:2\r\n"
            + "slave0:ip=10.0.0.2,port=6380,state=online,offset=1000,lag=0\r\n"
            + "slave1:ip=10.0.0.3,port=6381,state=wait_bgsave,offset=0,lag=7\r\n"
            + "master_repl_offset:1200\r\n";

    List<Map<String, Object>> replicas = RedisInfo.replicas(RedisInfo.parse(info));

    assertThat(replicas).hasSize(2);
    assertThat(replicas.get(0))
        .containsEntry("address", "10.0.0.2:6380")
        .containsEntry("state", "online")
        .containsEntry("lagBytes", 200L)
        .containsEntry("lagSeconds", 0L);
    assertThat(replicas.get(1))
        .containsEntry("state", "wait_bgsave")
        .containsEntry("lagBytes", 1200L)
        .containsEntry("lagSeconds", 7L);
  }

  @Test
  void aMasterWithoutReplicasHasNone() {
    String info = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n";
    assertThat(RedisInfo.replicas(RedisInfo.parse(info))).isEmpty();
  }
}
