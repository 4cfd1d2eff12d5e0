package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ReadFrom;
import io.tiercache.InvalidConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisTierOptionsTest {

  @Test
  void defaults_areFiftyMillisThirtySecondsTcPrefixAndUpstream() {
    RedisTierOptions o = RedisTierOptions.DEFAULT;
    assertThat(o.commandTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(o.topologyRefreshPeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.keyPrefix()).isEqualTo("tc:");
    assertThat(o.readFrom()).isEqualTo(ReadFrom.UPSTREAM);
  }

  @Test
  void withers_changeOneFieldOnly() {
    RedisTierOptions o = RedisTierOptions.DEFAULT.withKeyPrefix("x:");
    assertThat(o.keyPrefix()).isEqualTo("x:");
    assertThat(o.commandTimeout()).isEqualTo(RedisTierOptions.DEFAULT_COMMAND_TIMEOUT);
    assertThat(o.withReadFrom(ReadFrom.REPLICA_PREFERRED).readFrom())
        .isEqualTo(ReadFrom.REPLICA_PREFERRED);
  }

  @Test
  void zeroCommandTimeout_isRejectedNamingTheField() {
    assertThatThrownBy(() -> RedisTierOptions.DEFAULT.withCommandTimeout(Duration.ZERO))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("commandTimeout")
        .hasMessageContaining("PT0.001S to PT1M");
  }

  @Test
  void subSecondTopologyRefresh_isRejectedNamingTheField() {
    assertThatThrownBy(
            () -> RedisTierOptions.DEFAULT.withTopologyRefreshPeriod(Duration.ofMillis(10)))
        .isInstanceOf(InvalidConfigException.class)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo("topologyRefreshPeriod");
  }

  @Test
  void missingPrefixOrReadFrom_isRejected() {
    assertThatThrownBy(() -> RedisTierOptions.DEFAULT.withKeyPrefix(null))
        .hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> RedisTierOptions.DEFAULT.withReadFrom(null))
        .hasMessageContaining("readFrom");
  }
}
