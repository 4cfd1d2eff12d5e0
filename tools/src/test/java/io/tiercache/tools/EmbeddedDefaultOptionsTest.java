package io.tiercache.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import io.tiercache.InvalidConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EmbeddedDefaultOptionsTest {
  private static final EmbeddedDefault.Options DEFAULT = EmbeddedDefault.Options.DEFAULT;

  @Test
  void defaults_startARedisWhenPossible_withTwoMillisecondsOfSourceLatency() {
    assertThat(DEFAULT.redis()).isNull();
    assertThat(DEFAULT.l2()).isTrue();
    assertThat(DEFAULT.sourceLatency()).isEqualTo(Duration.ofMillis(2));
  }

  @Test
  void sourceLatencyOutOfRange_namesTheFieldAndRange() {
    assertThatThrownBy(() -> DEFAULT.withSourceLatency(Duration.ofSeconds(11)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("sourceLatency")
        .hasMessageContaining("must be 0 to");
    assertThatThrownBy(() -> DEFAULT.withSourceLatency(Duration.ofMillis(-1)))
        .isInstanceOf(InvalidConfigException.class);
  }

  @Test
  void aRedisWithL2Off_isRefused() {
    RedisURI uri = RedisURI.create("redis://127.0.0.1:6379");
    assertThat(DEFAULT.withRedis(uri).withoutL2().redis()).isNull();
    assertThatThrownBy(
            () -> new EmbeddedDefault.Options(uri, false, Duration.ZERO, DEFAULT.sampleData()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("while L2 is off");
  }
}
