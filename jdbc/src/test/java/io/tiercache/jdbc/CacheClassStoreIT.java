package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
class CacheClassStoreIT {
  private static Database.Opened db;
  private static List<CacheClass> seed;
  private CacheClassStore store;

  // Run once per database; the argument is the parameter of the whole class, which the
  // lifecycle methods below receive too.
  CacheClassStoreIT(Database database) {}

  @BeforeParameterizedClassInvocation
  static void open(Database database) throws IOException {
    db = database.open();
    try (InputStream yaml =
        CacheClasses.class.getResourceAsStream(CacheClasses.DEFAULTS_RESOURCE)) {
      seed = CacheClasses.parseYaml(yaml);
    }
  }

  @AfterParameterizedClassInvocation
  static void close() throws SQLException {
    db.close();
  }

  @BeforeEach
  void emptyTable() throws SQLException {
    db.update("DELETE FROM cache_class");
    store = db.source().cacheClassStore();
  }

  @Test
  void seedingTheDefaultYaml_thenLoading_givesTheSeedBack() {
    assertThat(store.seed(seed)).isEqualTo(seed.size());

    assertThat(store.load().all()).containsExactlyInAnyOrderElementsOf(seed);
  }

  @Test
  void seedingAgain_insertsNothing_andKeepsChangesMadeSince() {
    store.seed(seed);
    CacheClass changed = hot().toBuilder().ttl(Duration.ofSeconds(45)).build();
    long revision = store.upsert(changed);

    assertThat(store.seed(seed)).isZero();
    assertThat(store.load().byName("hot")).contains(changed);
    assertThat(store.revision()).isEqualTo(revision);
  }

  @Test
  void concurrentSeeds_fromManyNodes_insertEachClassOnce() throws Exception {
    int nodes = 4;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> seeds = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        seeds.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.seed(seed);
                }));
      }
      start.countDown();
      int inserted = 0;
      for (Future<Integer> f : seeds) {
        inserted += f.get(30, TimeUnit.SECONDS);
      }

      assertThat(inserted).isEqualTo(seed.size());
      assertThat(store.load().all()).containsExactlyInAnyOrderElementsOf(seed);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void seeding_skipsAClassWhosePatternAnotherClassHasTaken() {
    store.upsert(CacheClass.builder("hotkeys", "hot:*").build());

    assertThat(store.seed(seed)).isEqualTo(seed.size() - 1);
    assertThat(store.load().byName("hot")).isEmpty();
  }

  @Test
  void upsert_changesTheClass_andBumpsTheRevision() throws SQLException {
    store.seed(seed);
    long before = store.revision();
    CacheClass changed =
        hot().toBuilder().ttl(Duration.ofSeconds(45)).tags(Set.of("hot", "promo")).build();

    long revision = store.upsert(changed);

    assertThat(revision).isGreaterThan(before);
    assertThat(store.revision()).isEqualTo(revision);
    assertThat(store.load().byName("hot")).contains(changed);
    assertThat(query("SELECT revision FROM cache_class WHERE class = 'hot'")).isEqualTo(revision);
    assertThat(query("SELECT COUNT(*) FROM cache_class WHERE updated_at IS NOT NULL"))
        .isEqualTo(seed.size());
  }

  @Test
  void upsert_ofANewClass_insertsIt() {
    CacheClass feed = CacheClass.builder("feed", "feed:*").ttl(Duration.ofSeconds(10)).build();

    store.upsert(feed);

    assertThat(store.load().resolve("feed:42")).isEqualTo(feed);
  }

  @Test
  void upsert_withThePatternOfAnotherClass_isRejectedNamingKeyPattern_andChangesNothing() {
    store.seed(seed);
    long before = store.revision();

    assertThatThrownBy(() -> store.upsert(CacheClass.builder("hot2", "hot:*").build()))
        .isInstanceOf(InvalidConfigException.class)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo("class 'hot2': key_pattern");
    assertThat(store.revision()).isEqualTo(before);
    assertThat(store.load().byName("hot2")).isEmpty();
  }

  @Test
  void delete_removesTheClass_andBumpsTheRevision_onlyWhenThereWasOne() {
    store.seed(seed);
    long before = store.revision();

    assertThat(store.delete("session")).isTrue();
    long after = store.revision();
    assertThat(store.delete("session")).isFalse();

    assertThat(after).isGreaterThan(before);
    assertThat(store.revision()).isEqualTo(after);
    assertThat(store.load().resolve("session:1").name()).isEqualTo("default");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ttl = 34560000000              | ttl              | 34560000000",
        "eviction_policy = 'bogus'      | eviction_policy  | bogus",
        "l1_max_bytes = 1024            | l1_max_bytes     | 1024",
        "ttl_jitter = 0.9               | ttl_jitter       | 0.9",
        "key_pattern = 'hot:[0-9]'      | key_pattern      | hot:[0-9]",
        "tags = 'hot,bad tag'           | tags             | bad tag",
      })
  void aRowMadeInvalidBySql_failsTheLoad_namingClassAndColumn(
      String assignment, String column, String storedValue) throws SQLException {
    store.seed(seed);
    db.update("UPDATE cache_class SET " + assignment + " WHERE class = 'hot'");

    assertThatThrownBy(store::load)
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(storedValue)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo("class 'hot': " + column);
  }

  @Test
  void aZeroTtl_isRefusedByTheTableItself() throws SQLException {
    store.seed(seed);

    // Class 23 is "integrity constraint violation" (PostgreSQL says 23514 here, H2 23513).
    assertThatThrownBy(() -> db.update("UPDATE cache_class SET ttl = 0 WHERE class = 'hot'"))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .asString()
        .startsWith("23");
    assertThat(query("SELECT ttl FROM cache_class WHERE class = 'hot'")).isEqualTo(30_000L);
  }

  @Test
  void aRowWrittenByHandWithOnlyTheRequiredColumns_takesTheBuilderDefaults() throws SQLException {
    db.update("INSERT INTO cache_class (class, key_pattern, ttl) VALUES ('feed', 'feed:*', 60000)");

    assertThat(store.load().byName("feed"))
        .contains(CacheClass.builder("feed", "feed:*").ttl(Duration.ofMinutes(1)).build());
  }

  private CacheClass hot() {
    return seed.stream().filter(c -> c.name().equals("hot")).findFirst().orElseThrow();
  }

  private static long query(String sql) throws SQLException {
    try (Connection conn = db.source().dataSource().getConnection();
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
