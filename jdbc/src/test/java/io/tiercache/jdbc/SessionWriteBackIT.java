package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.ExpiryMode;
import io.tiercache.classes.WritePolicy;
import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.testing.ManualClock;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped {@code session} class end to end (write-back, sliding expiry) on two nodes sharing a
 * real Redis and PostgreSQL: the writing node reads its pending write, the other reads it from L2,
 * reads keep it alive past its TTL, and PostgreSQL gets it.
 */
class SessionWriteBackIT {
  @RegisterExtension static final WriteFleet fleet = new WriteFleet();

  @TempDir Path journals;
  private final InProcessInvalidationBus bus = new InProcessInvalidationBus();
  private final ManualClock clock = ManualClock.startingAt2030();

  private TieredCache<String> node(String name) {
    return fleet.closeAfterTest(
        fleet
            .builder(CacheClasses.defaults())
            .writeBack(WriteBackOptions.in(journals.resolve(name)))
            .remoteTier(fleet.redisTier())
            .l2Options(WriteFleet.L2)
            .invalidationBus(bus)
            .nodeId(name)
            .clock(clock)
            .build());
  }

  private String inPostgres(String key) throws Exception {
    var row = fleet.atSource(key);
    return row == null ? null : row.value();
  }

  @Test
  void theSessionClass_isWriteBackWithSlidingExpiry() {
    var session = CacheClasses.defaults().byName("session").orElseThrow();
    assertThat(session.writePolicy()).isEqualTo(WritePolicy.WRITE_BACK);
    assertThat(session.expiryMode()).isEqualTo(ExpiryMode.SLIDING);
  }

  @Test
  void aSessionWrite_isReadByBothNodes_atOnce_andReachesPostgres() throws SQLException {
    TieredCache<String> a = node("a");
    TieredCache<String> b = node("b");

    long version = a.write("session:42", "cart=3");

    Lookup<String> atA = a.lookup("session:42");
    assertThat(atA.value()).isEqualTo("cart=3");
    assertThat(atA.tier()).isEqualTo(Tier.L1);
    Lookup<String> atB = b.lookup("session:42");
    assertThat(atB.value()).isEqualTo("cart=3");
    assertThat(atB.tier()).isEqualTo(Tier.L2);
    assertThat(atB.version()).isEqualTo(version);
    await().atMost(Duration.ofSeconds(30)).until(() -> "cart=3".equals(inPostgres("session:42")));
  }

  @Test
  void aNewerSessionWrite_replacesTheOtherNodesL1Copy() {
    TieredCache<String> a = node("a");
    TieredCache<String> b = node("b");
    a.write("session:7", "v1");
    assertThat(b.get("session:7")).isEqualTo("v1");
    assertThat(b.lookup("session:7").tier()).isEqualTo(Tier.L1);

    a.write("session:7", "v2");

    assertThat(b.get("session:7")).isEqualTo("v2");
  }

  @Test
  void readsKeepASessionAlivePastItsTtl_andAnIdleOneExpires() throws SQLException {
    TieredCache<String> a = node("a");
    TieredCache<String> b = node("b");
    a.write("session:9", "alive");

    for (int i = 0; i < 4; i++) { // 80 minutes of activity with a 30-minute TTL
      clock.advance(Duration.ofMinutes(20));
      Lookup<String> read = a.lookup("session:9");
      assertThat(read.value()).isEqualTo("alive");
      assertThat(read.tier()).isEqualTo(Tier.L1);
    }
    Lookup<String> other = b.lookup("session:9");
    assertThat(other.tier()).isEqualTo(Tier.L2); // the slid deadline reached L2 too
    assertThat(other.freshUntil()).isAfter(clock.instant().plus(Duration.ofMinutes(29)));

    await().atMost(Duration.ofSeconds(30)).until(() -> "alive".equals(inPostgres("session:9")));
    clock.advance(Duration.ofMinutes(31)); // idle past the TTL
    Lookup<String> afterIdle = a.lookup("session:9");
    assertThat(afterIdle.tier()).isEqualTo(Tier.SOURCE);
    assertThat(afterIdle.value()).isEqualTo("alive");
  }
}
