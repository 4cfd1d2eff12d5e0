package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tiercache.ImmutableValueException;
import io.tiercache.TieredCache;
import io.tiercache.TieredCacheBuilder;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.WritePolicy;
import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.spi.Entry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Write-once across nodes, against real Redis and PostgreSQL: two nodes that both found a new key
 * absent and write different content to it end with exactly one winner, the other refused, and the
 * winner in every tier. "Both found it absent" is fixed by giving each node its own bus: the second
 * node's L1 keeps the absent copy it read before the first node wrote, as a node whose check ran
 * just before the other's write would.
 */
class WriteOnceRaceIT {
  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              CacheClass.builder("blob", "*")
                  .ttl(Duration.ofMinutes(5))
                  .writePolicy(WritePolicy.WRITE_ONCE)
                  .build()));
  @RegisterExtension static final WriteFleet fleet = new WriteFleet();

  private TieredCache<String> node(InProcessInvalidationBus bus, boolean withL2) {
    TieredCacheBuilder<String> b = fleet.builder(CLASSES).invalidationBus(bus);
    if (withL2) {
      b.remoteTier(fleet.redisTier()).l2Options(WriteFleet.L2);
    }
    return fleet.closeAfterTest(b.build());
  }

  private Entry inRedis(String key) throws Exception {
    return fleet.inRedis(key);
  }

  private String inPostgres(String key) throws Exception {
    return fleet.atSource(key).value();
  }

  private void awaitInRedis(String key, String value) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              Entry e = inRedis(key);
              return e != null && value.equals(new String(e.value(), StandardCharsets.UTF_8));
            });
  }

  @Test
  void twoNodesThatFoundANewKeyAbsent_writingDifferentContent_oneWins_everyTierHoldsIt()
      throws Exception {
    TieredCache<String> a = node(new InProcessInvalidationBus(), true);
    TieredCache<String> b = node(new InProcessInvalidationBus(), true);
    String key = "blob:" + UUID.randomUUID();
    assertThat(a.get(key)).isNull();
    assertThat(b.get(key)).isNull(); // B's L1 now says "absent", and nothing will tell it otherwise

    long version = a.write(key, "first");
    assertThatThrownBy(() -> b.write(key, "second")).isInstanceOf(ImmutableValueException.class);

    assertThat(inPostgres(key)).isEqualTo("first");
    awaitInRedis(key, "first");
    assertThat(inRedis(key).version()).isEqualTo(version);
    assertThat(a.get(key)).isEqualTo("first");
    assertThat(b.get(key)).isEqualTo("first");
    assertThat(b.write(key, "first")).isEqualTo(version); // the same content: a no-op
  }

  @Test
  void aWriteOnceReturnsOnlyOnceItsPutIsInL2_soAnotherNodeReadsTheContentRightAfter()
      throws Exception {
    InProcessInvalidationBus bus = new InProcessInvalidationBus();
    GatedRemoteTier l2A = new GatedRemoteTier(fleet.redisTier());
    TieredCache<String> a =
        fleet.closeAfterTest(
            fleet
                .builder(CLASSES)
                .remoteTier(l2A)
                .l2Options(WriteFleet.L2)
                .invalidationBus(bus)
                .build());
    TieredCache<String> b = node(bus, true);
    String key = "blob:" + UUID.randomUUID();
    assertThat(b.get(key)).isNull(); // L2 now holds "absent" for the key
    CountDownLatch putHeld = new CountDownLatch(1);
    l2A.hold(putHeld);

    CompletableFuture<Long> write = CompletableFuture.supplyAsync(() -> a.write(key, "content"));
    assertThat(putHeld.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(write).as("returned while its L2 put was held").isNotDone();
    l2A.open();
    long version = write.get(10, TimeUnit.SECONDS);

    assertThat(b.lookup(key).value()).isEqualTo("content"); // not the "absent" L2 held before
    assertThat(inRedis(key).version()).isEqualTo(version);
  }

  @Test
  void withoutL2_thePostgresInsertDecides() throws Exception {
    TieredCache<String> a = node(new InProcessInvalidationBus(), false);
    TieredCache<String> b = node(new InProcessInvalidationBus(), false);
    String key = "blob:" + UUID.randomUUID();
    assertThat(a.get(key)).isNull();
    assertThat(b.get(key)).isNull();

    long version = a.write(key, "first");
    assertThatThrownBy(() -> b.write(key, "second")).isInstanceOf(ImmutableValueException.class);

    assertThat(inPostgres(key)).isEqualTo("first");
    assertThat(a.get(key)).isEqualTo("first");
    assertThat(b.get(key)).isEqualTo("first");
    assertThat(b.write(key, "first")).isEqualTo(version);
  }

  @Test
  void twoNodesRacingDifferentContentToNewKeys_exactlyOneWinsEachKey() throws Exception {
    InProcessInvalidationBus bus = new InProcessInvalidationBus();
    TieredCache<String> a = node(bus, true);
    TieredCache<String> b = node(bus, true);
    for (int round = 0; round < 20; round++) {
      String key = "blob:" + UUID.randomUUID();
      CyclicBarrier start = new CyclicBarrier(2);
      CompletableFuture<Long> byA = CompletableFuture.supplyAsync(() -> write(a, key, "A", start));
      CompletableFuture<Long> byB = CompletableFuture.supplyAsync(() -> write(b, key, "B", start));
      String winner = outcome(byA) ? "A" : "B";
      assertThat(outcome(byA)).as("round %d: exactly one wins", round).isNotEqualTo(outcome(byB));

      assertThat(inPostgres(key)).isEqualTo(winner);
      awaitInRedis(key, winner);
      assertThat(a.get(key)).isEqualTo(winner);
      assertThat(b.get(key)).isEqualTo(winner);
    }
  }

  private static long write(TieredCache<String> node, String key, String value, CyclicBarrier go) {
    try {
      go.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return node.write(key, value);
  }

  /** Whether the write succeeded; it may only fail as refused. */
  private static boolean outcome(CompletableFuture<Long> write) throws Exception {
    try {
      write.get(10, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ImmutableValueException.class);
      return false;
    }
  }
}
