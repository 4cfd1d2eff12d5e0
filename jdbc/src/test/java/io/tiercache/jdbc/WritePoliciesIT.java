package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.ImmutableValueException;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.classes.CacheClasses;
import io.tiercache.internal.InProcessInvalidationBus;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Write-around ({@code default} class) and write-once ({@code blob} class) of the shipped classes,
 * on two nodes over real Redis and PostgreSQL.
 */
class WritePoliciesIT {
  @RegisterExtension static final WriteFleet fleet = new WriteFleet();

  private final InProcessInvalidationBus bus = new InProcessInvalidationBus();

  private TieredCache<String> node() {
    return fleet.closeAfterTest(
        fleet
            .builder(CacheClasses.defaults())
            .remoteTier(fleet.redisTier())
            .l2Options(WriteFleet.L2)
            .invalidationBus(bus)
            .build());
  }

  @Test
  void writeAround_writesPostgres_andEveryNodeLoadsTheNewValue() throws Exception {
    fleet.db().update("INSERT INTO sample_item (k, v, version) VALUES ('product:1', 'old', 1)");
    TieredCache<String> a = node();
    TieredCache<String> b = node();
    assertThat(b.get("product:1")).isEqualTo("old");

    long version = a.write("product:1", "new");

    assertThat(fleet.inRedis("product:1")).isNull();
    Lookup<String> atB = b.lookup("product:1");
    assertThat(atB.value()).isEqualTo("new");
    assertThat(atB.version()).isEqualTo(version);
    assertThat(atB.tier()).isEqualTo(Tier.SOURCE);
    assertThat(a.get("product:1")).isEqualTo("new");
  }

  @Test
  void writeOnce_keepsTheFirstContent_acrossNodes() throws SQLException {
    TieredCache<String> a = node();
    TieredCache<String> b = node();
    String key = "blob:" + UUID.randomUUID();

    long first = a.write(key, "content");

    assertThat(b.write(key, "content")).isEqualTo(first); // the same content: a no-op
    assertThatThrownBy(() -> b.write(key, "other")).isInstanceOf(ImmutableValueException.class);
    assertThat(fleet.atSource(key).value()).isEqualTo("content");
    assertThat(b.lookup(key).value()).isEqualTo("content");
  }
}
