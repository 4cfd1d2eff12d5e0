package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.InvalidConfigException;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.InMemoryRemoteTier;
import io.tiercache.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Invalidation by key, list, prefix, tag, class and everything, across two nodes. */
class InvalidationTest {
  private final ManualClock clock = ManualClock.startingAt2030();
  private final CountingLoader source = new CountingLoader();
  private final InMemoryRemoteTier l2 = new InMemoryRemoteTier();
  private final InProcessInvalidationBus bus = new InProcessInvalidationBus();
  private final CacheClasses classes =
      CacheClasses.of(
          List.of(
              CacheClass.builder("plain", "*").ttl(Duration.ofMinutes(10)).ttlJitter(0).build(),
              CacheClass.builder("user", "user:*")
                  .ttl(Duration.ofMinutes(10))
                  .tags(Set.of("users"))
                  .l1MaxEntries(200_000)
                  .build()));
  private final TieredCache<String> a = node("a");
  private final TieredCache<String> b = node("b");

  private TieredCache<String> node(String id) {
    return TieredCache.builder(ValueCodec.utf8())
        .classes(classes)
        .loader(source)
        .remoteTier(l2)
        .invalidationBus(bus)
        .clock(clock)
        .executor(Runnable::run)
        .meterRegistry(new SimpleMeterRegistry())
        .nodeId(id)
        .build();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private void readEverywhere(String key) {
    a.get(key);
    b.get(key);
  }

  @Test
  void keyInvalidation_dropsEveryNodesL1AndL2() {
    source.put("k", "v1", 1);
    readEverywhere("k");
    source.put("k", "v2", 2);
    Invalidation inv = a.invalidate(InvalidationRequest.key("k").because("edited").by("alice"));
    assertThat(inv.sequence()).isEqualTo(1);
    assertThat(l2.peek("k")).isNull();
    assertThat(b.lookup("k").value()).isEqualTo("v2");
  }

  @Test
  void prefixInvalidation_voidsOlderEntriesUnderThePrefixOnly() {
    source.put("user:1", "u1", 1).put("user:2", "u2", 1).put("order:1", "o1", 1);
    List.of("user:1", "user:2", "order:1").forEach(this::readEverywhere);
    source.put("user:1", "u1-new", 2).put("order:1", "o1-new", 2);
    b.invalidate(InvalidationRequest.prefix("user:"));
    assertThat(a.get("user:1")).isEqualTo("u1-new");
    assertThat(b.get("user:1")).isEqualTo("u1-new");
    assertThat(a.get("order:1")).isEqualTo("o1"); // not under the prefix
    assertThat(a.lookup("user:1").tier()).isEqualTo(Tier.L1); // reloaded entries are valid
  }

  @Test
  void tagAndClassInvalidation_voidMatchingEntries() {
    source.put("user:1", "u1", 1).put("order:1", "o1", 1);
    readEverywhere("user:1");
    readEverywhere("order:1");
    source.put("user:1", "u1-new", 2).put("order:1", "o1-new", 2);
    a.invalidate(InvalidationRequest.tag("users"));
    assertThat(b.get("user:1")).isEqualTo("u1-new");
    assertThat(b.get("order:1")).isEqualTo("o1");
    b.invalidate(InvalidationRequest.cacheClass("plain"));
    assertThat(a.get("order:1")).isEqualTo("o1-new");
  }

  @Test
  void everything_voidsEveryEntry_inO1() {
    int n = 100_000;
    IntStream.range(0, n).forEach(i -> source.put("user:" + i, "v" + i, 1));
    a.getAll(IntStream.range(0, n).mapToObj(i -> "user:" + i).toList());
    IntStream.range(0, n).forEach(i -> source.put("user:" + i, "w" + i, 2));
    long start = System.nanoTime();
    b.invalidate(InvalidationRequest.everything().because("deploy"));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMs).as("a rule, not a scan").isLessThan(50);
    for (int i = 0; i < n; i += 997) {
      assertThat(a.get("user:" + i)).isEqualTo("w" + i);
    }
  }

  @Test
  void loadInFlightDuringAClassInvalidation_isVoidAfterwards() throws Exception {
    source.put("user:1", "old", 1);
    source.delay(300);
    Thread loader = new Thread(() -> a.get("user:1"));
    loader.start();
    org.awaitility.Awaitility.await().until(() -> source.loads() == 1);
    source.put("user:1", "new", 2); // the load above has already read "old"? it reads after delay
    b.invalidate(InvalidationRequest.cacheClass("user"));
    loader.join();
    source.delay(0);
    // whatever the in-flight load read, a value loaded under an older generation is void now
    assertThat(b.get("user:1")).isEqualTo("new");
    assertThat(a.get("user:1")).isEqualTo("new");
  }

  @Test
  void writeOnOneNode_dropsTheOtherNodesL1Copy() {
    source.put("k", "v1", 1);
    readEverywhere("k");
    a.put("k", "v2", 2);
    assertThat(a.lookup("k").tier()).isEqualTo(Tier.L1);
    assertThat(b.lookup("k").value()).isEqualTo("v2");
  }

  @Test
  void unknownClass_isRejected_andNothingIsPublished() {
    assertThatThrownBy(() -> a.invalidate(InvalidationRequest.cacheClass("nope")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("nope");
    assertThat(((DefaultTieredCache<String>) a).invalidationWatermark()).isZero();
  }
}
