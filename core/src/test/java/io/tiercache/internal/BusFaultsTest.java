package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationDeferredException;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.L2Options;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.testing.CountingLoader;
import io.tiercache.testing.InMemoryRemoteTier;
import io.tiercache.testing.ManualClock;
import io.tiercache.testing.ScriptedBus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a node does when the bus or L2 misbehaves: consistency windows, the outage journal, gaps,
 * and invalidations delivered out of order with the node's own.
 */
class BusFaultsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ManualClock clock = ManualClock.startingAt2030();
  private final CountingLoader source = new CountingLoader();
  private final InMemoryRemoteTier l2 = new InMemoryRemoteTier();
  private final ScriptedBus bus = new ScriptedBus();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CacheClasses classes =
      CacheClasses.of(
          List.of(
              CacheClass.builder("plain", "*")
                  .ttl(Duration.ofMinutes(10))
                  .ttlJitter(0)
                  .stalenessEpsilon(Duration.ofSeconds(1))
                  .build(),
              CacheClass.builder("loose", "loose:*")
                  .ttl(Duration.ofMinutes(10))
                  .ttlJitter(0)
                  .stalenessEpsilon(Duration.ofMinutes(1))
                  .build(),
              CacheClass.builder("user", "user:*")
                  .ttl(Duration.ofMinutes(10))
                  .ttlJitter(0)
                  .l1MaxEntries(200_000)
                  .build()));
  private final List<TieredCache<String>> nodes = new ArrayList<>();
  private final TieredCache<String> a = node("a");
  private final TieredCache<String> b = node("b");

  private TieredCache<String> node(String id) {
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(classes)
            .loader(source)
            .remoteTier(l2)
            .l2Options(L2Options.DEFAULT.withBreakerOpenFor(Duration.ofMillis(100)))
            .invalidationBus(bus)
            .clock(clock)
            .executor(Runnable::run)
            .meterRegistry(id.equals("a") ? registry : new SimpleMeterRegistry())
            .nodeId(id)
            .build();
    nodes.add(cache);
    return cache;
  }

  @AfterEach
  void close() {
    nodes.forEach(TieredCache::close);
  }

  @Test
  void aNodeThatHasNotHeardTheBus_stopsServingFromL1_theClassesWhoseEpsilonItExceeds() {
    source.put("k", "v1", 1).put("loose:k", "v1", 1);
    bus.setLastHeard(0, clock.instant());
    a.get("k");
    a.get("loose:k");
    assertThat(a.lookup("k").tier()).isEqualTo(Tier.L1);

    clock.advance(Duration.ofSeconds(2)); // deaf for 2 s: past 1 s, within a minute
    assertThat(a.lookup("k").tier()).isEqualTo(Tier.L2);
    assertThat(a.lookup("loose:k").tier()).isEqualTo(Tier.L1);
    assertThat(registry.get("tiercache.l1.bypassed").tag("class", "plain").counter().count())
        .isPositive();
    assertThat(registry.get("tiercache.bus.silence").gauge().value()).isEqualTo(2.0);
    // get's own hit path, which reads L1 through its index, refuses the copy as well.
    double bypassed = registry.get("tiercache.l1.bypassed").tag("class", "plain").counter().count();
    a.get("k");
    assertThat(registry.get("tiercache.l1.bypassed").tag("class", "plain").counter().count())
        .isEqualTo(bypassed + 1); // one read, one bypass: not once more for the walk below L1
    a.getAll(List.of("k"));
    assertThat(registry.get("tiercache.l1.bypassed").tag("class", "plain").counter().count())
        .isEqualTo(bypassed + 2);

    bus.setLastHeard(0, clock.instant()); // caught up
    assertThat(a.lookup("k").tier()).isEqualTo(Tier.L1);
  }

  @Test
  void aPutThatL2DidNotTake_deletesTheOlderCopyFromL2_soNoNodeReadsItBack() {
    source.put("k", "v1", 1);
    assertThat(b.get("k")).isEqualTo("v1"); // in L2 and in b's L1
    source.put("k", "v2", 2);

    l2.setPutsFailing(true); // the put times out; deletes and the bus still work
    a.put("k", "v2", 2);
    l2.setPutsFailing(false);

    assertThat(a.get("k")).isEqualTo("v2");
    assertThat(l2.peek("k")).isNull(); // not v1, which b would copy back into its L1
    assertThat(b.get("k")).isEqualTo("v2");
    assertThat(b.lookup("k").tier()).isEqualTo(Tier.L1);
  }

  @Test
  void aPutOlderThanTheVersionInL2_isNotServedFromL1() {
    b.put("k", "v3", 3);
    a.put("k", "v2", 2); // a late write-through of an older version

    assertThat(a.get("k")).isEqualTo("v3");
    assertThat(l2.peek("k").version()).isEqualTo(3);
  }

  @Test
  void keyInvalidatedDuringAnOutage_isAppliedHere_andReachesL2AndTheBus_beforeL2IsUsedAgain() {
    source.put("k", "v1", 1);
    a.get("k");
    b.get("k");
    l2.setDown(true);
    bus.setDown(true);

    source.put("k", "v2", 2);
    assertThatThrownBy(() -> a.invalidate(InvalidationRequest.key("k").because("edit")))
        .isInstanceOf(InvalidationDeferredException.class);
    assertThat(a.get("k")).isEqualTo("v2"); // dropped here at once
    assertThat(b.get("k")).isEqualTo("v1"); // the others cannot know yet

    l2.setDown(false); // L2 is back, the bus is not: the key goes from L2, L2 stays unused
    await().atMost(WAIT).until(() -> l2.peek("k") == null);
    int l2Reads = l2.gets();
    a.invalidate("other"); // journaled behind the first, never overtaking it
    assertThat(a.lookup("k").tier()).isNotEqualTo(Tier.L2);
    assertThat(l2.gets()).isEqualTo(l2Reads);

    bus.setDown(false);
    await().atMost(WAIT).until(() -> bus.published().size() == 2);
    assertThat(bus.published().get(0).request().values()).containsExactly("k");
    assertThat(bus.published().get(1).request().values()).containsExactly("other");
    assertThat(b.get("k")).isEqualTo("v2");
    await().atMost(WAIT).until(() -> a.lookup("k").tier() != Tier.SOURCE); // L2 in use again
    assertThat(registry.get("tiercache.invalidations.replayed").counter().count()).isEqualTo(2);
  }

  @Test
  void ruleIssuedWhileTheBusIsDown_flushesThisNodesL1_andIsPublishedWhenItIsBack() {
    source.put("user:1", "u1", 1).put("loose:x", "x1", 1);
    a.get("user:1");
    b.get("user:1");
    a.get("loose:x");
    bus.setDown(true);
    source.put("user:1", "u2", 2);

    assertThatThrownBy(() -> a.invalidate(InvalidationRequest.prefix("user:")))
        .isInstanceOf(InvalidationDeferredException.class);
    assertThat(a.lookup("loose:x").tier()).isEqualTo(Tier.SOURCE); // no sequence: all of L1 went
    assertThat(a.get("user:1")).isEqualTo("u2");

    bus.setDown(false);
    await().atMost(WAIT).until(() -> bus.published().size() == 1);
    assertThat(b.get("user:1")).isEqualTo("u2");
  }

  @Test
  void aJournalOverflow_becomesOneInvalidationOfEverything() {
    source.put("user:0", "old", 1);
    b.get("user:0");
    l2.setDown(true);
    bus.setDown(true);
    for (int batch = 0; batch < 11; batch++) { // 110,000 keys: more than the journal keeps
      int from = batch * 10_000;
      List<String> keys = IntStream.range(from, from + 10_000).mapToObj(i -> "user:" + i).toList();
      assertThatThrownBy(() -> a.invalidate(InvalidationRequest.keys(keys)))
          .isInstanceOf(InvalidationDeferredException.class);
    }
    source.put("user:0", "new", 2);
    l2.setDown(false);
    bus.setDown(false);
    await().atMost(WAIT).until(() -> !bus.published().isEmpty());
    Invalidation all = bus.published().get(0);
    assertThat(all.request().scope()).isEqualTo(InvalidationScope.ALL);
    assertThat(bus.published()).hasSize(1);
    assertThat(b.get("user:0")).isEqualTo("new");
  }

  @Test
  void aGap_flushesL1_andVoidsForThisNodeTheL2EntriesStampedBeforeIt() {
    source.put("k", "v1", 1);
    a.get("k"); // in L2, generation 0
    b.get("k");
    a.invalidate("unrelated"); // sequences 1..3 exist
    a.invalidate("unrelated2");
    a.invalidate("unrelated3");
    source.put("k", "v2", 2); // as if a missed rule had voided k

    bus.gap(1, 3); // b missed everything before 3
    assertThat(b.lookup("k").tier()).isEqualTo(Tier.SOURCE);
    assertThat(b.get("k")).isEqualTo("v2");
  }

  @Test
  void anL1EntryReadBetweenItsOwnInvalidationAndAnOlderRule_isStillVoidedByTheRule() {
    source.put("user:1", "old", 1);
    a.get("user:1");
    bus.pause(0); // a hears nothing for now
    source.put("user:1", "new", 2);
    b.invalidate(InvalidationRequest.prefix("user:")); // sequence 1, not yet delivered to a
    a.invalidate("other"); // sequence 2: a applies its own at once

    assertThat(a.get("user:1")).isEqualTo("old"); // a cannot know yet; must not re-stamp it 2
    bus.resume(0);
    assertThat(a.get("user:1")).isEqualTo("new");
  }

  @Test
  void aReadOnTheIssuingNode_whileItsInvalidationIsUnderway_doesNotKeepTheOldValue() {
    // A read that lands between the L1 drop and the L2 delete must not copy the old L2 value back
    // into L1: this node's own invalidation, returning from the bus, drops nothing again.
    java.util.concurrent.atomic.AtomicReference<Runnable> beforeDelete =
        new java.util.concurrent.atomic.AtomicReference<>(() -> {});
    io.tiercache.spi.RemoteTier hooked =
        (io.tiercache.spi.RemoteTier)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {io.tiercache.spi.RemoteTier.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("delete")) {
                    beforeDelete.getAndSet(() -> {}).run();
                  }
                  try {
                    return method.invoke(l2, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    TieredCache<String> c =
        TieredCache.builder(ValueCodec.utf8())
            .classes(classes)
            .loader(source)
            .remoteTier(hooked)
            .invalidationBus(bus)
            .clock(clock)
            .executor(Runnable::run)
            .nodeId("c")
            .build();
    nodes.add(c);
    source.put("k", "v1", 1);
    c.get("k");
    source.put("k", "v2", 2);
    beforeDelete.set(() -> c.get("k")); // the read, in the middle of the invalidation
    c.invalidate("k");
    assertThat(c.get("k")).isEqualTo("v2");
  }

  @Test
  void aLeaseTakenJustBeforeL2IsHeld_isReleased_soOtherNodesDoNotWaitForItToLapse() {
    source.put("k", "v1", 1);
    bus.setDown(true);
    source.failWith( // during a's load of k, a journals an invalidation: L2 is held from then on
        key -> {
          source.failWith(null);
          assertThatThrownBy(() -> a.invalidate(InvalidationRequest.prefix("other:")))
              .isInstanceOf(InvalidationDeferredException.class);
          return null;
        });
    assertThat(a.get("k")).isEqualTo("v1");
    assertThat(l2.leaseHolder("k")).isNull();
    assertThat(l2.peek("k")).as("not stored over a journaled invalidation").isNull();
  }
}
