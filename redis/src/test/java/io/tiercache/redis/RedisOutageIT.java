package io.tiercache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.L2Options;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.classes.EvictionPolicy;
import io.tiercache.redis.local.LocalRedisServer;
import io.tiercache.testing.CountingLoader;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** DESIGN invariant 6: a Redis crash is not a client failure, and L2 comes back by itself. */
class RedisOutageIT {
  private static final int KEYS = 300;
  private static final int READERS = 4;
  private static final double OPEN = 1;
  private static final double CLOSED = 0;

  @Test
  void killedRedis_givesNoErrorsToCallers_andL2ResumesAfterRestart() throws Exception {
    CountingLoader loader = new CountingLoader();
    for (int i = 0; i < KEYS; i++) {
      loader.put("k" + i, "v" + i, 1);
    }
    // L2_ONLY: no L1 copies, so every read goes to Redis and feels the outage at once.
    CacheClasses classes =
        CacheClasses.of(
            List.of(CacheClass.builder("c", "*").evictionPolicy(EvictionPolicy.L2_ONLY).build()));
    L2Options l2 =
        L2Options.DEFAULT
            .withTimeout(Duration.ofMillis(50))
            .withBreakerOpenFor(Duration.ofMillis(500));
    MeterRegistry meters = new SimpleMeterRegistry();

    try (LocalRedisServer redis = LocalRedisServer.start();
        TieredCache<String> cache =
            TieredCache.builder(ValueCodec.utf8())
                .loader(loader)
                .classes(classes)
                .remoteTier(RedisRemoteTier.standalone(redis.uri()))
                .l2Options(l2)
                .meterRegistry(meters)
                .build()) {
      ReadLoop reads = new ReadLoop(cache);
      reads.start();
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> l2Hits(meters) > 0);

        redis.kill();
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> breakerState(meters) == OPEN);
        assertThat(Meters.count(meters, "tiercache.l2.errors")).isPositive();
        double hitsWhileDown = l2Hits(meters);

        redis.restart();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> breakerState(meters) == CLOSED && l2Hits(meters) > hitsWhileDown);
      } finally {
        reads.stop();
      }
      assertThat(reads.errors).isEmpty();
      assertThat(reads.wrongValues.get()).isZero();
      assertThat(reads.count.get()).isPositive();
    }
  }

  private static double l2Hits(MeterRegistry meters) {
    return Meters.count(meters, "tiercache.gets", "tier", "l2", "result", "hit");
  }

  private static double breakerState(MeterRegistry meters) {
    return Meters.gauge(meters, "tiercache.l2.breaker.state");
  }

  /** Readers that loop over the keys until stopped and keep whatever reached them. */
  private static final class ReadLoop {
    final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    final AtomicLong wrongValues = new AtomicLong();
    final AtomicLong count = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService pool = Executors.newFixedThreadPool(READERS);
    private final TieredCache<String> cache;

    ReadLoop(TieredCache<String> cache) {
      this.cache = cache;
    }

    void start() {
      for (int r = 0; r < READERS; r++) {
        int offset = r * (KEYS / READERS);
        pool.execute(
            () -> {
              for (int i = offset; running.get(); i++) {
                int k = i % KEYS;
                try {
                  if (!("v" + k).equals(cache.get("k" + k))) {
                    wrongValues.incrementAndGet();
                  }
                  count.incrementAndGet();
                } catch (Throwable t) {
                  errors.add(t);
                }
              }
            });
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
