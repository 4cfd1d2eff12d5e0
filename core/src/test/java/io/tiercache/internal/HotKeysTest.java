package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.HotKey;
import io.tiercache.HotKeyOptions;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.InMemoryRemoteTier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HotKeysTest {
  private final CountingLoader source = new CountingLoader();
  private final InMemoryRemoteTier l2 = new InMemoryRemoteTier();
  private final HotKeyOptions everyRead =
      HotKeyOptions.DEFAULT.withSampleOneIn(1).withPublishEvery(Duration.ofHours(1));
  private final TieredCache<String> a = node();
  private final TieredCache<String> b = node();

  private TieredCache<String> node() {
    return TieredCache.builder(ValueCodec.utf8())
        .classes(
            CacheClasses.of(
                List.of(CacheClass.builder("c", "*").ttl(Duration.ofMinutes(5)).build())))
        .loader(source)
        .remoteTier(l2)
        .hotKeys(everyRead)
        .meterRegistry(new SimpleMeterRegistry())
        .build();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  @Test
  void spaceSaving_tracksTheHeavyHitters_ofASkewedStream() {
    HeavyHitters sketch = new HeavyHitters(8);
    for (int round = 0; round < 1000; round++) {
      sketch.offer("hot-1", 1);
      sketch.offer("hot-1", 1);
      sketch.offer("hot-2", 1);
      sketch.offer("cold-" + round, 1); // a long tail of keys seen once
    }
    assertThat(sketch.top().subList(0, 2)).containsExactly("hot-1", "hot-2");
  }

  @Test
  void weightedSightings_countTheirWeight() {
    HeavyHitters sketch = new HeavyHitters(2);
    sketch.offer("a", 128);
    sketch.offer("b", 64);
    sketch.offer("b", 64);
    sketch.offer("a", 1);
    assertThat(sketch.drain()).containsExactlyInAnyOrderEntriesOf(Map.of("a", 129L, "b", 128L));
  }

  /**
   * A busy class's hits are sampled for hot keys at least as often as sampleOneIn asks, and no more
   * than 20,000 times a second above 10,000 samples of that many a second.
   */
  @Test
  void hitsPerSample_keepsABusyClassBetweenTenAndTwentyThousandSamplesASecond() {
    HotKeys keys = new HotKeys(HotKeyOptions.DISABLED, null, null, k -> true, k -> {});
    assertThat(HotKeyOptions.DISABLED.sampleOneIn()).isEqualTo(64);
    assertThat(keys.hitsPerSample(0)).isEqualTo(64);
    assertThat(keys.hitsPerSample(1_279_999)).isEqualTo(64);
    assertThat(keys.hitsPerSample(1_280_000)).isEqualTo(128);
    for (long rate = 1_280_000; rate < 1L << 40; rate = rate * 3 / 2) {
      long every = keys.hitsPerSample(rate);
      assertThat(Long.bitCount(every)).isEqualTo(1);
      assertThat(rate / every).as("samples a second at %d hits", rate).isBetween(10_000L, 20_000L);
    }
  }

  @Test
  void keyHotOnOneNode_isListedFleetWide_andPrefetchedIntoTheOthersL1() {
    IntStream.range(0, 50).forEach(i -> source.put("k" + i, "v" + i, 1));
    for (int i = 0; i < 500; i++) {
      a.get("k0");
      a.get("k" + (i % 50));
    }
    ((DefaultTieredCache<String>) a).hotKeyRound();
    ((DefaultTieredCache<String>) b).hotKeyRound();
    List<HotKey> hot = b.hotKeys();
    assertThat(hot.get(0).key()).isEqualTo("k0");
    assertThat(hot.get(0).readsPerSecond()).isPositive();
    org.awaitility.Awaitility.await().until(() -> b.lookup("k0").tier() == Tier.L1);
  }
}
