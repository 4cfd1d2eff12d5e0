package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClasses;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The read path over a real source: an L1-only cache whose classes and values live in SQL. */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
class TieredReadIT {
  private static final SampleData.Spec SPEC = SampleData.Spec.DEFAULT;
  private static final List<String> KEYS = SampleData.keys(SPEC);

  private static Database.Opened db;
  private TieredCache<String> cache;

  // Run once per database; the argument is the parameter of the whole class, which the
  // lifecycle methods below receive too.
  TieredReadIT(Database database) {}

  @BeforeParameterizedClassInvocation
  static void open(Database database) {
    db = database.open();
    db.source().cacheClassStore().seed(CacheClasses.defaults().all());
    SampleData.fill(db.source().dataSource(), SPEC);
  }

  @AfterParameterizedClassInvocation
  static void close() throws SQLException {
    db.close();
  }

  @BeforeEach
  void buildCache() {
    cache =
        TieredCache.builder(ValueCodec.utf8())
            .loader(SampleData.loader(db.source().dataSource()))
            .classes(db.source().cacheClassStore().load())
            .executor(Runnable::run)
            .build();
  }

  @AfterEach
  void closeCache() {
    cache.close();
  }

  @Test
  void firstRead_comesFromTheSource_andTheSecondFromL1() throws SQLException {
    String blob = KEYS.stream().filter(k -> k.startsWith("blob:")).findFirst().orElseThrow();

    for (String key : List.of("hot:5", "product:9", "session:2", blob)) {
      Lookup<String> first = cache.lookup(key);
      Lookup<String> second = cache.lookup(key);

      assertThat(first.tier()).as(key).isEqualTo(Tier.SOURCE);
      assertThat(second.tier()).as(key).isEqualTo(Tier.L1);
      assertThat(second.value()).isEqualTo(first.value());
      assertThat(first.value())
          .isEqualTo(SampleData.loader(db.source().dataSource()).load(key).value());
    }
  }

  @Test
  void keysResolveToTheClassesStoredInTheTable() {
    assertThat(cache.lookup("hot:1").cacheClass().name()).isEqualTo("hot");
    assertThat(cache.lookup("session:1").cacheClass().name()).isEqualTo("session");
    assertThat(cache.lookup("product:1").cacheClass().name()).isEqualTo("default");
    assertThat(cache.lookup("hot:1").tags()).containsExactly("hot");
  }

  @Test
  void getAll_ofMoreThanABulkChunk_loadsEveryKey_andThenServesThemFromL1() {
    List<String> keys = KEYS.subList(0, 1200);

    Map<String, String> values = cache.getAll(keys);

    assertThat(values).hasSize(1200);
    assertThat(cache.lookup("hot:999").tier()).isEqualTo(Tier.L1);
    assertThat(cache.lookup("product:199").tier()).isEqualTo(Tier.L1);
  }

  @Test
  void anAbsentKey_isNull_andComesFromTheSource() {
    Lookup<String> absent = cache.lookup("hot:" + SPEC.hotKeys());

    assertThat(absent.found()).isFalse();
    assertThat(absent.tier()).isEqualTo(Tier.SOURCE);
    assertThat(cache.get("nope")).isNull();
  }
}
