package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.redis.local.LocalRedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A write-through {@code TieredCache.put} that Redis refuses while it still takes deletes, on a
 * real redis-server: the writing node's L2 connection logs in as a user whose ACL loses the SET
 * command halfway through the test, so the put's script fails at its SET while DEL still works. The
 * other nodes must not read the value the put replaced back from L2: the writer deletes the key
 * from L2 and invalidates it, rather than announcing a write that L2 does not hold.
 */
class RefusedPutIT {
  private static final String USER = "writer";
  private static LocalRedisServer redis;
  private static RedisClient adminClient;
  private static StatefulRedisConnection<String, String> admin;

  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    redis = LocalRedisServer.start();
    adminClient = RedisClient.create(redis.uri());
    admin = adminClient.connect();
  }

  @AfterAll
  static void stopRedis() {
    admin.close();
    adminClient.shutdown();
    redis.close();
  }

  @AfterEach
  void closeNodes() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  @Test
  void aPutRedisRefuses_isDeletedFromL2AndInvalidated_soNoNodeReadsTheOlderValueBack() {
    writerMay("on", "nopass", "~*", "&*", "+@all");
    VersionedSource source = new VersionedSource();
    source.write("k");
    SimpleMeterRegistry writerMeters = new SimpleMeterRegistry();
    TieredCache<String> writer = node("writer", writerUri(), source, writerMeters);
    TieredCache<String> reader = node("reader", redis.uri(), source, new SimpleMeterRegistry());
    assertThat(writer.get("k")).isEqualTo("k@1"); // loaded into L2 and the writer's L1
    assertThat(reader.lookup("k").tier()).isEqualTo(Tier.L2); // k@1 into the reader's L1
    // Served from L1 once the node has heard the bus (until then it reads L2).
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(reader.lookup("k").tier()).isEqualTo(Tier.L1));
    assertThat(reader.get("k")).isEqualTo("k@1");

    writerMay("-set"); // the writer's connection may still read and delete, no longer SET
    Loaded<String> v2 = source.write("k");
    writer.put("k", v2.value(), v2.version());

    assertThat(Meters.count(writerMeters, "tiercache.writes.publish.failures"))
        .as("Redis refused the put")
        .isEqualTo(1);
    assertThat(writer.get("k")).isEqualTo("k@2");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(reader.get("k")).isEqualTo("k@2"));
    TieredCache<String> late = node("late", redis.uri(), source, new SimpleMeterRegistry());
    Lookup<String> fromL2 = late.lookup("k");
    assertThat(fromL2.value()).as("L2 holds no older copy").isEqualTo("k@2");
  }

  /** Applies ACL rules to the writer's user; existing connections follow them at once. */
  private static void writerMay(String... rules) {
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add(USER);
    for (String rule : rules) {
      args.add(rule);
    }
    String reply =
        admin.sync().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), args);
    assertThat(reply).isEqualTo("OK");
  }

  private static RedisURI writerUri() {
    return RedisURI.builder()
        .withHost(redis.host())
        .withPort(redis.port())
        .withAuthentication(USER, "unused")
        .build();
  }

  private TieredCache<String> node(
      String id, RedisURI l2, VersionedSource source, SimpleMeterRegistry meters) {
    RedisInvalidationBus bus = RedisInvalidationBus.standalone(redis.uri(), id, BusFleet.BUS);
    opened.add(bus);
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(Fleet.ONE_CLASS)
            .loader(source)
            .remoteTier(RedisRemoteTier.standalone(l2, Fleet.PATIENT_REDIS))
            .l2Options(Fleet.PATIENT_L2)
            .hotKeys(Fleet.NO_HOT_KEY_PREFETCH)
            .invalidationBus(bus)
            .nodeId(id)
            .meterRegistry(meters)
            .build();
    opened.add(cache);
    return cache;
  }
}
