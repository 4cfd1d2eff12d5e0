package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClassRows;
import io.tiercache.classes.CacheClasses;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheClassTableTest {

  @Test
  void theTableColumns_areExactlyTheColumnsCoreReadsAndWrites() {
    assertThat(CacheClassTable.COLUMNS).containsExactlyInAnyOrderElementsOf(CacheClassRows.COLUMNS);
  }

  @Test
  void numbersOfAnyJdbcType_becomeLongOrDouble() {
    assertThat(CacheClassTable.normalize(new BigDecimal("30000"))).isEqualTo(30_000L);
    assertThat(CacheClassTable.normalize(new BigDecimal("30000.000"))).isEqualTo(30_000L);
    assertThat(CacheClassTable.normalize(new BigDecimal("0.25"))).isEqualTo(0.25);
    assertThat(CacheClassTable.normalize(7)).isEqualTo(7L);
    assertThat(CacheClassTable.normalize((short) 7)).isEqualTo(7L);
    assertThat(CacheClassTable.normalize(0.5f)).isEqualTo(0.5);
    assertThat(CacheClassTable.normalize("hot:*")).isEqualTo("hot:*");
    assertThat(CacheClassTable.normalize(true)).isEqualTo(true);
  }

  @Test
  void everyDefaultClass_survivesARoundTripThroughNumericColumns() {
    for (CacheClass c : CacheClasses.defaults().all()) {
      Map<String, Object> asNumeric = new LinkedHashMap<>();
      CacheClassRows.toRow(c)
          .forEach(
              (column, value) ->
                  asNumeric.put(
                      column,
                      CacheClassTable.normalize(
                          value instanceof Number n ? new BigDecimal(n.toString()) : value)));

      assertThat(CacheClassRows.fromRow(asNumeric)).isEqualTo(c);
    }
  }

  @Test
  void theStatements_bindEveryColumn() {
    int columns = CacheClassTable.COLUMNS.size();

    assertThat(SqlTemplate.scan(CacheClassTable.INSERT).placeholders()).hasSize(columns + 1);
    assertThat(SqlTemplate.scan(CacheClassTable.UPDATE).placeholders()).hasSize(columns + 1);
  }
}
