package io.tiercache.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {
  private final Converters.DurationConverter durations = new Converters.DurationConverter();
  private final Converters.RedisUriConverter uris = new Converters.RedisUriConverter();

  @Test
  void durations_readAsTyped_orAsIso8601() {
    assertThat(durations.convert("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(durations.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(durations.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(durations.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(durations.convert("PT3S")).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void malformedDuration_saysHowToWriteOne() {
    assertThatThrownBy(() -> durations.convert("10 sec"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("write e.g. 500ms, 10s");
  }

  @Test
  void redisUri_needsTheRedisScheme() {
    assertThat(uris.convert("redis://127.0.0.1:6380").getPort()).isEqualTo(6380);
    assertThatThrownBy(() -> uris.convert("127.0.0.1:6380"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("redis://");
  }
}
