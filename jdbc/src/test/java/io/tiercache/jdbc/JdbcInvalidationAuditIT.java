package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Every invalidation a library node issues is recorded in the source database (invariant 10). */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
class JdbcInvalidationAuditIT {
  private static Database.Opened db;

  JdbcInvalidationAuditIT(Database database) {}

  @BeforeParameterizedClassInvocation
  static void open(Database database) {
    db = database.open();
    SampleData.fill(db.source().dataSource(), SampleData.Spec.DEFAULT);
  }

  @AfterParameterizedClassInvocation
  static void close() throws SQLException {
    db.close();
  }

  @Test
  void everyScope_isRecordedWithActorReasonAndSequence_andQueryableByScopeAndActor() {
    JdbcInvalidationAudit audit = new JdbcInvalidationAudit(db.source().dataSource());
    Instant before = Instant.now().minusSeconds(1);
    try (TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .loader(SampleData.loader(db.source().dataSource()))
            .invalidationAudit(audit)
            .meterRegistry(new SimpleMeterRegistry())
            .nodeId("audited")
            .build()) {
      cache.invalidate("hot:1"); // the shorthand is audited too
      cache.invalidate(InvalidationRequest.prefix("product:").because("price update").by("alice"));
      cache.invalidate(InvalidationRequest.tag("hot").because("campaign").by("bob"));
      cache.invalidate(InvalidationRequest.keys(List.of("hot:2", "hot:3")).by("alice"));
    }
    Instant after = Instant.now().plusSeconds(1);
    List<JdbcInvalidationAudit.Row> all = audit.query(before, after, null, null, 100);
    assertThat(all).hasSize(4);
    assertThat(all).extracting(JdbcInvalidationAudit.Row::originNode).containsOnly("audited");
    assertThat(all).extracting(JdbcInvalidationAudit.Row::sequence).doesNotHaveDuplicates();

    List<JdbcInvalidationAudit.Row> alice = audit.query(before, after, null, "alice", 100);
    assertThat(alice)
        .extracting(JdbcInvalidationAudit.Row::scope)
        .containsExactlyInAnyOrder(InvalidationScope.PREFIX, InvalidationScope.KEYS);
    JdbcInvalidationAudit.Row prefix =
        audit.query(before, after, InvalidationScope.PREFIX, null, 100).get(0);
    assertThat(prefix.values()).containsExactly("product:");
    assertThat(prefix.reason()).isEqualTo("price update");
    assertThat(audit.query(before.minus(Duration.ofHours(1)), before, null, null, 100)).isEmpty();
  }
}
