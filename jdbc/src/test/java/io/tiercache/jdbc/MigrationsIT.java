package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
class MigrationsIT {
  private static Database.Opened db;

  // Run once per database; the argument is the parameter of the whole class, which the
  // lifecycle methods below receive too.
  MigrationsIT(Database database) {}

  @BeforeParameterizedClassInvocation
  static void open(Database database) {
    db = database.open();
  }

  @AfterParameterizedClassInvocation
  static void close() throws SQLException {
    db.close();
  }

  @Test
  void migrations_createCacheClassWithTheColumnsOfCacheClassRows_plusUpdatedAtAndRevision()
      throws SQLException {
    List<String> expected = new ArrayList<>(CacheClassTable.COLUMNS);
    expected.add("updated_at");
    expected.add("revision");

    assertThat(columnsOf("cache_class")).containsExactlyElementsOf(expected);
    assertThat(columnsOf("cache_class_revision")).containsExactly("id", "revision");
    assertThat(columnsOf("sample_item")).containsExactly("k", "v", "version", "tags");
  }

  @Test
  void migrations_areAppliedOnce_andReopeningAppliesNothing() {
    try (JdbcSource again = JdbcSource.open(db.source().options())) {
      // Flyway also records the schema it created, as an entry without a version.
      List<MigrationInfo> applied =
          Arrays.stream(flyway().info().applied()).filter(m -> m.getVersion() != null).toList();

      assertThat(applied)
          .extracting(m -> m.getVersion().getVersion())
          .containsExactly("1", "2", "3");
      assertThat(applied).allSatisfy(m -> assertThat(m.getState().isApplied()).isTrue());
      assertThat(flyway().info().pending()).isEmpty();
      assertThat(again.cacheClassStore().revision())
          .isEqualTo(db.source().cacheClassStore().revision());
    }
  }

  private Flyway flyway() {
    JdbcOptions o = db.source().options();
    return Flyway.configure()
        .dataSource(o.url(), o.user(), o.password())
        .schemas(o.schema())
        .locations(JdbcSource.MIGRATIONS)
        .load();
  }

  // information_schema is standard on both; H2 keeps unquoted names in upper case.
  private List<String> columnsOf(String table) throws SQLException {
    String sql =
        "SELECT column_name FROM information_schema.columns"
            + " WHERE table_schema = ? AND LOWER(table_name) = ? ORDER BY ordinal_position";
    List<String> columns = new ArrayList<>();
    try (Connection conn = db.source().dataSource().getConnection();
        PreparedStatement ps = conn.prepareStatement(sql)) {
      ps.setString(1, db.source().options().schema());
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1).toLowerCase(Locale.ROOT));
        }
      }
    }
    return columns;
  }
}
