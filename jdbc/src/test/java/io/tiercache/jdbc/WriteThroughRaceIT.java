package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.WritePolicy;
import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.spi.Entry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DESIGN invariant 3 for writes, against real Redis and PostgreSQL: a load that read the source
 * before a write-through and tries to install afterwards leaves the newer value in every tier. The
 * interleavings are fixed with latches: the load is held after its source read while the write
 * runs, then released; a node's L2 put (on its publication lane) is held at a gate in front of
 * Redis to make it land after another node's load or write.
 */
class WriteThroughRaceIT {
  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              CacheClass.builder("through", "*")
                  .ttl(Duration.ofMinutes(5))
                  .writePolicy(WritePolicy.WRITE_THROUGH)
                  .build()));
  @RegisterExtension static final WriteFleet fleet = new WriteFleet();

  private final InProcessInvalidationBus bus = new InProcessInvalidationBus();

  private TieredCache<String> node(HeldLoader loader) {
    return node(loader, new GatedRemoteTier(redisTier()), new SimpleMeterRegistry());
  }

  private RedisRemoteTier redisTier() {
    return fleet.redisTier();
  }

  private TieredCache<String> node(HeldLoader loader, GatedRemoteTier l2, MeterRegistry meters) {
    return fleet.closeAfterTest(
        fleet
            .builder(CLASSES)
            .loader(loader)
            .remoteTier(l2)
            .l2Options(WriteFleet.L2)
            .invalidationBus(bus)
            .meterRegistry(meters)
            .build());
  }

  private HeldLoader loader() {
    return new HeldLoader(SampleData.loader(fleet.db().source().dataSource()));
  }

  /** Waits until the node has published {@code writes} writes (L2 put and bus announcement). */
  private static void awaitPublished(MeterRegistry meters, int writes) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> meters.get("tiercache.writes.published").counter().count() >= writes);
  }

  private Entry inRedis(String key) throws Exception {
    return fleet.inRedis(key);
  }

  @Test
  void aLoadThatReadTheOldValue_cannotInstallItAfterAWriteThroughOnTheSameNode() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:1', 'old', 1)");
    HeldLoader loader = new HeldLoader(SampleData.loader(fleet.db().source().dataSource()));
    TieredCache<String> a = node(loader);
    CountDownLatch read = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    loader.holdNext(read, go);

    CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> a.get("race:1"));
    assertThat(read.await(10, TimeUnit.SECONDS)).isTrue(); // it holds "old", not yet stored
    long version = a.write("race:1", "new");
    go.countDown();
    assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo("old"); // it began before the write

    await().atMost(Duration.ofSeconds(10)).until(() -> inRedis("race:1") != null);
    assertThat(inRedis("race:1").version()).isEqualTo(version);
    Lookup<String> l1 = a.lookup("race:1");
    assertThat(l1.tier()).isEqualTo(Tier.L1);
    assertThat(l1.value()).isEqualTo("new");
    assertThat(fleet.atSource("race:1").version()).isEqualTo(version);
  }

  @Test
  void aLoadOnAnotherNodeThatReadTheOldValue_cannotInstallItAfterTheWrite() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:2', 'old', 1)");
    HeldLoader loaderB = loader();
    SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    TieredCache<String> a = node(loader(), new GatedRemoteTier(redisTier()), metersA);
    TieredCache<String> b = node(loaderB);
    CountDownLatch read = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    loaderB.holdNext(read, go);

    CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> b.get("race:2"));
    assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
    long version = a.write("race:2", "new");
    awaitPublished(metersA, 1); // the lease is void now, as it was when the put was synchronous
    go.countDown();
    load.get(10, TimeUnit.SECONDS);

    assertThat(inRedis("race:2").version()).isEqualTo(version);
    assertThat(a.lookup("race:2").value()).isEqualTo("new");
    Lookup<String> atB = b.lookup("race:2");
    assertThat(atB.value()).isEqualTo("new");
    assertThat(atB.tier()).isEqualTo(Tier.L2); // B's stale load reached neither L2 nor its L1
  }

  @Test
  void aLoadOnAnotherNodeThatStoresBeforeTheAsyncPut_isReplaced_inL2AndInItsL1() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:4', 'old', 1)");
    HeldLoader loaderB = loader();
    GatedRemoteTier l2A = new GatedRemoteTier(redisTier());
    SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    TieredCache<String> a = node(loader(), l2A, metersA);
    TieredCache<String> b = node(loaderB);
    CountDownLatch read = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    loaderB.holdNext(read, go);
    CountDownLatch putHeld = new CountDownLatch(1);
    l2A.hold(putHeld);

    CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> b.get("race:4"));
    assertThat(read.await(10, TimeUnit.SECONDS)).isTrue(); // B holds "old" and the lease
    long version = a.write("race:4", "new"); // returns with its L2 put still to come
    assertThat(a.get("race:4")).isEqualTo("new"); // A reads its own write at once
    assertThat(putHeld.await(10, TimeUnit.SECONDS)).isTrue();
    go.countDown();
    assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo("old");
    // The race happened: B's older value is in L2 and in B's L1, under a lease nothing voided.
    assertThat(inRedis("race:4").version()).isEqualTo(1);
    assertThat(b.lookup("race:4").tier()).isEqualTo(Tier.L1);

    l2A.open();
    awaitPublished(metersA, 1);

    assertThat(inRedis("race:4").version()).isEqualTo(version);
    Lookup<String> atB = b.lookup("race:4");
    assertThat(atB.value()).isEqualTo("new"); // the announcement dropped B's older copy
    assertThat(atB.tier()).isEqualTo(Tier.L2);
    Lookup<String> atA = a.lookup("race:4");
    assertThat(atA.value()).isEqualTo("new");
    assertThat(atA.tier()).isEqualTo(Tier.L1);
  }

  @Test
  void twoNodesWritingOneKey_whoseOlderPutLandsLast_leaveTheNewerVersionInEveryTier()
      throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:5', 'old', 1)");
    GatedRemoteTier l2A = new GatedRemoteTier(redisTier());
    SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    SimpleMeterRegistry metersB = new SimpleMeterRegistry();
    TieredCache<String> a = node(loader(), l2A, metersA);
    TieredCache<String> b = node(loader(), new GatedRemoteTier(redisTier()), metersB);
    CountDownLatch putHeld = new CountDownLatch(1);
    l2A.hold(putHeld);

    long older = a.write("race:5", "from A"); // its L2 put waits at the gate
    assertThat(putHeld.await(10, TimeUnit.SECONDS)).isTrue();
    long newer = b.write("race:5", "from B");
    awaitPublished(metersB, 1);
    assertThat(newer).isGreaterThan(older);
    assertThat(inRedis("race:5").version()).isEqualTo(newer);

    l2A.open(); // A's older put reaches Redis last
    awaitPublished(metersA, 1);

    assertThat(inRedis("race:5").version()).isEqualTo(newer);
    assertThat(a.get("race:5")).isEqualTo("from B");
    assertThat(b.get("race:5")).isEqualTo("from B");
    assertThat(fleet.atSource("race:5").version()).isEqualTo(newer);
  }

  @Test
  void aDeleteAfterAWrite_isNotOvertakenByTheWritesL2Put() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:7', 'old', 1)");
    GatedRemoteTier l2A = new GatedRemoteTier(redisTier());
    SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    TieredCache<String> a = node(loader(), l2A, metersA);
    CountDownLatch putHeld = new CountDownLatch(1);
    l2A.hold(putHeld);

    a.write("race:7", "new");
    assertThat(putHeld.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> delete = new CompletableFuture<>();
    Thread deleter =
        new Thread(
            () -> {
              a.delete("race:7");
              delete.complete(null);
            });
    deleter.start();
    // The delete has deleted the row and then either finished (its L2 delete done, before the
    // write's put) or blocked: waiting for the write's publication, whose put is still held.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                fleet.atSource("race:7") == null
                    && (delete.isDone()
                        || deleter.getState() == Thread.State.WAITING
                        || deleter.getState() == Thread.State.TIMED_WAITING));
    l2A.open();
    delete.get(10, TimeUnit.SECONDS);
    awaitPublished(metersA, 1);

    assertThat(inRedis("race:7")).isNull();
    assertThat(fleet.atSource("race:7")).isNull();
    assertThat(a.get("race:7")).isNull();
  }

  @Test
  void aDeleteOnAnotherNode_landingBeforeTheWritesHeldPut_isRepeatedBehindIt() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:10', 'old', 1)");
    GatedRemoteTier l2A = new GatedRemoteTier(redisTier());
    SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    TieredCache<String> a = node(loader(), l2A, metersA);
    TieredCache<String> b = node(loader());
    CountDownLatch putHeld = new CountDownLatch(1);
    l2A.hold(putHeld);

    a.write("race:10", "new"); // its L2 put waits at the gate
    assertThat(putHeld.await(10, TimeUnit.SECONDS)).isTrue();
    // B deletes the row and the key in L2 first; the in-process bus has told A when it returns.
    b.delete("race:10");
    assertThat(inRedis("race:10")).isNull();

    l2A.open(); // A's put lands after B's delete: without the repeat it would stay in L2
    awaitPublished(metersA, 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> metersA.get("tiercache.writes.redeleted").counter().count() >= 1);

    assertThat(inRedis("race:10")).isNull();
    assertThat(fleet.atSource("race:10")).isNull();
    assertThat(a.get("race:10")).isNull();
    assertThat(b.get("race:10")).isNull();
  }

  @Test
  void close_publishesTheWritesStillQueued_beforeItClosesRedis() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:8', 'old', 1)");
    GatedRemoteTier l2A = new GatedRemoteTier(redisTier());
    TieredCache<String> a = node(loader(), l2A, new SimpleMeterRegistry());
    CountDownLatch putHeld = new CountDownLatch(1);
    l2A.hold(putHeld);
    long version = a.write("race:8", "new");
    assertThat(putHeld.await(10, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Void> closed = CompletableFuture.runAsync(a::close);
    l2A.open();
    closed.get(30, TimeUnit.SECONDS);

    assertThat(inRedis("race:8").version()).isEqualTo(version);
  }

  @Test
  void aWriteThrough_isReadOnAnotherNode_withinThatNodesConsistencyWindow() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:6', 'old', 1)");
    TieredCache<String> a = node(loader());
    TieredCache<String> b = node(loader());
    assertThat(b.get("race:6")).isEqualTo("old");

    a.write("race:6", "new"); // B reads right after, as a client told of the write would

    Duration window = b.classOf("race:6").stalenessEpsilon();
    await()
        .atMost(window)
        .pollInterval(Duration.ofMillis(1))
        .until(() -> "new".equals(b.get("race:6")));
    await().atMost(Duration.ofSeconds(10)).until(() -> inRedis("race:6") != null);
    assertThat(b.lookup("race:6").value()).isEqualTo("new");
  }

  @Test
  void aWriteThrough_dropsTheOtherNodesL1Copy() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('race:3', 'old', 1)");
    SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    TieredCache<String> a = node(loader(), new GatedRemoteTier(redisTier()), metersA);
    TieredCache<String> b = node(loader());
    assertThat(b.get("race:3")).isEqualTo("old");
    assertThat(b.lookup("race:3").tier()).isEqualTo(Tier.L1);

    a.write("race:3", "new");
    awaitPublished(metersA, 1);

    Lookup<String> atB = b.lookup("race:3");
    assertThat(atB.value()).isEqualTo("new");
    assertThat(atB.tier()).isEqualTo(Tier.L2);
  }
}
