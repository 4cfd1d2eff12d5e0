package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JdbcOptionsTest {
  private static final JdbcOptions OPTIONS =
      JdbcOptions.of("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "s3cret");

  @Test
  void defaults_areASmallPoolOnTheTiercacheSchema() {
    assertThat(OPTIONS.schema()).isEqualTo("tiercache");
    assertThat(OPTIONS.maxPoolSize()).isEqualTo(4);
    assertThat(OPTIONS.connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void toString_neverShowsThePassword() {
    assertThat(OPTIONS.toString()).doesNotContain("s3cret").contains("password=***");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Tiercache", "1abc", "my-schema", "a b", "x;drop"})
  void aSchemaNameThatIsNotALowerCaseIdentifier_isRejectedNamingTheField(String schema) {
    assertThatThrownBy(() -> OPTIONS.withSchema(schema))
        .isInstanceOf(InvalidConfigException.class)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo("schema");
  }

  @Test
  void outOfRangeValues_areRejectedNamingTheField() {
    assertField(() -> JdbcOptions.of("postgres://x", null, null), "url");
    assertField(() -> OPTIONS.withMaxPoolSize(0), "maxPoolSize");
    assertField(() -> OPTIONS.withConnectionTimeout(Duration.ofMillis(10)), "connectionTimeout");
    assertField(() -> OPTIONS.withConnectionTimeout(null), "connectionTimeout");
  }

  private static void assertField(Runnable construct, String field) {
    assertThatThrownBy(construct::run)
        .isInstanceOf(InvalidConfigException.class)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo(field);
  }
}
