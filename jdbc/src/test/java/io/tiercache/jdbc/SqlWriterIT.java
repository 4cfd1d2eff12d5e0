package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.Loaded;
import io.tiercache.VersionedValue;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The version-guarded upserts of {@link SqlWriter}, on PostgreSQL and H2 alike. */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
class SqlWriterIT {
  private static Database.Opened db;
  private static SqlWriter writer;
  private static SqlLoader loader;

  SqlWriterIT(Database database) {}

  @BeforeParameterizedClassInvocation
  static void open(Database database) {
    db = database.open();
    writer = SampleData.writer(db.source().dataSource());
    loader = SampleData.loader(db.source().dataSource());
  }

  @AfterParameterizedClassInvocation
  static void close() throws SQLException {
    db.close();
  }

  @Test
  void write_insertsThenUpdates_withEverLargerVersions() throws SQLException {
    long first = writer.write("w:1", "a");
    long second = writer.write("w:1", "b");

    assertThat(second).isGreaterThan(first);
    Loaded<String> row = loader.load("w:1");
    assertThat(row.value()).isEqualTo("b");
    assertThat(row.version()).isEqualTo(second);
  }

  @Test
  void writeIfAbsent_insertsANewKeyOnce_andLeavesTheFirstRow() throws SQLException {
    java.util.OptionalLong first = writer.writeIfAbsent("w:once", "first");
    java.util.OptionalLong second = writer.writeIfAbsent("w:once", "second");

    assertThat(first).isPresent();
    assertThat(second).isEmpty();
    Loaded<String> row = loader.load("w:once");
    assertThat(row.value()).isEqualTo("first");
    assertThat(row.version()).isEqualTo(first.getAsLong());
  }

  @Test
  void writeIfAbsent_fromManyThreadsAtOnce_insertsExactlyOnce() throws Exception {
    int threads = 8;
    java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(threads);
    java.util.List<java.util.concurrent.CompletableFuture<java.util.OptionalLong>> writes =
        new java.util.ArrayList<>();
    for (int i = 0; i < threads; i++) {
      String value = "v" + i;
      writes.add(
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  go.await(10, java.util.concurrent.TimeUnit.SECONDS);
                  return writer.writeIfAbsent("w:race", value);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              java.util.concurrent.Executors.newSingleThreadExecutor()));
    }
    long won = 0;
    for (var w : writes) {
      won += w.get(10, java.util.concurrent.TimeUnit.SECONDS).isPresent() ? 1 : 0;
    }

    assertThat(won).isEqualTo(1);
  }

  @Test
  void write_overAVersionFromAClockAhead_movesPastIt() throws SQLException {
    long future = System.currentTimeMillis() * 1000 + 3_600_000_000L; // an hour ahead
    db.update("INSERT INTO sample_item (k, v, version) VALUES ('w:ahead', 'x', " + future + ")");

    long v = writer.write("w:ahead", "mine");

    assertThat(v).isGreaterThan(future);
    assertThat(loader.load("w:ahead").value()).isEqualTo("mine");
  }

  @Test
  void writeAll_isIdempotent_andNeverOverwritesANewerVersion() throws SQLException {
    Map<String, VersionedValue<String>> batch = new LinkedHashMap<>();
    batch.put("b:1", new VersionedValue<>("one", 10));
    batch.put("b:2", new VersionedValue<>("two", 10));
    writer.writeAll(batch);
    writer.writeAll(batch); // a replay

    writer.writeAll(Map.of("b:1", new VersionedValue<>("newer", 20)));
    writer.writeAll(batch); // an old batch again, after a newer write

    assertThat(loader.load("b:1")).isEqualTo(Loaded.of("newer", 20));
    assertThat(loader.load("b:2")).isEqualTo(Loaded.of("two", 10));
  }

  @Test
  void writeAll_deletes_onlyOverOlderVersions() throws SQLException {
    writer.writeAll(
        Map.of("d:1", new VersionedValue<>("v", 5), "d:2", new VersionedValue<>("v", 50)));

    writer.writeAll(
        Map.of("d:1", new VersionedValue<>(null, 6), "d:2", new VersionedValue<>(null, 40)));

    assertThat(loader.load("d:1")).isNull();
    assertThat(loader.load("d:2")).isEqualTo(Loaded.of("v", 50));
  }

  @Test
  void delete_removesTheRow() throws SQLException {
    writer.write("x:1", "v");

    writer.delete("x:1");

    assertThat(loader.load("x:1")).isNull();
  }
}
