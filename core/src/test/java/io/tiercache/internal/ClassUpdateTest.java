package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassUpdateTest {
  private final ManualClock clock = ManualClock.startingAt2030();
  private final CountingLoader source = new CountingLoader();
  private final CacheClass plain =
      CacheClass.builder("plain", "*").ttl(Duration.ofMinutes(1)).build();
  private final CacheClass user =
      CacheClass.builder("user", "user:*").ttl(Duration.ofMinutes(1)).build();
  private final TieredCache<String> cache =
      TieredCache.builder(ValueCodec.utf8())
          .classes(CacheClasses.of(List.of(plain, user)))
          .loader(source)
          .clock(clock)
          .executor(Runnable::run)
          .meterRegistry(new SimpleMeterRegistry())
          .build();

  @Test
  void newClass_takesEffectAtOnce_andUnchangedClassesKeepTheirEntries() {
    source.put("order:1", "o", 1).put("user:1", "u", 1);
    cache.get("order:1");
    cache.get("user:1");
    CacheClass order =
        CacheClass.builder("order", "order:*").ttl(Duration.ofSeconds(5)).ttlJitter(0).build();
    cache.updateClasses(CacheClasses.of(List.of(plain, user, order)));
    assertThat(cache.classOf("order:1").name()).isEqualTo("order");
    assertThat(cache.lookup("user:1").tier()).isEqualTo(Tier.L1); // class "user" unchanged
    assertThat(cache.lookup("order:1").tier()).isEqualTo(Tier.SOURCE); // now in a new class
    assertThat(cache.lookup("order:1").freshUntil()).isEqualTo(clock.instant().plusSeconds(5));
  }

  @Test
  void changedClass_dropsItsL1Entries() {
    source.put("user:1", "u", 1);
    cache.get("user:1");
    CacheClass shorter = user.toBuilder().ttl(Duration.ofSeconds(10)).build();
    cache.updateClasses(CacheClasses.of(List.of(plain, shorter)));
    assertThat(cache.lookup("user:1").tier()).isEqualTo(Tier.SOURCE);
    assertThat(cache.classes().byName("user")).contains(shorter);
  }
}
