package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.Loaded;
import io.tiercache.TierCacheException;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
class SqlLoaderIT {
  private static final SampleData.Spec SPEC = SampleData.Spec.DEFAULT;
  private static final Map<String, SampleItems.Item> ITEMS =
      SampleItems.generate(SPEC).stream()
          .collect(Collectors.toMap(SampleItems.Item::key, Function.identity()));

  private static Database.Opened db;
  private static int filled;

  // Run once per database; the argument is the parameter of the whole class, which the
  // lifecycle methods below receive too.
  SqlLoaderIT(Database database) {}

  @BeforeParameterizedClassInvocation
  static void open(Database database) {
    db = database.open();
    filled = SampleData.fill(db.source().dataSource(), SPEC);
  }

  @AfterParameterizedClassInvocation
  static void close() throws SQLException {
    db.close();
  }

  @Test
  void fill_insertsEveryRowOnce_andFillingAgainInsertsNothing() throws SQLException {
    assertThat(filled).isEqualTo(SPEC.rows());

    assertThat(SampleData.fill(db.source().dataSource(), SPEC)).isZero();
    assertThat(SampleData.loader(db.source().dataSource()).loadAll(ITEMS.keySet()))
        .hasSize(SPEC.rows());
  }

  @Test
  void load_returnsTheValueVersionAndTagsOfTheRow() throws SQLException {
    SqlLoader loader = SampleData.loader(db.source().dataSource());

    for (String key : List.of("hot:7", "product:42", "session:3", firstBlobKey())) {
      assertThat(loader.load(key)).as(key).isEqualTo(expected(key));
    }
  }

  @Test
  void load_ofAnAbsentKey_isNull() throws SQLException {
    assertThat(SampleData.loader(db.source().dataSource()).load("hot:" + SPEC.hotKeys())).isNull();
  }

  @Test
  void loadAll_acrossSeveralChunks_returnsEveryPresentKey_andLeavesAbsentOnesOut()
      throws SQLException {
    Set<String> keys = new LinkedHashSet<>();
    for (int i = 0; i < 1200; i++) {
      keys.add(i < SPEC.hotKeys() ? "hot:" + i : "product:" + i);
    }
    keys.addAll(List.of("hot:-1", "nope:1", "product:" + SPEC.products()));

    Map<String, Loaded<String>> found = SampleData.loader(db.source().dataSource()).loadAll(keys);

    assertThat(found).hasSize(1200);
    assertThat(found).containsEntry("hot:999", expected("hot:999"));
    assertThat(found).containsEntry("product:1199", expected("product:1199"));
    found.forEach((key, loaded) -> assertThat(loaded).as(key).isEqualTo(expected(key)));
  }

  @Test
  void loadAll_withTinyChunks_givesWhatOneChunkGives() throws SQLException {
    Set<String> keys = new HashSet<>(SampleData.keys(SPEC).subList(0, 50));
    SqlLoader tiny =
        new SqlLoader(
            db.source().dataSource(),
            new SqlLoader.Queries(SampleData.SINGLE_KEY_SQL, SampleData.BULK_SQL, 7));

    assertThat(tiny.loadAll(keys))
        .isEqualTo(SampleData.loader(db.source().dataSource()).loadAll(keys))
        .hasSize(50);
  }

  @Test
  void blobValues_hashToTheAddressInTheirKey() throws SQLException {
    Set<String> blobs =
        ITEMS.keySet().stream().filter(k -> k.startsWith("blob:")).collect(Collectors.toSet());

    Map<String, Loaded<String>> found = SampleData.loader(db.source().dataSource()).loadAll(blobs);

    assertThat(found).hasSize(SPEC.blobs());
    found.forEach(
        (key, loaded) ->
            assertThat("blob:" + SampleItems.sha256Hex(loaded.value())).isEqualTo(key));
  }

  @Test
  void queriesWithoutTags_orWithANullValue_giveNoTags_orNoValue() throws SQLException {
    SqlLoader noTags =
        SqlLoader.of(
            db.source().dataSource(),
            "SELECT v, version FROM sample_item WHERE k = ?",
            "SELECT k, v, version FROM sample_item WHERE k IN (:keys)");
    SqlLoader nullValue =
        SqlLoader.of(
            db.source().dataSource(),
            "SELECT CAST(NULL AS VARCHAR(10)), version FROM sample_item WHERE k = ?",
            "SELECT k, CAST(NULL AS VARCHAR(10)), version FROM sample_item WHERE k IN (:keys)");

    assertThat(noTags.load("hot:1").tags()).isEmpty();
    assertThat(noTags.loadAll(Set.of("hot:1")).get("hot:1").tags()).isEmpty();
    assertThat(nullValue.load("hot:1")).isNull();
    assertThat(nullValue.loadAll(Set.of("hot:1"))).isEmpty();
  }

  @Test
  void aQueryReturningTooFewColumns_failsSayingWhichColumnsItMustReturn() {
    SqlLoader wrong =
        SqlLoader.of(
            db.source().dataSource(),
            "SELECT v FROM sample_item WHERE k = ?",
            "SELECT k, v FROM sample_item WHERE k IN (:keys)");

    assertThatThrownBy(() -> wrong.load("hot:1"))
        .isInstanceOf(TierCacheException.class)
        .hasMessageContaining("singleKeySql must return the columns (value, version[, tags])");
    assertThatThrownBy(() -> wrong.loadAll(Set.of("hot:1")))
        .isInstanceOf(TierCacheException.class)
        .hasMessageContaining("bulkSql must return the columns (key, value, version[, tags])");
  }

  @Test
  void aSingleKeyQueryReturningTwoRows_fails_ratherThanPickOne() {
    SqlLoader ambiguous =
        SqlLoader.of(
            db.source().dataSource(),
            "SELECT v, version FROM sample_item WHERE k = ? OR k = 'hot:2'",
            SampleData.BULK_SQL);

    assertThatThrownBy(() -> ambiguous.load("hot:1"))
        .isInstanceOf(TierCacheException.class)
        .hasMessageContaining("more than one row for key 'hot:1'");
  }

  private static String firstBlobKey() {
    return SampleData.keys(SPEC).stream().filter(k -> k.startsWith("blob:")).findFirst().get();
  }

  private static Loaded<String> expected(String key) {
    SampleItems.Item item = ITEMS.get(key);
    Set<String> tags = Stream.of(item.tags().split(",")).collect(Collectors.toSet());
    return new Loaded<>(item.value(), item.version(), tags);
  }
}
