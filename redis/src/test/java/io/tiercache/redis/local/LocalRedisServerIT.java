package io.tiercache.redis.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalRedisServerIT {

  @Test
  void killedServer_isGone_andRestartsOnTheSamePort() {
    try (LocalRedisServer redis = LocalRedisServer.start()) {
      int port = redis.port();
      long pid = redis.pid();
      assertThat(port).isNotEqualTo(6379);
      assertThat(ping(redis.uri())).isEqualTo("PONG");

      redis.kill();
      assertThat(redis.isRunning()).isFalse();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
      assertThatThrownBy(() -> new Socket(LocalRedisServer.HOST, port).close())
          .isInstanceOf(ConnectException.class);

      redis.restart();
      assertThat(redis.port()).isEqualTo(port);
      assertThat(redis.pid()).isNotEqualTo(pid);
      assertThat(ping(redis.uri())).isEqualTo("PONG");
    }
  }

  @Test
  void close_stopsTheProcess_andDeletesItsDirectory() throws IOException {
    LocalRedisServer redis = LocalRedisServer.start();
    Path dir = redis.directory();
    ProcessHandle process = ProcessHandle.of(redis.pid()).orElseThrow();
    assertThat(Files.exists(dir.resolve("redis.log"))).isTrue();

    redis.close();
    redis.close();

    assertThat(process.isAlive()).isFalse();
    assertThat(Files.exists(dir)).isFalse();
    assertThatThrownBy(redis::restart).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void serversStartedTogether_getDistinctPorts() {
    try (LocalRedisServer a = LocalRedisServer.start();
        LocalRedisServer b = LocalRedisServer.start()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      assertThat(a.directory()).isNotEqualTo(b.directory());
    }
  }

  static String ping(RedisURI uri) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return c.sync().ping();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
