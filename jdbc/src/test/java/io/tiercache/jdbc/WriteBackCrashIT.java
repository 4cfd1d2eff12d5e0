package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.Loaded;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClasses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN invariant 7: a node writing back at full speed is killed with SIGKILL; every write it
 * acknowledged reaches PostgreSQL after its journal is replayed, and replaying the same journal
 * again changes nothing.
 */
class WriteBackCrashIT {
  private static final int KEYS = 2_000;
  private static final int ACKS_BEFORE_KILL = 5_000;

  private static Database.Opened db;
  @TempDir Path tmp;

  /** The newest acknowledged write of a key. */
  private record Ack(long version, String value) {}

  @BeforeAll
  static void open() {
    db = Database.POSTGRES.open();
  }

  @AfterAll
  static void close() throws SQLException {
    db.close();
  }

  @Test
  void everyAcknowledgedWrite_reachesPostgres_afterAKillAndAReplay() throws Exception {
    Path journal = tmp.resolve("journal");
    Map<String, Ack> acked = new ConcurrentHashMap<>();
    AtomicInteger ackCount = new AtomicInteger();
    CountDownLatch enough = new CountDownLatch(1);

    Process writer = startWriter(journal);
    Thread reader = readAcks(writer, acked, ackCount, enough);
    boolean reached = enough.await(120, TimeUnit.SECONDS);
    writer.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
    writer.waitFor(30, TimeUnit.SECONDS);
    reader.join(30_000);
    assertThat(reached).as("the writer acknowledged %d writes", ACKS_BEFORE_KILL).isTrue();
    Path copy = copyOf(journal, tmp.resolve("journal-copy"));
    Map<String, Loaded<String>> atKill = table();

    replay(journal);
    Map<String, Loaded<String>> afterFirst = table();
    replay(copy);
    Map<String, Loaded<String>> afterSecond = table();

    int lost = 0;
    for (Map.Entry<String, Ack> a : acked.entrySet()) {
      Loaded<String> row = afterFirst.get(a.getKey());
      // The row holds the acknowledged write, or a later one the writer journaled before it died.
      boolean kept =
          row != null
              && (row.version() > a.getValue().version()
                  || (row.version() == a.getValue().version()
                      && row.value().equals(a.getValue().value())));
      if (!kept) {
        lost++;
      }
    }
    long behind =
        acked.entrySet().stream()
            .filter(a -> !isAtLeast(atKill.get(a.getKey()), a.getValue()))
            .count();
    System.out.printf(
        "crash test: %d writes acknowledged (%d keys); %d keys were only in the journal at the"
            + " kill; %d lost%n",
        ackCount.get(), acked.size(), behind, lost);
    assertThat(ackCount.get()).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
    assertThat(lost).as("acknowledged writes missing from PostgreSQL").isZero();
    assertThat(afterSecond).as("a second replay of the same journal").isEqualTo(afterFirst);
  }

  private static boolean isAtLeast(Loaded<String> row, Ack ack) {
    return row != null && row.version() >= ack.version();
  }

  private Process startWriter(Path journal) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    JdbcOptions o = db.source().options();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            "-Dtc.log=ERROR",
            WriteBackWriterMain.class.getName(),
            o.url(),
            o.schema(),
            journal.toString(),
            "16",
            String.valueOf(KEYS))
        .redirectError(tmp.resolve("writer.err").toFile())
        .start();
  }

  private static Thread readAcks(
      Process p, Map<String, Ack> acked, AtomicInteger count, CountDownLatch enough) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  String[] f = line.split(" ");
                  // A line cut by the kill lacks its END and was never fully acknowledged.
                  if (f.length != 5 || !f[0].equals("ACK") || !f[4].equals("END")) {
                    continue;
                  }
                  Ack ack = new Ack(Long.parseLong(f[2]), f[3]);
                  acked.merge(f[1], ack, (x, y) -> x.version() >= y.version() ? x : y);
                  if (count.incrementAndGet() == ACKS_BEFORE_KILL) {
                    enough.countDown();
                  }
                }
              } catch (IOException e) {
                // the pipe closes when the process dies
              }
            },
            "acks");
    t.start();
    return t;
  }

  /** Opens a node on {@code journal} (which replays it) and closes it (which flushes). */
  private static void replay(Path journal) {
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CacheClasses.defaults())
            .loader(SampleData.loader(db.source().dataSource()))
            .writer(SampleData.writer(db.source().dataSource()))
            .writeBack(WriteBackOptions.in(journal))
            .build();
    cache.close();
  }

  private static Map<String, Loaded<String>> table() throws SQLException {
    Map<String, Loaded<String>> rows = new HashMap<>();
    try (Connection c = db.source().dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT k, v, version FROM sample_item")) {
      while (rs.next()) {
        rows.put(rs.getString(1), Loaded.of(rs.getString(2), rs.getLong(3)));
      }
    }
    return rows;
  }

  private static Path copyOf(Path dir, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        if (f.getFileName().toString().endsWith(".journal")) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
    return to;
  }
}
