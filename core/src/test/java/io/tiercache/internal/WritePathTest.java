package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.ImmutableValueException;
import io.tiercache.InvalidConfigException;
import io.tiercache.L2Options;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.TieredCacheBuilder;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackFullException;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.DataSize;
import io.tiercache.classes.ExpiryMode;
import io.tiercache.classes.WritePolicy;
import io.tiercache.testing.InMemoryRemoteTier;
import io.tiercache.testing.InMemorySource;
import io.tiercache.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each write policy's logic over an in-memory L2 and source; the real ones are tested in ITs. */
class WritePathTest {
  private static final CacheClasses CLASSES =
      CacheClasses.of(
          List.of(
              policy("through", "wt:*", WritePolicy.WRITE_THROUGH),
              policy("around", "wa:*", WritePolicy.WRITE_AROUND),
              policy("once", "blob:*", WritePolicy.WRITE_ONCE),
              policy("session", "session:*", WritePolicy.WRITE_BACK).toBuilder()
                  .expiryMode(ExpiryMode.SLIDING)
                  .ttl(Duration.ofMinutes(30))
                  .build()));

  @TempDir Path journalDir;
  private final ManualClock clock = ManualClock.startingAt2030();
  private final InMemorySource source = new InMemorySource();
  private final InMemoryRemoteTier l2 = new InMemoryRemoteTier();
  private final List<TieredCache<String>> caches = new ArrayList<>();

  private static CacheClass policy(String name, String pattern, WritePolicy p) {
    return CacheClass.builder(name, pattern)
        .ttl(Duration.ofMinutes(5))
        .ttlJitter(0)
        .writePolicy(p)
        .build();
  }

  private WriteBackOptions writeBack() {
    return WriteBackOptions.in(journalDir)
        .withRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
        .withCloseTimeout(Duration.ZERO); // tests that leave writes pending need not wait
  }

  private TieredCacheBuilder<String> builder() {
    return TieredCache.builder(ValueCodec.utf8())
        .classes(CLASSES)
        .loader(source)
        .writer(source)
        .remoteTier(l2)
        .clock(clock)
        .executor(Runnable::run)
        .meterRegistry(new SimpleMeterRegistry())
        .l2Options(L2Options.DEFAULT.withTimeout(Duration.ofSeconds(5)));
  }

  private TieredCache<String> open(TieredCacheBuilder<String> b) {
    TieredCache<String> c = b.build();
    caches.add(c);
    return c;
  }

  @AfterEach
  void close() {
    caches.forEach(TieredCache::close);
  }

  @Test
  void writeThrough_writesTheSourceFirst_thenL1AndL2_withTheSourcesVersion() {
    TieredCache<String> cache = open(builder());

    long version = cache.write("wt:1", "v1");

    assertThat(source.row("wt:1").value()).isEqualTo("v1");
    assertThat(source.row("wt:1").version()).isEqualTo(version);
    Lookup<String> read = cache.lookup("wt:1"); // at once, from L1; L2 follows on the lane
    assertThat(read.tier()).isEqualTo(Tier.L1);
    assertThat(read.value()).isEqualTo("v1");
    await().atMost(Duration.ofSeconds(10)).until(() -> l2.peek("wt:1") != null);
    assertThat(l2.peek("wt:1").version()).isEqualTo(version);
    assertThat(source.loads()).isZero();
  }

  @Test
  void writeThrough_whoseL2PutFails_isCounted_andNoOlderCopySurvivesInL2() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TieredCache<String> cache = open(builder().meterRegistry(meters));
    source.put("wt:1", "old", 1);
    assertThat(cache.get("wt:1")).isEqualTo("old");
    assertThat(l2.peek("wt:1").version()).isEqualTo(1);

