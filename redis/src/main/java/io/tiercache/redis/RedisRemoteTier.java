package io.tiercache.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.tiercache.redis.internal.LeaseScripts;
import io.tiercache.redis.internal.RedisEndpoint;
import io.tiercache.spi.Entry;
import io.tiercache.spi.EntryCodec;
import io.tiercache.spi.LeaseState;
import io.tiercache.spi.LeasedRead;
import io.tiercache.spi.RemoteTier;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L2 on Redis, standalone or Redis Cluster, through one multiplexed Lettuce connection. Each entry
 * is one Redis string: the {@link EntryCodec} envelope, under {@link RedisTierOptions#keyPrefix()}
 * plus the cache key in braces ({@code tc:{user:1}}), expiring with the TTL the cache gives (SET
 * PX). The key's lease lives beside it under {@code tc:{user:1}:lease}; the braces are a hash tag,
 * so entry and lease share a cluster slot and the Lua scripts of {@link LeaseScripts} can update
 * both atomically. {@link #getAll} is one MGET, which on a cluster Lettuce splits by slot and
 * pipelines to the masters.
 *
 * <p>Commands are rejected, not queued, while a connection is down, and time out after {@link
 * RedisTierOptions#commandTimeout()}: an outage shows up as failed stages at once, which the
 * cache's circuit breaker counts. Lettuce reconnects by itself.
 *
 * <p>Thread-safe. Close it (or the cache that owns it) to release the connection.
 */
public final class RedisRemoteTier implements RemoteTier {
  private static final Logger log = LoggerFactory.getLogger(RedisRemoteTier.class);

  private final RedisEndpoint endpoint;
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final RedisTierOptions options;
  private final String prefix;
  private final AtomicBoolean closed = new AtomicBoolean();
  private static final String LEASE_SUFFIX = ":lease";
  private static final String CLAIM_SUFFIX = ":once";

  private RedisRemoteTier(RedisEndpoint endpoint, RedisTierOptions options) {
    this.endpoint = endpoint;
    this.commands = endpoint.commands();
    this.options = options;
    this.prefix = options.keyPrefix();
  }

  /**
   * Connects to a standalone Redis with {@link RedisTierOptions#DEFAULT}.
   *
   * @throws io.tiercache.TierCacheException when Redis cannot be reached
   */
  public static RedisRemoteTier standalone(RedisURI uri) {
    return standalone(uri, RedisTierOptions.DEFAULT);
  }

  /**
   * Connects to a standalone Redis.
   *
   * @throws io.tiercache.TierCacheException when Redis cannot be reached
   */
  public static RedisRemoteTier standalone(RedisURI uri, RedisTierOptions options) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    return new RedisRemoteTier(RedisEndpoint.standalone(uri, options), options);
  }

  /**
   * Connects to a Redis Cluster through any of {@code seeds}, with {@link
   * RedisTierOptions#DEFAULT}.
   *
   * @throws io.tiercache.TierCacheException when no seed can be reached
   */
  public static RedisRemoteTier cluster(List<RedisURI> seeds) {
    return cluster(seeds, RedisTierOptions.DEFAULT);
  }

  /**
   * Connects to a Redis Cluster through any of {@code seeds}; the rest of the topology is
   * discovered from them and refreshed as {@code options} say.
   *
   * @throws IllegalArgumentException when {@code seeds} is empty
   * @throws io.tiercache.TierCacheException when no seed can be reached
   */
  public static RedisRemoteTier cluster(List<RedisURI> seeds, RedisTierOptions options) {
    Objects.requireNonNull(options, "options");
    return new RedisRemoteTier(RedisEndpoint.cluster(List.copyOf(seeds), options), options);
  }

  /** The options this tier was built with. */
  public RedisTierOptions options() {
    return options;
  }

  /**
   * {@inheritDoc}
   *
   * <p>A value that is not an envelope (foreign data under a tiercache key) reads as absent.
   */
  @Override
  public CompletionStage<Entry> get(String key) {
    String redisKey = redisKey(key);
    return send(() -> commands.get(redisKey)).thenApply(bytes -> decodeOrMiss(redisKey, bytes));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One MGET; values that are not envelopes are left out like absent keys.
   */
  @Override
  public CompletionStage<Map<String, Entry>> getAll(Collection<String> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    String[] redisKeys = keys.stream().map(this::redisKey).toArray(String[]::new);
    return send(() -> commands.mget(redisKeys)).thenApply(this::toEntries);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when {@code ttl} is not positive
   */
  @Override
  public CompletionStage<Boolean> put(String key, Entry entry, Duration ttl) {
    Objects.requireNonNull(entry, "entry");
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    String redisKey = redisKey(key);
    byte[] bytes = EntryCodec.encode(entry);
    // PX takes whole milliseconds and refuses 0; a sub-millisecond TTL rounds up.
    long px = Math.max(1, ttl.toMillis());
    return send(() ->
            LeaseScripts.PUT_UNLESS_NEWER.<Long>run(
                commands, new String[] {redisKey, redisKey + LEASE_SUFFIX}, bytes, px))
        .thenApply(stored -> stored == 1L);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The claim lives under {@code tc:{key}:once}, in the entry's slot.
   */
  @Override
  public CompletionStage<String> claimOnce(String key, String claim, Duration ttl) {
    Objects.requireNonNull(claim, "claim");
    String claimKey = redisKey(key) + CLAIM_SUFFIX;
    long px = Math.max(1, ttl.toMillis());
    return send(() ->
            LeaseScripts.CLAIM_ONCE.<byte[]>run(commands, new String[] {claimKey}, claim, px))
        .thenApply(held -> new String(held, java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public CompletionStage<Void> releaseClaim(String key, String claim) {
    String claimKey = redisKey(key) + CLAIM_SUFFIX;
    return send(() ->
            LeaseScripts.RELEASE_LEASE.<Long>run(commands, new String[] {claimKey}, claim))
        .thenApply(x -> null);
  }

  @Override
  public CompletionStage<LeasedRead> getOrLease(String key, String token, Duration leaseTime) {
    String redisKey = redisKey(key);
    return send(() ->
            LeaseScripts.GET_OR_LEASE.<List<Object>>run(
                commands,
                new String[] {redisKey, redisKey + LEASE_SUFFIX},
                token,
                Math.max(1, leaseTime.toMillis())))
        .thenApply(
            reply -> {
              Entry e = decodeOrMiss(redisKey, (byte[]) reply.get(0));
              String state =
                  new String((byte[]) reply.get(1), java.nio.charset.StandardCharsets.UTF_8);
              LeaseState lease =
                  switch (state) {
                    case "granted" -> LeaseState.GRANTED;
                    case "held" -> LeaseState.HELD_ELSEWHERE;
                    default -> LeaseState.NONE;
                  };
              return new LeasedRead(e, lease);
            });
  }

  @Override
  public CompletionStage<Boolean> tryLease(String key, String token, Duration leaseTime) {
    String leaseKey = redisKey(key) + LEASE_SUFFIX;
    byte[] t = token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    SetArgs nxpx = SetArgs.Builder.nx().px(Math.max(1, leaseTime.toMillis()));
    return send(() -> commands.set(leaseKey, t, nxpx)).thenApply("OK"::equals);
  }

  @Override
  public CompletionStage<Boolean> putIfLeased(String key, Entry entry, Duration ttl, String token) {
    String redisKey = redisKey(key);
    byte[] bytes = EntryCodec.encode(entry);
    long px = Math.max(1, ttl.toMillis());
    return send(() ->
            LeaseScripts.PUT_IF_LEASED.<Long>run(
                commands, new String[] {redisKey, redisKey + LEASE_SUFFIX}, token, bytes, px))
        .thenApply(stored -> stored == 1L);
  }

  @Override
  public CompletionStage<Void> releaseLease(String key, String token) {
    String leaseKey = redisKey(key) + LEASE_SUFFIX;
    return send(() ->
            LeaseScripts.RELEASE_LEASE.<Long>run(commands, new String[] {leaseKey}, token))
        .thenApply(x -> null);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One sorted set per window under {@code prefix + "hot:" + window}; the ZINCRBYs and the
   * PEXPIRE are pipelined.
   */
  @Override
  public CompletionStage<Void> addHotKeyCounts(
      String window, Map<String, Long> counts, Duration keep) {
    if (counts.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String zset = prefix + "hot:" + window;
    List<CompletableFuture<?>> sent = new java.util.ArrayList<>(counts.size() + 1);
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      byte[] member = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      sent.add(send(() -> commands.zincrby(zset, e.getValue(), member)).toCompletableFuture());
    }
    sent.add(send(() -> commands.pexpire(zset, keep.toMillis())).toCompletableFuture());
    return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
  }

  @Override
  public CompletionStage<Map<String, Double>> hotKeyCounts(String window, int limit) {
    String zset = prefix + "hot:" + window;
    return send(() -> commands.zrevrangeWithScores(zset, 0, limit - 1))
        .thenApply(
            scored -> {
              Map<String, Double> top = new HashMap<>();
              scored.forEach(
                  s ->
                      top.put(
                          new String(s.getValue(), java.nio.charset.StandardCharsets.UTF_8),
                          s.getScore()));
              return top;
            });
  }

  @Override
  public CompletionStage<Long> takePermit(String bucket, double perSecond, double burst) {
    String bucketKey = redisKey(bucket);
    return send(
        () ->
            LeaseScripts.TAKE_PERMIT.<Long>run(
                commands,
                new String[] {bucketKey},
                Double.toString(perSecond),
                Double.toString(burst)));
  }

  @Override
  public CompletionStage<Long> delete(Collection<String> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(0L);
    }
    String[] redisKeys = keys.stream().map(this::redisKey).toArray(String[]::new);
    String[] leaseKeys =
        keys.stream()
            .flatMap(
                k ->
                    java.util.stream.Stream.of(
                        redisKey(k) + LEASE_SUFFIX, redisKey(k) + CLAIM_SUFFIX))
            .toArray(String[]::new);
    // Voiding the leases is what keeps a load in flight from installing its older value
    // afterwards (DESIGN invariant 3); both DELs are pipelined, the count is the entries'. The
    // write-once claims go with the leases: a deleted key may be written again.
    CompletionStage<Long> leases = send(() -> commands.del(leaseKeys));
    CompletionStage<Long> entries = send(() -> commands.del(redisKeys));
    return entries.thenCombine(leases, (n, ignored) -> n);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Standalone: the server's {@code host:port}. Cluster: the {@code host:port} of the master
   * that serves the key's slot in the current topology.
   */
  @Override
  public String shardOf(String key) {
    return endpoint.shardOf(redisKey(key));
  }

  /** Closes the connection and the Lettuce client's threads. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      endpoint.close();
    }
  }

  @Override
  public String toString() {
    return "RedisRemoteTier[prefix=" + prefix + ", " + endpoint + "]";
  }

  private String redisKey(String key) {
    Objects.requireNonNull(key, "key");
    return prefix + '{' + key + '}';
  }

  private Map<String, Entry> toEntries(List<KeyValue<String, byte[]>> values) {
    Map<String, Entry> found = new HashMap<>(values.size() * 2);
    for (KeyValue<String, byte[]> kv : values) {
      Entry e = decodeOrMiss(kv.getKey(), kv.getValueOrElse(null));
      if (e != null) {
        String stored = kv.getKey();
        found.put(stored.substring(prefix.length() + 1, stored.length() - 1), e);
      }
    }
    return found;
  }

  private static Entry decodeOrMiss(String redisKey, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return EntryCodec.decode(bytes);
    } catch (IllegalArgumentException e) {
      // Someone else's data under our key: a miss, so the next load overwrites it.
      log.debug("value under '{}' is not a tiercache entry; treated as a miss", redisKey);
      return null;
    }
  }

  /**
   * Sends a command so that every failure is a failed stage, as {@link RemoteTier} promises:
   * Lettuce may also throw while dispatching, for example when the client is shut down.
   */
  private static <T> CompletionStage<T> send(Supplier<CompletionStage<T>> command) {
    try {
      return command.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
