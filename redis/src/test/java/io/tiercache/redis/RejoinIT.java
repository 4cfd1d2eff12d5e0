package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.internal.DefaultTieredCache;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A node that loses Redis and comes back: it replays the invalidations it missed when the stream
 * still holds them, keeping the rest of its L1; when they were trimmed it cannot tell what they
 * voided, and flushes instead.
 */
class RejoinIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final CacheClasses CLASSES =
      CacheClasses.of(List.of(CacheClass.builder("c", "*").ttl(Duration.ofMinutes(5)).build()));
  private static final List<String> KEYS = IntStream.range(0, 10).mapToObj(i -> "k" + i).toList();

  @Test
  void aNodeThatReconnects_replaysWhatItMissed_andKeepsTheRestOfItsL1() {
    VersionedSource source = new VersionedSource();
    KEYS.forEach(source::write);
    try (BusFleet fleet = BusFleet.start(2, CLASSES, source, BusFleet.BUS, 0, 1)) {
      TieredCache<String> a = fleet.node(0).cache();
      TieredCache<String> b = fleet.node(1).cache();
      KEYS.forEach(b::get);

      fleet.node(1).proxy().refuse();
      long last = 0;
      for (String key : KEYS.subList(0, 5)) {
        source.write(key);
        a.invalidate(key);
        last = ((DefaultTieredCache<String>) a).invalidationWatermark();
      }
      fleet.node(1).proxy().heal();

      long published = last;
      await().atMost(WAIT).until(() -> watermark(b) >= published);
      assertThat(fleet.node(1).bus().gaps()).isZero();
      for (String key : KEYS.subList(0, 5)) {
        assertThat(VersionedSource.versionOf(b.get(key))).as(key).isEqualTo(2);
      }
      for (String key : KEYS.subList(5, 10)) {
        assertThat(b.lookup(key).tier()).as(key + " kept in L1").isEqualTo(Tier.L1);
      }
    }
  }

  @Test
  void aNodeWhoseMissedInvalidationsWereTrimmed_flushesItsL1() {
    VersionedSource source = new VersionedSource();
    KEYS.forEach(source::write);
    RedisBusOptions shortStream = BusFleet.BUS.withMaxLength(100);
    try (BusFleet fleet = BusFleet.start(2, CLASSES, source, shortStream, 0, 1)) {
      TieredCache<String> a = fleet.node(0).cache();
      TieredCache<String> b = fleet.node(1).cache();
      KEYS.forEach(b::get);

      fleet.node(1).proxy().refuse();
      source.write("k0");
      a.invalidate("k0");
      for (int i = 0; i < 400; i++) { // push k0's invalidation out of the stream
        a.invalidate("other" + i);
      }
      long published = ((DefaultTieredCache<String>) a).invalidationWatermark();
      fleet.node(1).proxy().heal();

      await().atMost(WAIT).until(() -> watermark(b) >= published);
      assertThat(fleet.node(1).bus().gaps()).isEqualTo(1);
      assertThat(VersionedSource.versionOf(b.get("k0"))).isEqualTo(2);
      for (String key : KEYS.subList(5, 10)) {
        assertThat(b.lookup(key).tier()).as(key + " flushed from L1").isNotEqualTo(Tier.L1);
      }
    }
  }

  private static long watermark(TieredCache<String> cache) {
    return ((DefaultTieredCache<String>) cache).invalidationWatermark();
  }
}
