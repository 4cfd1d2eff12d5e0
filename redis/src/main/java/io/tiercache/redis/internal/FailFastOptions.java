package io.tiercache.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.tiercache.redis.RedisTierOptions;
import java.time.Duration;

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

  private FailFastOptions() {}

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
