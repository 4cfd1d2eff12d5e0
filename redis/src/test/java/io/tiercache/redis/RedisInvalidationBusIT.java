package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.spi.InvalidationBus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The invalidation bus on a real redis-server: order, replay, gaps, storms and heartbeats. */
class RedisInvalidationBusIT {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private LocalRedisServer redis;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void startRedis() {
    redis = LocalRedisServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    redis.close();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private RedisInvalidationBus bus(io.lettuce.core.RedisURI uri, String node, RedisBusOptions o) {
    return closeLater(RedisInvalidationBus.standalone(uri, node, o));
  }

  private RedisInvalidationBus bus(String node) {
    return bus(redis.uri(), node, RedisBusOptions.DEFAULT);
  }

  /** What one subscriber received. */
  private static final class Received {
    final Queue<Invalidation> delivered = new ConcurrentLinkedQueue<>();
    final Queue<Long> gaps = new ConcurrentLinkedQueue<>();
    InvalidationBus.Subscription subscription;

    Received subscribe(InvalidationBus bus, long after) {
      subscription = bus.subscribe(after, delivered::add, gaps::add);
      return this;
    }

    List<Long> sequences() {
      return delivered.stream().map(Invalidation::sequence).toList();
    }
  }

  private static Invalidation publish(InvalidationBus bus, String key) {
    return bus.publish(InvalidationRequest.key(key).because("test").by("it"), "a", Instant.now());
  }

  @Test
  void everyNode_receivesEveryInvalidation_inSequenceOrder_withContiguousSequences() {
    RedisInvalidationBus a = bus("a");
    RedisInvalidationBus b = bus("b");
    Received onA = new Received().subscribe(a, 0);
    Received onB = new Received().subscribe(b, 0);

    List<Long> published = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      published.add(publish(i % 2 == 0 ? a : b, "k" + i).sequence());
    }
    Invalidation rule =
        a.publish(InvalidationRequest.prefix("user:").because("r").by("x"), "a", Instant.now());
    published.add(rule.sequence());