    l2.setDown(true);
    cache.write("wt:1", "new");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> meters.get("tiercache.writes.publish.failures").counter().count() == 1);
    assertThat(cache.get("wt:1")).isEqualTo("new"); // this node keeps its own write
    l2.setDown(false);

    // The outage journal's replay deletes the key from L2 before anything reads L2 again.
    await().atMost(Duration.ofSeconds(10)).until(() -> l2.peek("wt:1") == null);
    assertThat(cache.get("wt:1")).isEqualTo("new");
  }

  @Test
  void aPutOfAnOlderVersion_leavesTheNewerOneInL2() {
    TieredCache<String> cache = open(builder());
    cache.put("wt:1", "newer", 20);
    cache.put("wt:1", "older", 10);

    assertThat(l2.peek("wt:1").version()).isEqualTo(20);
  }

  @Test
  void writeThrough_racingALoadThatReadTheOldValue_leavesTheNewValueInEveryTier() throws Exception {
    TieredCache<String> cache = open(builder());
    source.put("wt:1", "old", 1);
    CountDownLatch loadRead = new CountDownLatch(1);
    CountDownLatch loadGo = new CountDownLatch(1);
    source.holdNextLoad(loadRead, loadGo);

    CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> cache.get("wt:1"));
    assertThat(loadRead.await(10, TimeUnit.SECONDS)).isTrue(); // the load holds "old", unstored
    long version = cache.write("wt:1", "new");
    loadGo.countDown();
    load.get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> l2.peek("wt:1").version() == version);
    Lookup<String> read = cache.lookup("wt:1");
    assertThat(read.value()).isEqualTo("new");
    assertThat(read.tier()).isEqualTo(Tier.L1);
  }

  @Test
  void writeAround_writesTheSource_andInvalidatesEveryTier() {
    TieredCache<String> cache = open(builder());
    source.put("wa:1", "old", 1);
    assertThat(cache.get("wa:1")).isEqualTo("old");

    cache.write("wa:1", "new");

    assertThat(l2.peek("wa:1")).isNull();
    Lookup<String> read = cache.lookup("wa:1");
    assertThat(read.tier()).isEqualTo(Tier.SOURCE);
    assertThat(read.value()).isEqualTo("new");
  }

  @Test
  void writeOnce_keepsTheFirstContent_acceptsItAgain_andRefusesOther() {
    TieredCache<String> cache = open(builder());

    long first = cache.write("blob:abc", "content");
    long again = cache.write("blob:abc", "content");

    assertThat(again).isEqualTo(first);
    assertThatThrownBy(() -> cache.write("blob:abc", "other"))
        .isInstanceOf(ImmutableValueException.class)
        .hasMessageContaining("blob:abc");
    assertThat(source.row("blob:abc").value()).isEqualTo("content");
    assertThat(source.row("blob:abc").version()).isEqualTo(first);
    assertThat(cache.get("blob:abc")).isEqualTo("content");
  }

  @Test
  void writeOnce_ofAKeyClaimedForOtherContent_isRefused_withoutWritingTheSource() {
    TieredCache<String> cache = open(builder());
    l2.claimOnce("blob:new", "digest of other content", Duration.ofMinutes(1));

    assertThatThrownBy(() -> cache.write("blob:new", "content"))
        .isInstanceOf(ImmutableValueException.class);
    assertThat(source.row("blob:new")).isNull();
  }

  @Test
  void writeOnce_withL2Down_isDecidedByTheSourcesInsert() {
    TieredCache<String> cache = open(builder());
    assertThat(cache.get("blob:new")).isNull(); // L1 now says absent
    source.put("blob:new", "first", 1); // another node's write, which nothing told this one of
    l2.setDown(true); // no claim to be had

    assertThatThrownBy(() -> cache.write("blob:new", "second"))
        .isInstanceOf(ImmutableValueException.class);
    assertThat(source.row("blob:new").value()).isEqualTo("first");
    assertThat(cache.write("blob:new", "first")).isEqualTo(1); // the same content: a no-op
  }

  @Test
  void aPolicyThatNeedsAWriter_failsClearly_withoutOne() {
    TieredCache<String> cache =
        open(TieredCache.builder(ValueCodec.utf8()).classes(CLASSES).loader(source).clock(clock));

    assertThatThrownBy(() -> cache.write("wt:1", "v"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("set a CacheWriter");
    assertThatThrownBy(() -> cache.write("session:1", "v"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("write_back");
  }

  @Test
  void writeBack_isReadOnThisNodeAtOnce_andReachesTheSourceLater() {
    source.failWith(k -> new IllegalStateException("source down"));
    TieredCache<String> cache = open(builder().writeBack(writeBack()));

    long version = cache.write("session:1", "state");

    assertThat(cache.get("session:1")).isEqualTo("state");
    assertThat(l2.peek("session:1").version()).isEqualTo(version); // other nodes read it from L2
    assertThat(source.row("session:1")).isNull();
    source.failWith(null);
    await().atMost(Duration.ofSeconds(10)).until(() -> source.row("session:1") != null);
    assertThat(source.row("session:1").version()).isEqualTo(version);
  }

  @Test
  void writeBack_pendingWrites_areReadFromThePendingSet_evenWhenTheTiersLostThem() {
    source.failWith(k -> k.startsWith("session:") ? new IllegalStateException("down") : null);
    TieredCache<String> cache = open(builder().writeBack(writeBack()));
    cache.write("session:1", "pending");

    l2.delete(List.of("session:1"));
    cache.invalidate("session:1"); // every tier drops it; the source does not have it yet

    assertThat(cache.get("session:1")).isEqualTo("pending");
  }

  @Test
  void writeBack_coalescesRewritesOfAKey_andTheSourceGetsTheLast() {
    source.failWith(k -> new IllegalStateException("source down"));
    TieredCache<String> cache = open(builder().writeBack(writeBack()));
    long last = 0;
    for (int i = 0; i < 100; i++) {
      last = cache.write("session:1", "v" + i);
    }
    WriteBack<String> wb = ((DefaultTieredCache<String>) cache).writeBack();
    assertThat(wb.pendingCount()).isEqualTo(1);

    source.failWith(null);
    await().atMost(Duration.ofSeconds(10)).until(() -> wb.pendingCount() == 0);
    assertThat(source.row("session:1").value()).isEqualTo("v99");
    assertThat(source.row("session:1").version()).isEqualTo(last);
  }

  @Test
  void writeBack_lagIsTheAgeOfTheOldestPendingWrite() {
    source.failWith(k -> new IllegalStateException("source down"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TieredCache<String> cache = open(builder().writeBack(writeBack()).meterRegistry(meters));
    cache.write("session:1", "a");
    clock.advance(Duration.ofSeconds(7));
    cache.write("session:2", "b");

    assertThat(meters.get("tiercache.writeback.lag").timeGauge().value(TimeUnit.SECONDS))
        .isEqualTo(7.0);
    assertThat(meters.get("tiercache.writeback.pending").gauge().value()).isEqualTo(2.0);
  }

  @Test
  void writeBack_leftPendingAtClose_isReplayedAndFlushedByTheNextStart() {
    source.failWith(k -> new IllegalStateException("source down"));
    TieredCache<String> first =
        builder().writeBack(writeBack().withCloseTimeout(Duration.ZERO)).build();
    long version = first.write("session:1", "survives");
    first.close();
    assertThat(source.row("session:1")).isNull();

    source.failWith(null);
    TieredCache<String> second = open(builder().writeBack(writeBack()));

    await().atMost(Duration.ofSeconds(10)).until(() -> source.row("session:1") != null);
    assertThat(source.row("session:1").value()).isEqualTo("survives");
    assertThat(source.row("session:1").version()).isEqualTo(version);
    assertThat(second.write("session:1", "next")).isGreaterThan(version);
  }

  @Test
  void writeBack_replayedAfterACrash_replacesTheOlderCopyLeftInL2() {
    TieredCache<String> first =
        builder().writeBack(writeBack().withCloseTimeout(Duration.ZERO)).build();
    first.write("session:1", "v1");
    await().atMost(Duration.ofSeconds(10)).until(() -> source.row("session:1") != null);
    source.failWith(k -> new IllegalStateException("source down"));
    l2.setDown(true); // the next write's L2 put is lost, as in a crash right after journaling
    long v2 = first.write("session:1", "v2");
    first.close();
    l2.setDown(false);
    assertThat(l2.peek("session:1").version()).isLessThan(v2); // L2 still holds v1

    TieredCache<String> second = open(builder().writeBack(writeBack()));

    assertThat(l2.peek("session:1").version()).isEqualTo(v2);
    assertThat(second.get("session:1")).isEqualTo("v2");
  }

  @Test
  void writeBack_atItsBound_refusesNewWrites_andKeepsEveryAcknowledgedOne() {
    source.failWith(k -> new IllegalStateException("source down"));
    WriteBackOptions small =
        writeBack().withJournalSize(DataSize.ofBytes(16 * 1024), DataSize.ofBytes(4096));
    TieredCache<String> cache = open(builder().writeBack(small));
    List<String> acknowledged = new ArrayList<>();
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 10_000; i++) {
                cache.write("session:" + i, "x".repeat(100));
                acknowledged.add("session:" + i);
              }
            })
        .isInstanceOf(WriteBackFullException.class);

    source.failWith(null);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> acknowledged.stream().allMatch(k -> source.row(k) != null));
    cache.write("session:more", "room again"); // flushed segments were deleted
  }

  @Test
  void writeBack_closeFlushesEveryPendingWrite() {
    TieredCache<String> cache =
        builder().writeBack(writeBack().withCloseTimeout(Duration.ofSeconds(10))).build();
    for (int i = 0; i < 50; i++) {
      cache.write("session:" + i, "v" + i);
    }
    cache.close();
    for (int i = 0; i < 50; i++) {
      assertThat(source.row("session:" + i).value()).isEqualTo("v" + i);
    }
  }

  @Test
  void withL2Down_writesStillSucceed_andThisNodeReadsThem() {
    TieredCache<String> cache = open(builder().writeBack(writeBack()));
    l2.setDown(true);

    long through = cache.write("wt:1", "v1");
    cache.write("session:1", "s1");

    assertThat(source.row("wt:1").version()).isEqualTo(through);
    assertThat(cache.get("wt:1")).isEqualTo("v1");
    assertThat(cache.get("session:1")).isEqualTo("s1");
    await().atMost(Duration.ofSeconds(10)).until(() -> source.row("session:1") != null);
  }

  @Test
  void aFailedSourceWrite_reachesTheCaller_andDropsTheCachedCopy() {
    TieredCache<String> cache = open(builder());
    source.put("wt:1", "old", 1);
    assertThat(cache.get("wt:1")).isEqualTo("old");
    source.failWith(k -> new IllegalStateException("constraint violated"));

    assertThatThrownBy(() -> cache.write("wt:1", "new"))
        .isInstanceOf(io.tiercache.WriteFailedException.class)
        .hasMessageContaining("constraint violated");
    assertThat(l2.peek("wt:1")).isNull();
    source.failWith(null);
    assertThat(cache.lookup("wt:1").tier()).isEqualTo(Tier.SOURCE);
  }

  @Test
  void delete_writeThrough_removesFromTheSourceAndEveryTier() {
    TieredCache<String> cache = open(builder());
    cache.write("wt:1", "v");

    cache.delete("wt:1");

    assertThat(source.row("wt:1")).isNull();
    assertThat(l2.peek("wt:1")).isNull();
    assertThat(cache.get("wt:1")).isNull();
  }

  @Test
  void delete_writeBack_isReadAsAbsentAtOnce_andReachesTheSource() {
    TieredCache<String> cache = open(builder().writeBack(writeBack()));
    cache.write("session:1", "v");
    await().atMost(Duration.ofSeconds(10)).until(() -> source.row("session:1") != null);

    cache.delete("session:1");

    assertThat(cache.get("session:1")).isNull();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.row("session:1") == null);
  }
}
