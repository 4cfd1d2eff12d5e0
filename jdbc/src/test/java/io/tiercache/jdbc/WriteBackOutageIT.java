package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.Loaded;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackFullException;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.DataSize;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-back while PostgreSQL is unreachable (through a proxy the test cuts; the shared server
 * keeps running): writes keep being acknowledged and reach the database once it is back; at the
 * journal's bound new writes fail fast and none acknowledged is dropped.
 *
 * <p>The outage lasts {@code -Dtiercache.it.outage} (default 10s; the figure is 30s). The
 * flusher's backoff reaches its cap (500 ms here) after four failures, so a longer outage only
 * repeats capped retries; the test checks that it did retry through the whole outage.
 */
class WriteBackOutageIT {
  private static final Duration OUTAGE =
      Duration.parse("PT" + System.getProperty("tiercache.it.outage", "10s").toUpperCase());

  private static Database.Opened db;
  @TempDir Path journal;
  private TcpProxy proxy;
  private JdbcSource proxied;
  private TieredCache<String> cache;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeAll
  static void open() {
    db = Database.POSTGRES.open();
  }

  @AfterAll
  static void close() throws SQLException {
    db.close();
  }

  @BeforeEach
  void connectThroughAProxy() throws Exception {
    proxy = TcpProxy.to("127.0.0.1", 5432);
    JdbcOptions direct = db.source().options();
    proxied =
        JdbcSource.open(
            direct
                .withUrl(
                    "jdbc:postgresql://127.0.0.1:"
                        + proxy.port()
                        + "/test?connectTimeout=2&socketTimeout=10")
                .withConnectionTimeout(Duration.ofMillis(500)));
  }

  @AfterEach
  void closeAll() throws Exception {
    if (cache != null) {
      cache.close();
    }
    proxied.close();
    proxy.close();
  }

  private TieredCache<String> node(WriteBackOptions options) {
    return TieredCache.builder(ValueCodec.utf8())
        .classes(CacheClasses.defaults())
        .loader(SampleData.loader(proxied.dataSource()))
        .writer(SampleData.writer(proxied.dataSource()))
        .writeBack(options.withRetryBackoff(Duration.ofMillis(50), Duration.ofMillis(500)))
        .meterRegistry(meters)
        .build();
  }

  @Test
  void writesAreAcknowledgedThroughAnOutage_andReachPostgresWhenItReturns() throws Exception {
    cache = node(WriteBackOptions.in(journal));
    Map<String, Long> acked = new HashMap<>();
    acked.put("session:warm", cache.write("session:warm", "before"));
    await().atMost(Duration.ofSeconds(30)).until(() -> inPostgres(acked));

    proxy.cut();
    long end = System.nanoTime() + OUTAGE.toNanos();
    int i = 0;
    while (System.nanoTime() < end) {
      String key = "session:" + (i++ % 500);
      acked.put(key, cache.write(key, "during-" + i)); // acknowledged: no exception
    }
    double failuresDuringOutage =
        meters.get("tiercache.writeback.flush.failures").counter().count();
    assertThat(inPostgres(acked)).isFalse();
    // An attempt costs the pool's connection timeout (500 ms) plus the capped backoff (500 ms):
    // the flusher kept retrying through the outage, at least once every two seconds.
    assertThat(failuresDuringOutage).isGreaterThanOrEqualTo(OUTAGE.toSeconds() / 2.0);
    assertThat(meters.get("tiercache.writeback.lag").timeGauge().value())
        .isGreaterThan(0); // the lag shows the outage

    proxy.restore();

    await().atMost(Duration.ofSeconds(60)).until(() -> inPostgres(acked));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> meters.get("tiercache.writeback.pending").gauge().value() == 0);
    System.out.printf(
        "outage test: %s outage, %d writes acknowledged during it, %.0f failed batches%n",
        OUTAGE, i, failuresDuringOutage);
  }

  @Test
  void atTheJournalsBound_newWritesFailFast_andNoAcknowledgedWriteIsDropped() throws Exception {
    cache =
        node(
            WriteBackOptions.in(journal)
                .withJournalSize(DataSize.ofBytes(64 * 1024), DataSize.ofBytes(16 * 1024)));
    proxy.cut();
    Map<String, Long> acked = new HashMap<>();
    int i = 0;
    try {
      while (true) {
        String key = "session:" + i;
        acked.put(key, cache.write(key, "x".repeat(200) + i++));
      }
    } catch (WriteBackFullException full) {
      assertThat(full).hasMessageContaining("journal is full");
    }
    assertThat(acked).hasSizeGreaterThan(100);
    assertThatThrownBy(() -> cache.write("session:more", "x".repeat(200) + 0))
        .isInstanceOf(WriteBackFullException.class);
    assertThat(meters.get("tiercache.writeback.rejected").counter().count()).isEqualTo(2);

    proxy.restore();

    await().atMost(Duration.ofSeconds(60)).until(() -> inPostgres(acked));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> cache.write("session:more", "accepted again"));
  }

  /** Whether PostgreSQL (asked directly, not through the proxy) has every write, or a newer one. */
  private static boolean inPostgres(Map<String, Long> acked) throws SQLException {
    SqlLoader direct = SampleData.loader(db.source().dataSource());
    Map<String, Loaded<String>> rows = direct.loadAll(acked.keySet());
    return acked.entrySet().stream()
        .allMatch(
            a -> rows.containsKey(a.getKey()) && rows.get(a.getKey()).version() >= a.getValue());
  }
}