    await().atMost(WAIT).until(() -> onA.delivered.size() == 51 && onB.delivered.size() == 51);
    assertThat(onA.sequences()).isEqualTo(published).isEqualTo(onB.sequences());
    for (int i = 1; i < published.size(); i++) {
      assertThat(published.get(i)).isEqualTo(published.get(i - 1) + 1);
    }
    Invalidation last = List.copyOf(onB.delivered).get(50);
    assertThat(last.request()).isEqualTo(rule.request());
    assertThat(last.originNode()).isEqualTo("a");
    assertThat(onA.gaps).isEmpty();
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(a.nodesApplied(rule.sequence())).isEqualTo(2));
    assertThat(b.nodeWatermarks()).containsOnlyKeys("a", "b");
  }

  @Test
  void keysThatNeedEscaping_travelIntact() {
    RedisInvalidationBus a = bus("a");
    Received onA = new Received().subscribe(a, 0);
    List<String> keys = List.of("a:b", "12:x", "é\u0000", "with space", "3:", ":");
    a.publish(InvalidationRequest.keys(keys), "a", Instant.now());
    await().atMost(WAIT).until(() -> onA.delivered.size() == 1);
    assertThat(onA.delivered.peek().request().values()).isEqualTo(keys);
  }

  @Test
  void aStormOfKeyInvalidations_isCoalescedIntoFewEntries_andNoKeyIsLost() throws Exception {
    RedisInvalidationBus a = bus("a");
    RedisInvalidationBus b = bus("b");
    Received onB = new Received().subscribe(b, 0);
    int threads = 16;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * perThread;
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  publish(a, "k" + (base + i));
                }
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    Set<String> keys = new HashSet<>();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              keys.clear();
              onB.delivered.forEach(inv -> keys.addAll(inv.request().values()));
              return keys.size() == threads * perThread;
            });
    long entries = streamLength();
    assertThat(entries)
        .as("stream entries for %d keys", threads * perThread)
        .isLessThan(threads * perThread / 2);
    assertThat(onB.delivered)
        .allSatisfy(
            inv ->
                assertThat(inv.request().scope())
                    .isIn(InvalidationScope.KEY, InvalidationScope.KEYS));
  }

  @Test
  void aNodeCutOffFromRedis_replaysWhatItMissed_whenItReconnects() {
    RedisInvalidationBus a = bus("a");
    FaultyProxy proxy = closeLater(FaultyProxy.start(redis.host(), redis.port()));
    RedisInvalidationBus b = bus(proxy.uri(), "b", RedisBusOptions.DEFAULT);
    Received onB = new Received().subscribe(b, 0);
    long first = publish(a, "before").sequence();
    await().atMost(WAIT).until(() -> onB.delivered.size() == 1);

    proxy.refuse();
    Instant cut = Instant.now();
    List<Long> missed = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      missed.add(publish(a, "during" + i).sequence());
    }
    await().atMost(WAIT).until(() -> onB.subscription.lastHeard().isBefore(cut));
    assertThat(onB.delivered).hasSize(1);

    proxy.heal();
    await().atMost(WAIT).until(() -> onB.delivered.size() == 101);
    assertThat(onB.sequences().subList(1, 101)).isEqualTo(missed);
    assertThat(onB.gaps).isEmpty();
    assertThat(onB.subscription.watermark()).isEqualTo(first + 100);
    assertThat(onB.subscription.lastHeard()).isAfter(cut);
  }

  @Test
  void aNodeWhoseMissedEntriesWereTrimmed_isToldOfTheGap_insteadOfAReplay() {
    RedisBusOptions small = RedisBusOptions.DEFAULT.withMaxLength(100);
    RedisInvalidationBus a = bus(redis.uri(), "a", small);
    FaultyProxy proxy = closeLater(FaultyProxy.start(redis.host(), redis.port()));
    RedisInvalidationBus b = bus(proxy.uri(), "b", small);
    Received onB = new Received().subscribe(b, 0);
    long first = publish(a, "before").sequence();
    await().atMost(WAIT).until(() -> onB.delivered.size() == 1);

    proxy.refuse();
    long last = 0;
    for (int i = 0; i < 1_000; i++) {
      last = a.publish(InvalidationRequest.prefix("p" + i), "a", Instant.now()).sequence();
    }
    proxy.heal();

    long lastPublished = last;
    await().atMost(WAIT).until(() -> onB.subscription.watermark() == lastPublished);
    assertThat(onB.gaps).hasSize(1);
    long firstRetained = onB.gaps.peek();
    assertThat(firstRetained).isGreaterThan(first + 1);
    // What is still retained is delivered after the gap, in order and without holes.
    List<Long> after = onB.sequences().subList(1, onB.delivered.size());
    assertThat(after.get(0)).isEqualTo(firstRetained);
    assertThat(after).hasSize((int) (lastPublished - firstRetained + 1));
  }

  @Test
  void aRedisThatLostItsData_keepsSequencesIncreasing_andSubscribersSeeTheGap() {
    RedisInvalidationBus a = bus("a");
    Received onA = new Received().subscribe(a, 0);
    long before = publish(a, "k").sequence();
    await().atMost(WAIT).until(() -> onA.delivered.size() == 1);

    redis.restart(); // no persistence: counter and stream are gone
    await().atMost(WAIT).until(() -> onA.gaps.size() == 1);
    long after = await().atMost(WAIT).until(() -> tryPublish(a), s -> s > 0);

    assertThat(after).isGreaterThan(before);
    await().atMost(WAIT).until(() -> onA.subscription.watermark() == after);
    assertThat(onA.gaps.peek()).isGreaterThan(before);
  }

  @Test
  void entriesOlderThanTheMaxAge_areTrimmed() {
    RedisInvalidationBus a =
        bus(redis.uri(), "a", RedisBusOptions.DEFAULT.withMaxAge(Duration.ofSeconds(1)));
    for (int i = 0; i < 10; i++) {
      publish(a, "k" + i);
    }
    assertThat(streamLength()).isEqualTo(10);
    // The trim runs at most every second; the entries are then older than a second.
    await().atMost(WAIT).until(() -> streamLength() == 0);
    long next = publish(a, "later").sequence();
    Received late = new Received().subscribe(a, next - 1);
    await().atMost(WAIT).until(() -> late.subscription.watermark() == next);
    assertThat(late.gaps).isEmpty();
  }

  private static long tryPublish(RedisInvalidationBus bus) {
    try {
      return publish(bus, "after-restart").sequence();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private long streamLength() {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return c.sync().xlen(RedisBusOptions.DEFAULT.streamKey());
    } finally {
      client.shutdown();
    }
  }
}
