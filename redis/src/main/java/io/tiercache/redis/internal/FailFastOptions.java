package io.tiercache.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.tiercache.redis.RedisTierOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce options that make an outage fail fast. Lettuce's defaults buffer commands while
 * disconnected and replay them after a reconnect, which for a cache means callers wait for a dead
 * server and then receive answers nobody needs any more. Rejecting commands while disconnected
 * turns an outage into immediate failures that the cache's circuit breaker counts, while
 * auto-reconnect brings the connection back without our help.
 */
final class FailFastOptions {
  /** How long shutting a client down may take; its threads have nothing left to finish. */
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  /**
   * The longest pause between reconnection attempts. Lettuce's default backs off exponentially to
   * 30 s, so a Redis that was down for a minute could stay unused for another 30 s after it came
   * back; an attempt every half second costs a refused connect while it is down.
   */
  static final Duration RECONNECT_DELAY_MAX = Duration.ofMillis(500);

  private FailFastOptions() {}

  /**
   * Client resources whose reconnection backs off from 5 ms to {@code max}; the client that uses
   * them must shut them down. Small thread pools: one connection or a few per client.
   */
  static ClientResources resources(Duration max) {
    return DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(5), max, 2, TimeUnit.MILLISECONDS))
        .build();
  }

  static ClientOptions standalone(RedisTierOptions o) {
    return ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(o.commandTimeout()))
        .build();
  }

  static ClusterClientOptions cluster(RedisTierOptions o) {
    return ClusterClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(o.commandTimeout()))
        .topologyRefreshOptions(
            ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(o.topologyRefreshPeriod())
                // A failover or resharding should be followed at once, not after a period.
                .enableAllAdaptiveRefreshTriggers()
                .build())
        .build();
  }
}
