package io.tiercache.redis;

import io.lettuce.core.RedisURI;
import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.TierCacheException;
import io.tiercache.redis.internal.BusClient;
import io.tiercache.redis.internal.BusScripts;
import io.tiercache.spi.InvalidationBus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's invalidation bus on a Redis Stream (DESIGN invariants 1 and 10). One per node: give
 * it to {@link io.tiercache.TieredCacheBuilder#invalidationBus} with the same node id.
 *
 * <ul>
 *   <li><b>Order.</b> A Lua script increments the counter and appends the entry with the id {@code
 *       <sequence>-0} in one step, so sequence order is stream order and sequences have no holes.
 *       See {@link BusScripts} for why the counter starts from the clock.
 *   <li><b>Delivery.</b> Each subscription reads with XREAD BLOCK on its own connection and thread,
 *       in order, and resumes after its watermark when the connection comes back, replaying what it
 *       missed. Entries trimmed before it read them (the stream keeps about {@link
 *       RedisBusOptions#maxLength()} entries for at most {@link RedisBusOptions#maxAge()}) are
 *       reported to {@code onGap}, and the node flushes instead.
 *   <li><b>Storms.</b> Publishing is group-committed: key invalidations queued while a publish is
 *       in flight are coalesced into one KEYS entry (see {@link BusPublisher}).
 *   <li><b>Heartbeats.</b> Every {@link RedisBusOptions#heartbeatInterval()}, and after each batch
 *       it applies, a node records its watermark in a hash stamped with the server's time; {@link
 *       #nodesApplied} and {@link #nodeWatermarks} read it, so the gateway can report how many
 *       nodes applied an invalidation. The same periodic task trims entries older than the max age.
 * </ul>
 *
 * <p>Thread-safe. Closing the bus stops its subscriptions and removes the node from the hash.
 */
public final class RedisInvalidationBus implements InvalidationBus {
  private static final Logger log = LoggerFactory.getLogger(RedisInvalidationBus.class);

  /** How long a node that stopped beating stays in the hash before it is forgotten. */
  private static final Duration FORGET_AFTER = Duration.ofHours(1);

  private static final long EAGER_BEAT_MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final BusClient client;
  private final BusClient.Connection shared;
  private final RedisBusOptions options;
  private final String node;
  private final Clock clock;
  private final BusPublisher publisher;
  private final List<BusSubscription> subscriptions = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService ticker;
  private volatile boolean closed;
  private volatile long lastBeatNanos;

  private RedisInvalidationBus(
      BusClient client, String node, RedisBusOptions options, Clock clock) {
    this.client = client;
    this.options = options;
    this.node = node;
    this.clock = clock;
    try {
      this.shared = client.connect(options.commandTimeout());
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    this.publisher = new BusPublisher(shared.commands(), options, node);
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tiercache-bus-heartbeat-" + node);
              t.setDaemon(true);
              return t;
            });
    long beat = options.heartbeatInterval().toMillis();
    ticker.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
    long trim = Math.max(1000, Math.min(60_000, options.maxAge().toMillis() / 10));
    ticker.scheduleWithFixedDelay(this::trimByAge, trim, trim, TimeUnit.MILLISECONDS);
  }

  /**
   * Connects to a standalone Redis with {@link RedisBusOptions#DEFAULT}.
   *
   * @param node this node's id, as given to the cache
   * @throws TierCacheException when Redis cannot be reached
   */
  public static RedisInvalidationBus standalone(RedisURI uri, String node) {
    return standalone(uri, node, RedisBusOptions.DEFAULT);
  }

  /**
   * Connects to a standalone Redis.
   *
   * @param node this node's id, as given to the cache
   * @throws TierCacheException when Redis cannot be reached
   */
  public static RedisInvalidationBus standalone(
      RedisURI uri, String node, RedisBusOptions options) {
    Objects.requireNonNull(uri, "uri");
    requireNode(node);
    Objects.requireNonNull(options, "options");
    return new RedisInvalidationBus(
        BusClient.standalone(uri, options.reconnectDelayMax()), node, options, Clock.systemUTC());
  }

  /**
   * Connects to a Redis Cluster through any of {@code seeds}; the bus's keys live in one slot.
   *
   * @param node this node's id, as given to the cache
   * @throws IllegalArgumentException when {@code seeds} is empty
   * @throws TierCacheException when no seed can be reached
   */
  public static RedisInvalidationBus cluster(
      List<RedisURI> seeds, String node, RedisBusOptions options) {
    requireNode(node);
    Objects.requireNonNull(options, "options");
    return new RedisInvalidationBus(
        BusClient.cluster(List.copyOf(seeds), options.reconnectDelayMax()),
        node,
        options,
        Clock.systemUTC());
  }

  private static void requireNode(String node) {
    if (node == null || node.isEmpty() || node.contains(":")) {
      throw new IllegalArgumentException("node must be a non-empty id without ':', was " + node);
    }
  }

  /** This node's id. */
  public String node() {
    return node;
  }

  /** The options this bus was built with. */
  public RedisBusOptions options() {
    return options;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Waits at most {@link RedisBusOptions#commandTimeout()}. A publish that timed out may still
   * be appended later; invalidations are idempotent, so publishing it again is harmless.
   */
  @Override
  public Invalidation publish(InvalidationRequest request, String originNode, Instant issuedAt) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(originNode, "originNode");
    Objects.requireNonNull(issuedAt, "issuedAt");
    try {
      return publisher
          .submit(request, originNode, issuedAt)
          .get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TierCacheException("interrupted while publishing an invalidation", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new TierCacheException("cannot publish an invalidation to " + client, cause);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Delivery starts at once on a thread of the subscription's own. With {@code afterSequence} 0
   * (a node with nothing cached yet) every retained entry is replayed and no gap is reported.
   *
   * @throws TierCacheException when Redis cannot be reached for the subscription's connection
   */
  @Override
  public Subscription subscribe(
      long afterSequence, Consumer<Invalidation> listener, Consumer<Long> onGap) {
    if (afterSequence < 0) {
      throw new IllegalArgumentException("afterSequence must be >= 0, was " + afterSequence);
    }
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(onGap, "onGap");
    BusClient.Connection dedicated =
        client.connect(options.pollTimeout().plus(options.commandTimeout()));
    BusSubscription[] self = new BusSubscription[1];
    self[0] =
        new BusSubscription(
            dedicated,
            options,
            afterSequence,
            listener,
            onGap,
            watermark -> heartbeatSoon(),
            () -> subscriptions.remove(self[0]),
            clock,
            "tiercache-bus-read-" + node);
    subscriptions.add(self[0]);
    return self[0];
  }

  /**
   * How many live nodes (heard within {@link RedisBusOptions#nodeLiveness()}) have applied the
   * invalidation of {@code sequence} or a later one.
   *
   * @throws TierCacheException when Redis cannot be reached
   */
  public long nodesApplied(long sequence) {
    return nodeWatermarks().values().stream().filter(w -> w >= sequence).count();
  }

  /**
   * The applied watermark of every live node, by node id.
   *
   * @throws TierCacheException when Redis cannot be reached
   */
  public Map<String, Long> nodeWatermarks() {
    List<Object> flat =
        await(
            BusScripts.LIVE_NODES.run(
                shared.commands(),
                new String[] {options.nodesKey()},
                options.nodeLiveness().toMillis(),
                FORGET_AFTER.toMillis()));
    Map<String, Long> watermarks = new TreeMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      watermarks.put(text(flat.get(i)), Long.parseLong(text(flat.get(i + 1))));
    }
    return watermarks;
  }

  /** How many gaps (entries missed and not replayable) this node's subscriptions have met. */
  public long gaps() {
    return subscriptions.stream().mapToLong(BusSubscription::gaps).sum();
  }

  /**
   * After a delivered batch: beats at once unless it beat within the last few milliseconds. In a
   * storm batches come faster than that, and the periodic beat records the rest.
   */
  private void heartbeatSoon() {
    long now = System.nanoTime();
    long last = lastBeatNanos;
    if (now - last >= EAGER_BEAT_MIN_GAP_NANOS) {
      lastBeatNanos = now;
      heartbeat();
    }
  }

  /**
   * Records the node's watermark without waiting: a lost heartbeat is followed by the next one.
   * With several subscriptions the node has applied only what the slowest has delivered.
   */
  private void heartbeat() {
    if (closed || subscriptions.isEmpty()) {
      return;
    }
    long lowest = subscriptions.stream().mapToLong(BusSubscription::watermark).min().orElse(0);
    try {
      BusScripts.HEARTBEAT.run(
          shared.commands(), new String[] {options.nodesKey()}, node, Long.toString(lowest));
    } catch (RuntimeException e) {
      log.debug("heartbeat failed", e);
    }
  }

  private void trimByAge() {
    try {
      BusScripts.TRIM_BY_AGE.run(
          shared.commands(), new String[] {options.streamKey()}, options.maxAge().toMillis());
    } catch (RuntimeException e) {
      log.debug("trimming the invalidation stream failed", e);
    }
  }

  private <T> T await(CompletionStage<T> stage) {
    try {
      return stage
          .toCompletableFuture()
          .get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TierCacheException("interrupted while reading the invalidation bus", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new TierCacheException(
          "cannot read the invalidation bus at " + client,
          e instanceof ExecutionException ? e.getCause() : e);
    }
  }

  private static String text(Object value) {
    return value instanceof byte[] b
        ? new String(b, StandardCharsets.UTF_8)
        : String.valueOf(value);
  }

  @Override
  public String toString() {
    return "RedisInvalidationBus[" + node + ", " + client + "]";
  }

  /** Stops the subscriptions, forgets this node's heartbeat and closes the connections. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ticker.shutdownNow();
    subscriptions.forEach(BusSubscription::close);
    publisher.close();
    try {
      shared
          .commands()
          .hdel(options.nodesKey(), node)
          .get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.debug("could not remove node {} from the heartbeat hash", node, e);
    }
    shared.close();
    client.close();
  }
}
