package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlLoaderQueriesTest {
  private static final String SINGLE = "SELECT v, version FROM item WHERE k = ?";
  private static final String BULK = "SELECT k, v, version FROM item WHERE k IN (:keys)";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT v, version FROM item",
        "SELECT v, version FROM item WHERE k = ? OR k = ?",
        "SELECT v, version FROM item WHERE k = '?'",
      })
  void singleKeySql_withoutExactlyOnePlaceholder_isRejectedNamingTheField(String sql) {
    assertRejected(() -> new SqlLoader.Queries(sql, BULK), "singleKeySql")
        .hasMessageContaining("exactly one ?");
  }

  @Test
  void questionMarks_inLiteralsQuotedNamesAndComments_areNotPlaceholders() {
    String sql =
        "SELECT v, version /* why? */ FROM item -- who?\n"
            + "WHERE k = ? AND note <> 'it''s ?' AND \"odd?\" = 1";

    assertThat(SqlTemplate.scan(sql).placeholders()).hasSize(1);
    assertThat(new SqlLoader.Queries(sql, BULK).singleKeySql()).isEqualTo(sql);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT k, v, version FROM item WHERE k IN (?)",
        "SELECT k, v, version FROM item WHERE k IN (:keys) OR k IN (:keys)",
        "SELECT k, v, version FROM item WHERE k IN (':keys')",
        "SELECT k, v, version FROM item WHERE k IN (:keyset)",
        "SELECT k, v, version FROM item WHERE k::keys = 1",
      })
  void bulkSql_withoutTheKeysTokenExactlyOnce_isRejectedNamingTheField(String sql) {
    assertRejected(() -> new SqlLoader.Queries(SINGLE, sql), "bulkSql")
        .hasMessageContaining(":keys exactly once");
  }

  @Test
  void bulkSql_withAPlaceholderBesideTheKeys_isRejected() {
    assertRejected(() -> new SqlLoader.Queries(SINGLE, BULK + " AND version > ?"), "bulkSql")
        .hasMessageContaining("no ?");
  }

  @Test
  void blankSql_isRejectedNamingTheField() {
    assertRejected(() -> new SqlLoader.Queries(" ", BULK), "singleKeySql");
    assertRejected(() -> new SqlLoader.Queries(SINGLE, null), "bulkSql");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, SqlLoader.Queries.MAX_CHUNK_SIZE + 1})
  void chunkSize_outOfRange_isRejectedNamingTheField(int chunkSize) {
    assertRejected(() -> new SqlLoader.Queries(SINGLE, BULK, chunkSize), "chunkSize")
        .hasMessageContaining("was " + chunkSize);
  }

  @Test
  void theDefaultChunkSize_is500() {
    assertThat(new SqlLoader.Queries(SINGLE, BULK).chunkSize()).isEqualTo(500);
  }

  @Test
  void expandingKeys_putsOnePlaceholderPerKeyWhereTheTokenWas() {
    assertThat(SqlTemplate.expandKeys(BULK, 3))
        .isEqualTo("SELECT k, v, version FROM item WHERE k IN (?, ?, ?)");
    assertThat(SqlTemplate.expandKeys("SELECT k FROM t WHERE k IN (:keys)", 1))
        .isEqualTo("SELECT k FROM t WHERE k IN (?)");
    assertThat(SqlTemplate.scan(SqlTemplate.expandKeys(BULK, 500)).placeholders()).hasSize(500);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(
      Runnable construct, String field) {
    return assertThatThrownBy(construct::run)
        .isInstanceOf(InvalidConfigException.class)
        .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo(field));
  }
}
