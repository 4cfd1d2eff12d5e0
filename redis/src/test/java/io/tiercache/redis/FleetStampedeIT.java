package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 4 on real Redis: a hot key that expires while 3 nodes x 500 callers want it is
 * loaded from the source once, and every caller gets that value.
 */
class FleetStampedeIT {
  private static final int NODES = 3;
  private static final int CALLERS_PER_NODE = 500;
  private static final long SOURCE_LATENCY_MS = 50;
  private static final String KEY = "hot:1";

  private static LocalRedisServer redis;

  private final AtomicInteger loads = new AtomicInteger();
  private Fleet fleet;

  @BeforeAll
  static void startRedis() {
    redis = LocalRedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @AfterEach
  void closeFleet() {
    fleet.close();
  }

  /**
   * The source: counts its calls and answers after {@link #SOURCE_LATENCY_MS}. Before answering it
   * holds until every other node has started waiting on the lease, so that the test proves they
   * waited for this load instead of merely arriving after its value had landed.
   */
  private Loaded<String> loadFromSource(String key) throws InterruptedException {
    loads.incrementAndGet();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> fleet.count("tiercache.lease.waits") >= NODES - 1);
    Thread.sleep(SOURCE_LATENCY_MS); // the source's latency, not a wait for a condition
    return Loaded.of("v2", 2);
  }

  private void startFleet(CacheClasses classes, Clock clock) {
    fleet = new Fleet(redis);
    for (int i = 0; i < NODES; i++) {
      fleet.node("node-" + i, b -> b.classes(classes).clock(clock).loader(this::loadFromSource));
    }
  }

  private static CacheClasses hotKeyClass(Duration ttl, Duration staleIfError) {
    return CacheClasses.of(
        List.of(
            CacheClass.builder("hot", "hot:*")
                .ttl(ttl)
                .ttlJitter(0)
                .stalenessEpsilon(staleIfError)
                .staleIfError(staleIfError)
                .build()));
  }

  @Test
  void expiredHotKey_goneFromEveryTier_isLoadedOnceAcrossNodes() throws Exception {
    // A real clock and a short TTL: Redis itself drops the key, as in production.
    startFleet(hotKeyClass(Duration.ofSeconds(2), Duration.ZERO), Clock.systemUTC());
    fleet.nodes().get(0).cache().put(KEY, "v1", 1);
    fleet.nodes().forEach(n -> assertThat(n.cache().get(KEY)).isEqualTo("v1")); // every L1 too
    await().atMost(Duration.ofSeconds(10)).until(() -> !fleet.entryExists(KEY));

    List<Lookup<String>> seen = stampede();

    assertOneLoadServedEveryone(seen);
  }

  @Test
  void hotKeyPresentButExpiredInL1AndL2_isLoadedOnceAcrossNodes() throws Exception {
    ManualClock clock = ManualClock.startingAt2030();
    Duration ttl = Duration.ofSeconds(60);
    Duration epsilon = Duration.ofSeconds(5);
    startFleet(hotKeyClass(ttl, epsilon), clock);
    fleet.nodes().get(0).cache().put(KEY, "v1", 1);
    fleet.nodes().forEach(n -> assertThat(n.cache().get(KEY)).isEqualTo("v1"));
    // Past ttl + epsilon by the cache's clock, while Redis (on real time) still holds the entry:
    // every node finds an old envelope it may not serve, rather than nothing.
    clock.advance(ttl.plus(epsilon).plusMillis(1));
    assertThat(fleet.entryExists(KEY)).isTrue();

    List<Lookup<String>> seen = stampede();

    assertOneLoadServedEveryone(seen);
  }

  /**
   * The interleaving behind a second load per expiry: node A reads the expired entry (no lease
   * held, so GET_OR_LEASE grants none) and loses the CPU before it asks for the lease with SET NX;
   * node B meanwhile takes the lease, loads and stores, which frees the lease again; A's SET NX
   * then succeeds, and A loads a value that B's load has just made fresh.
   */
  @Test
  void nodePausedBetweenReadAndLease_doesNotLoadAgainAfterAnotherNodesLoadLanded()
      throws Exception {
    ManualClock clock = ManualClock.startingAt2030();
    CacheClasses classes = hotKeyClass(Duration.ofSeconds(60), Duration.ZERO);
    fleet = new Fleet(redis);
    AtomicReference<PausingRemoteTier> pausing = new AtomicReference<>();
    Fleet.Node a =
        fleet.node(
            "a",
            tier -> {
              PausingRemoteTier.Paused paused = PausingRemoteTier.wrap(tier);
              pausing.set(paused.controls());
              return paused.tier();
            },
            n -> n.classes(classes).clock(clock).loader(this::countedLoad));
    Fleet.Node b = fleet.node("b", n -> n.classes(classes).clock(clock).loader(this::countedLoad));
    b.cache().put(KEY, "v1", 1);
    clock.advance(Duration.ofSeconds(61));

    CompletableFuture<String> onA = CompletableFuture.supplyAsync(() -> a.cache().get(KEY));
    assertThat(pausing.get().awaitPaused()).isTrue(); // A saw the expired v1 and no lease
    assertThat(b.cache().get(KEY)).isEqualTo("v2"); // B leased, loaded and stored
    pausing.get().resume();

    assertThat(onA.get(10, TimeUnit.SECONDS)).isEqualTo("v2");
    assertThat(loads).as("source loads for one expiry").hasValue(1);
  }

  private Loaded<String> countedLoad(String key) {
    loads.incrementAndGet();
    return Loaded.of("v2", 2);
  }

  private void assertOneLoadServedEveryone(List<Lookup<String>> seen) {
    assertThat(loads).hasValue(1);
    assertThat(seen).hasSize(NODES * CALLERS_PER_NODE);
    assertThat(seen).allSatisfy(l -> assertThat(l.value()).isEqualTo("v2"));
    assertThat(seen).noneMatch(Lookup::stale);
    assertThat(fleet.count("tiercache.loads", "outcome", "success")).isEqualTo(1);
    // One waiter per other node: the others on a node coalesce behind it, in-process.
    assertThat(fleet.count("tiercache.lease.waits")).isEqualTo(NODES - 1);
  }

  /**
   * Releases {@link #CALLERS_PER_NODE} threads per node at once on {@link #KEY} and returns what
   * each got. The threads only block (on the latch, the single-flight or the lease), so 1,500 of
   * them are cheap even on two cores.
   */
  private List<Lookup<String>> stampede() throws Exception {
    CountDownLatch ready = new CountDownLatch(NODES * CALLERS_PER_NODE);
    CountDownLatch go = new CountDownLatch(1);
    List<ExecutorService> pools = new ArrayList<>();
    List<Future<Lookup<String>>> calls = new ArrayList<>();
    try {
      for (Fleet.Node node : fleet.nodes()) {
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS_PER_NODE);
        pools.add(pool);
        for (int i = 0; i < CALLERS_PER_NODE; i++) {
          calls.add(
              pool.submit(
                  () -> {
                    ready.countDown();
                    assertThat(go.await(30, TimeUnit.SECONDS)).isTrue();
                    return node.cache().lookup(KEY);
                  }));
        }
      }
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      List<Lookup<String>> seen = new ArrayList<>();
      for (Future<Lookup<String>> call : calls) {
        seen.add(call.get(30, TimeUnit.SECONDS));
      }
      return seen;
    } finally {
      pools.forEach(ExecutorService::shutdownNow);
    }
  }
}
