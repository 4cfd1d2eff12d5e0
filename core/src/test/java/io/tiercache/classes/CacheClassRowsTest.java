package io.tiercache.classes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheClassRowsTest {

  @Test
  void everyShippedClass_survivesARoundTripThroughItsRow() {
    for (CacheClass c : CacheClasses.defaults().all()) {
      assertThat(CacheClassRows.fromRow(CacheClassRows.toRow(c))).isEqualTo(c);
    }
  }

  @Test
  void durations_acceptShortFormsMillisecondsAndIso() {
    assertThat(CacheClassRows.parseDuration("f", "250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(CacheClassRows.parseDuration("f", "60s")).isEqualTo(Duration.ofMinutes(1));
    assertThat(CacheClassRows.parseDuration("f", "2d")).isEqualTo(Duration.ofDays(2));
    assertThat(CacheClassRows.parseDuration("f", 1500L)).isEqualTo(Duration.ofMillis(1500));
    assertThat(CacheClassRows.parseDuration("f", "PT1M")).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void invalidValues_nameTheClassTheFieldAndTheValue() {
    Map<String, Object> row =
        new HashMap<>(CacheClassRows.toRow(CacheClasses.defaults().byName("hot").orElseThrow()));
    row.put("ttl", 0L);
    assertThatThrownBy(() -> CacheClassRows.fromRow(row))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("class 'hot': ttl")
        .hasMessageContaining("PT0S");

    row.put("ttl", 1000L);
    row.put("eviction_policy", "lru-ish");
    assertThatThrownBy(() -> CacheClassRows.fromRow(row))
        .hasMessageContaining("eviction_policy")
        .hasMessageContaining("'lru-ish' is not one of [tiny_lfu, l2_only]");

    row.put("eviction_policy", "tiny_lfu");
    row.put("ttl_jitter", 0.9);
    assertThatThrownBy(() -> CacheClassRows.fromRow(row)).hasMessageContaining("ttl_jitter");

    row.put("ttl_jitter", 0.1);
    row.put("l1_max_bytes", "16MB");
    assertThatThrownBy(() -> CacheClassRows.fromRow(row))
        .hasMessageContaining("l1_max_bytes")
        .hasMessageContaining("not both");
  }

  @Test
  void staleWindow_isCappedByTheStalenessEpsilon() {
    CacheClass c =
        CacheClass.builder("c", "c:*")
            .staleWhileRevalidate(Duration.ofMinutes(10))
            .staleIfError(Duration.ofHours(1))
            .stalenessEpsilon(Duration.ofSeconds(3))
            .build();
    assertThat(c.staleWindow()).isEqualTo(Duration.ofSeconds(3));
  }
}
