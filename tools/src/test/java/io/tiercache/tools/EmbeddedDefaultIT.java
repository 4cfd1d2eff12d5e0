package io.tiercache.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.TieredCache;
import io.tiercache.classes.CacheClass;
import io.tiercache.redis.local.LocalRedisServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The embedded default on a real H2 database and a real {@code redis-server}. */
class EmbeddedDefaultIT {

  private static boolean answers(RedisURI uri) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 200);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void withoutConfiguredRedis_startsItsOwn_andServesSampleKeysFromSourceThenL1() {
    List<String> warnings = new ArrayList<>();
    try (EmbeddedDefault embedded =
        EmbeddedDefault.start(EmbeddedDefault.Options.DEFAULT, warnings::add)) {
      assertThat(embedded.startedRedis()).isTrue();
      assertThat(embedded.l2()).hasValueSatisfying(uri -> assertThat(answers(uri)).isTrue());
      assertThat(warnings).isEmpty();
      String key = embedded.sampleKeys().get(0);

      Lookup<String> first = embedded.cache().lookup(key);
      Lookup<String> second = embedded.cache().lookup(key);

      assertThat(first.tier()).isEqualTo(Tier.SOURCE);
      assertThat(first.found()).isTrue();
      assertThat(second.tier()).isEqualTo(Tier.L1);
      assertThat(second.value()).isEqualTo(first.value());
    }
  }

  @Test
  void classes_areTheShippedOnes_readBackFromTheCacheClassTable() {
    try (EmbeddedDefault embedded =
        EmbeddedDefault.start(EmbeddedDefault.Options.DEFAULT.withoutL2())) {
      assertThat(embedded.classes().all())
          .extracting(CacheClass::name)
          .containsExactlyInAnyOrder("hot", "session", "blob", "default");
      assertThat(embedded.cache().classOf("session:7").name()).isEqualTo("session");
      assertThat(embedded.sampleKeys())
          .hasSize(EmbeddedDefault.Options.DEFAULT.sampleData().rows());
    }
  }

  @Test
  void secondNode_findsWhatTheFirstLoaded_inL2() {
    try (EmbeddedDefault embedded =
        EmbeddedDefault.start(EmbeddedDefault.Options.DEFAULT, w -> {})) {
      TieredCache<String> other = embedded.addNode();
      String key = "product:12";

      assertThat(embedded.cache().lookup(key).tier()).isEqualTo(Tier.SOURCE);
      Lookup<String> fromOther = other.lookup(key);

      assertThat(fromOther.tier()).isEqualTo(Tier.L2);
      assertThat(fromOther.value()).isEqualTo(embedded.cache().get(key));
    }
  }

  @Test
  void close_stopsTheRedisServerItStarted() {
    EmbeddedDefault embedded = EmbeddedDefault.start(EmbeddedDefault.Options.DEFAULT, w -> {});
    RedisURI uri = embedded.l2().orElseThrow();
    assertThat(answers(uri)).isTrue();

    embedded.close();

    await().atMost(Duration.ofSeconds(5)).until(() -> !answers(uri));
  }

  @Test
  void configuredRedis_isUsed_andLeftRunningAtClose() {
    try (LocalRedisServer redis = LocalRedisServer.start()) {
      EmbeddedDefault.Options options = EmbeddedDefault.Options.DEFAULT.withRedis(redis.uri());
      try (EmbeddedDefault embedded = EmbeddedDefault.start(options, w -> {})) {
        assertThat(embedded.startedRedis()).isFalse();
        assertThat(embedded.l2()).contains(redis.uri());
        embedded.cache().get("hot:1");
        assertThat(embedded.addNode().lookup("hot:1").tier()).isEqualTo(Tier.L2);
      }
      assertThat(redis.isRunning()).isTrue();
      assertThat(answers(redis.uri())).isTrue();
    }
  }

  @Test
  void withoutL2_servesFromL1_withoutWarning() {
    List<String> warnings = new ArrayList<>();
    EmbeddedDefault.Options options = EmbeddedDefault.Options.DEFAULT.withoutL2();
    try (EmbeddedDefault embedded = EmbeddedDefault.start(options, warnings::add)) {
      assertThat(embedded.l2()).isEmpty();
      assertThat(embedded.cache().lookup("hot:3").tier()).isEqualTo(Tier.SOURCE);
      assertThat(embedded.cache().lookup("hot:3").tier()).isEqualTo(Tier.L1);
      assertThat(embedded.cache().lookup("hot:absent").found()).isFalse();
    }
    assertThat(warnings).isEmpty();
  }
}
