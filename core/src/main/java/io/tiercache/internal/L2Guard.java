package io.tiercache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Gauge;
import io.tiercache.L2Options;
import io.tiercache.spi.Entry;
import io.tiercache.spi.LeasedRead;
import io.tiercache.spi.RemoteTier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls to L2 under a per-operation timeout and a circuit breaker (DESIGN invariant 6, read half).
 * Nothing here throws: a failed, slow or refused call is counted and reported as "no answer", and
 * the read goes on to the source. When enough calls fail the breaker opens and L2 is not called at
 * all; after {@link L2Options#breakerOpenFor()} it lets a few probes through and closes when they
 * succeed.
 */
final class L2Guard {
  private static final Logger log = LoggerFactory.getLogger(L2Guard.class);

  /** The answer of a call that failed or was not made. */
  static final Object NO_ANSWER = new Object();

  private final RemoteTier remote;
  private final long timeoutNanos;
  private final CircuitBreaker breaker;
  private final CacheMetrics metrics;
  // Set while invalidations journaled during an outage wait to be replayed (OutageJournal).
  private volatile boolean held;

  L2Guard(RemoteTier remote, L2Options options, CacheMetrics metrics) {
    this.remote = remote;
    this.timeoutNanos = options.timeout().toNanos();
    this.metrics = metrics;
    this.breaker =
        CircuitBreaker.of(
            "tiercache-l2",
            CircuitBreakerConfig.custom()
                .failureRateThreshold(options.breakerFailureRate())
                .slidingWindowSize(options.breakerWindow())
                .minimumNumberOfCalls(Math.min(5, options.breakerWindow()))
                .waitDurationInOpenState(options.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(2)
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(e -> log.warn("L2 circuit breaker: {}", e.getStateTransition()));
    Gauge.builder("tiercache.l2.breaker.state", breaker, b -> stateCode(b.getState()))
        .description("0 closed, 1 open, 2 half-open, -1 no L2 configured")
        .register(metrics.registry());
  }

  private double stateCode(CircuitBreaker.State s) {
    if (remote == null) {
      return -1;
    }
    return switch (s) {
      case CLOSED -> 0;
      case OPEN, FORCED_OPEN -> 1;
      case HALF_OPEN -> 2;
      default -> 0;
    };
  }

  boolean configured() {
    return remote != null;
  }

  CircuitBreaker.State breakerState() {
    return breaker.getState();
  }

  String shardOf(String key) {
    return remote == null ? "none" : remote.shardOf(key);
  }

  /** The entry of {@code key}, {@code null} when absent, or {@link #NO_ANSWER}. */
  Object get(String key) {
    if (remote == null) {
      return NO_ANSWER;
    }
    return call(() -> remote.get(key).toCompletableFuture(), key);
  }

  /** The entries found, or {@link #NO_ANSWER}. */
  Object getAll(Collection<String> keys) {
    if (remote == null || keys.isEmpty()) {
      return keys.isEmpty() ? Map.of() : NO_ANSWER;
    }
    return call(() -> remote.getAll(keys).toCompletableFuture(), keys.iterator().next());
  }

  /**
   * Stores entries (unless L2 holds newer versions), each with the TTL up to its stale deadline;
   * waits at most the timeout. Returns whether L2 answered: {@code false} when it is not
   * configured, held, refused by the breaker, failed or timed out.
   */
  boolean putAll(Map<String, Entry> entries, long nowMs) {
    if (remote == null || entries.isEmpty()) {
      return remote != null;
    }
    return call(
            () -> {
              List<CompletableFuture<Boolean>> puts = new ArrayList<>(entries.size());
              entries.forEach(
                  (key, e) ->
                      puts.add(
                          remote
                              .put(key, e, Duration.ofMillis(Math.max(1, e.staleUntilMs() - nowMs)))
                              .toCompletableFuture()));
              return CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new));
            },
            entries.keySet().iterator().next())
        != NO_ANSWER;
  }

  /**
   * Stores one entry unless L2 holds a newer version: {@link Boolean#TRUE} when stored, {@link
   * Boolean#FALSE} when a newer version was kept, or {@link #NO_ANSWER}.
   */
  Object put(String key, Entry e, long nowMs) {
    if (remote == null) {
      return NO_ANSWER;
    }
    return call(
        () ->
            remote
                .put(key, e, Duration.ofMillis(Math.max(1, e.staleUntilMs() - nowMs)))
                .toCompletableFuture(),
        key);
  }

  /** {@link RemoteTier#claimOnce}'s recorded claim, or {@link #NO_ANSWER}. */
  Object claimOnce(String key, String claim, Duration ttl) {
    if (remote == null) {
      return NO_ANSWER;
    }
    return call(() -> remote.claimOnce(key, claim, ttl).toCompletableFuture(), key);
  }

  /** Releases a write-once claim; failures are counted and otherwise ignored. */
  void releaseClaim(String key, String claim) {
    if (remote != null) {
      call(() -> remote.releaseClaim(key, claim).toCompletableFuture(), key);
    }
  }

  /** {@link RemoteTier#getOrLease}'s {@code LeasedRead}, or {@link #NO_ANSWER}. */
  Object getOrLease(String key, String token, Duration leaseTime) {
    if (remote == null) {
      return NO_ANSWER;
    }
    return call(() -> remote.getOrLease(key, token, leaseTime).toCompletableFuture(), key);
  }

  /**
   * {@link RemoteTier#getOrLease} for many keys at once (pipelined): a map of every key's {@code
   * LeasedRead}, or {@link #NO_ANSWER}.
   */
  Object getOrLeaseAll(Collection<String> keys, String token, Duration leaseTime) {
    if (remote == null || keys.isEmpty()) {
      return keys.isEmpty() ? Map.of() : NO_ANSWER;
    }
    return call(
        () -> {
          Map<String, CompletableFuture<LeasedRead>> reads = new LinkedHashMap<>();
          for (String key : keys) {
            reads.put(key, remote.getOrLease(key, token, leaseTime).toCompletableFuture());
          }
          return CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new))
              .thenApply(
                  x -> {
                    Map<String, LeasedRead> out = new LinkedHashMap<>();
                    reads.forEach((k, f) -> out.put(k, f.join()));
                    return out;
                  });
        },
        keys.iterator().next());
  }

  /** Whether the lease was granted; {@code false} also when L2 could not be asked. */
  boolean tryLease(String key, String token, Duration leaseTime) {
    if (remote == null) {
      return false;
    }
    return call(() -> remote.tryLease(key, token, leaseTime).toCompletableFuture(), key)
        == Boolean.TRUE;
  }

  /**
   * Stores entries under the lease of {@code token}: a map of which were stored, or {@link
   * #NO_ANSWER}.
   */
  Object putIfLeased(Map<String, Entry> entries, String token, long nowMs) {
    if (remote == null || entries.isEmpty()) {
      return entries.isEmpty() ? Map.of() : NO_ANSWER;
    }
    if (held) {
      // The value may predate an invalidation still journaled, so it is not stored; the leases
      // are released, or every other node would wait for them to lapse.
      entries.keySet().forEach(key -> releaseLease(key, token));
      return NO_ANSWER;
    }
    return call(
        () -> {
          Map<String, CompletableFuture<Boolean>> puts = new LinkedHashMap<>();
          entries.forEach(
              (key, e) ->
                  puts.put(
                      key,
                      remote
                          .putIfLeased(
                              key,
                              e,
                              Duration.ofMillis(Math.max(1, e.staleUntilMs() - nowMs)),
                              token)
                          .toCompletableFuture()));
          return CompletableFuture.allOf(puts.values().toArray(CompletableFuture[]::new))
              .thenApply(
                  x -> {
                    Map<String, Boolean> out = new LinkedHashMap<>();
                    puts.forEach((k, f) -> out.put(k, f.join()));
                    return out;
                  });
        },
        entries.keySet().iterator().next());
  }

  /** Releases the lease if {@code token} holds it; failures are counted and otherwise ignored. */
  void releaseLease(String key, String token) {
    if (remote != null && token != null) {
      // Even while held: releasing our own lease can void nothing anybody should keep.
      callUnheld(() -> remote.releaseLease(key, token).toCompletableFuture(), key);
    }
  }

  /** Milliseconds until a permit (0: taken), or {@link #NO_ANSWER}. */
  Object takePermit(String bucket, double perSecond, double burst) {
    if (remote == null) {
      return NO_ANSWER;
    }
    return call(() -> remote.takePermit(bucket, perSecond, burst).toCompletableFuture(), bucket);
  }

  /** Adds hot-key counts; {@link #NO_ANSWER} when L2 could not be reached. */
  Object addHotKeyCounts(String window, Map<String, Long> counts, Duration keep) {
    if (remote == null) {
      return NO_ANSWER;
    }
    return call(() -> remote.addHotKeyCounts(window, counts, keep).toCompletableFuture(), window);
  }

  /** The fleet's hot-key counts of a window, or {@link #NO_ANSWER}. */
  Object hotKeyCounts(String window, int limit) {
    if (remote == null) {
      return NO_ANSWER;
    }
    return call(() -> remote.hotKeyCounts(window, limit).toCompletableFuture(), window);
  }

  /** Removes keys; {@code false} when L2 could not be reached. */
  boolean delete(Collection<String> keys) {
    if (remote == null || keys.isEmpty()) {
      return remote != null;
    }
    return call(() -> remote.delete(keys).toCompletableFuture(), keys.iterator().next())
        != NO_ANSWER;
  }

  /**
   * Holds or releases L2. While held every call answers {@link #NO_ANSWER} without reaching L2,
   * except {@link #deleteWhileHeld} and releasing leases this node holds: L2 may still hold values
   * that invalidations journaled during an outage void, so it is not trusted until they are
   * replayed (DESIGN invariant 6).
   */
  void hold(boolean hold) {
    this.held = hold;
  }

  /** Whether L2 is held (see {@link #hold}). */
  boolean held() {
    return held;
  }

  /** {@link #delete} even while held: the replay of journaled invalidations. */
  boolean deleteWhileHeld(Collection<String> keys) {
    if (remote == null || keys.isEmpty()) {
      return true;
    }
    return callUnheld(() -> remote.delete(keys).toCompletableFuture(), keys.iterator().next())
        != NO_ANSWER;
  }

  private Object call(java.util.function.Supplier<CompletableFuture<?>> op, String sampleKey) {
    return held ? NO_ANSWER : callUnheld(op, sampleKey);
  }

  private Object callUnheld(
      java.util.function.Supplier<CompletableFuture<?>> op, String sampleKey) {
    if (!breaker.tryAcquirePermission()) {
      metrics.l2Error("rejected", shardOf(sampleKey));
      return NO_ANSWER;
    }
    long start = System.nanoTime();
    CompletableFuture<?> f = null;
    try {
      f = op.get();
      Object result = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
      breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      return result;
    } catch (TimeoutException e) {
      f.cancel(false);
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
      metrics.l2Error("timeout", shardOf(sampleKey));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      breaker.releasePermission();
    } catch (ExecutionException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, cause);
      metrics.l2Error("error", shardOf(sampleKey));
      log.debug("L2 call failed", cause);
    }
    return NO_ANSWER;
  }

  void close() {
    if (remote != null) {
      remote.close();
    }
  }
}
