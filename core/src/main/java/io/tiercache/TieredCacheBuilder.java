package io.tiercache;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.classes.CacheClasses;
import io.tiercache.internal.DefaultTieredCache;
import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.spi.InvalidationAudit;
import io.tiercache.spi.InvalidationBus;
import io.tiercache.spi.RemoteTier;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.random.RandomGenerator;

/**
 * Builds a {@link TieredCache}. Only the loader is required; without a remote tier the cache is L1
 * only.
 */
public final class TieredCacheBuilder<V> {
  private final ValueCodec<V> codec;
  private CacheClasses classes;
  private CacheLoader<V> loader;
  private RemoteTier remoteTier;
  private L2Options l2Options = L2Options.DEFAULT;
  private LoadOptions loadOptions = LoadOptions.DEFAULT;
  private RandomGenerator random;
  private String nodeId;
  private InvalidationBus invalidationBus;
  private HotKeyOptions hotKeyOptions = HotKeyOptions.DEFAULT;
  private Clock clock = Clock.systemUTC();
  private Executor executor = ForkJoinPool.commonPool();
  private MeterRegistry meterRegistry;
  private CacheWriter<V> writer;
  private WriteBackOptions writeBack;
  private double staleReadSampling;
  private InvalidationAudit invalidationAudit;

  TieredCacheBuilder(ValueCodec<V> codec) {
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  /** The cache classes; {@link CacheClasses#defaults()} when not set. */
  public TieredCacheBuilder<V> classes(CacheClasses classes) {
    this.classes = Objects.requireNonNull(classes, "classes");
    return this;
  }

  /** Reads the source of truth. Required. */
  public TieredCacheBuilder<V> loader(CacheLoader<V> loader) {
    this.loader = Objects.requireNonNull(loader, "loader");
    return this;
  }

  /**
   * Writes the source of truth for {@link TieredCache#write} and {@link TieredCache#delete}; the
   * cache is read-only (writes fail) when not set.
   */
  public TieredCacheBuilder<V> writer(CacheWriter<V> writer) {
    this.writer = Objects.requireNonNull(writer, "writer");
    return this;
  }

  /**
   * Where this node journals the writes of {@code write_back} classes. Without it, writes to such
   * classes fail. The journal is replayed when the cache is built: writes a crash left pending are
   * sent to the source again.
   */
  public TieredCacheBuilder<V> writeBack(WriteBackOptions writeBack) {
    this.writeBack = Objects.requireNonNull(writeBack, "writeBack");
    return this;
  }

  /** The shared L2; the cache closes it when it is closed. */
  public TieredCacheBuilder<V> remoteTier(RemoteTier remoteTier) {
    this.remoteTier = Objects.requireNonNull(remoteTier, "remoteTier");
    return this;
  }

  /** Timeouts and circuit breaker of L2 calls; {@link L2Options#DEFAULT} when not set. */
  public TieredCacheBuilder<V> l2Options(L2Options l2Options) {
    this.l2Options = Objects.requireNonNull(l2Options, "l2Options");
    return this;
  }

  /** Leases, rate-limit waits and background refresh; {@link LoadOptions#DEFAULT} when not set. */
  public TieredCacheBuilder<V> loadOptions(LoadOptions loadOptions) {
    this.loadOptions = Objects.requireNonNull(loadOptions, "loadOptions");
    return this;
  }

  /**
   * The randomness of probabilistic early refresh, called from any thread (so it must be
   * thread-safe); {@code ThreadLocalRandom} when not set. Tests pass a fixed generator.
   */
  public TieredCacheBuilder<V> random(RandomGenerator random) {
    this.random = Objects.requireNonNull(random, "random");
    return this;
  }

  /**
   * Carries invalidations to the other nodes; an in-process bus (this cache alone) when not set.
   * Caches that share L2 must share a bus, or they keep serving what others invalidated from L1.
   */
  public TieredCacheBuilder<V> invalidationBus(InvalidationBus invalidationBus) {
    this.invalidationBus = Objects.requireNonNull(invalidationBus, "invalidationBus");
    return this;
  }

  /** How hot keys are found and kept; {@link HotKeyOptions#DEFAULT} when not set. */
  public TieredCacheBuilder<V> hotKeys(HotKeyOptions hotKeyOptions) {
    this.hotKeyOptions = Objects.requireNonNull(hotKeyOptions, "hotKeyOptions");
    return this;
  }

  /**
   * Records every invalidation this node issues (DESIGN invariant 10), e.g. {@code
   * JdbcInvalidationAudit} in the source database; none when not set.
   */
  public TieredCacheBuilder<V> invalidationAudit(InvalidationAudit invalidationAudit) {
    this.invalidationAudit = Objects.requireNonNull(invalidationAudit, "invalidationAudit");
    return this;
  }

  /**
   * This node's name in lease tokens and logs; a random id when not set. Must differ between nodes.
   */
  public TieredCacheBuilder<V> nodeId(String nodeId) {
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    return this;
  }

  /**
   * The clock of every deadline, L1's ticker included; the system UTC clock when not set. Tests
   * pass a manual clock to move time.
   */
  public TieredCacheBuilder<V> clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Runs Caffeine's maintenance and background work; the common pool when not set. */
  public TieredCacheBuilder<V> executor(Executor executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
    return this;
  }

  /** Where meters are registered; a private {@code SimpleMeterRegistry} when not set. */
  public TieredCacheBuilder<V> meterRegistry(MeterRegistry meterRegistry) {
    this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
    return this;
  }

  /**
   * Re-checks this fraction (0 to 1) of served hits against the source in the background and counts
   * those proven staler than {@code ttl + staleness_epsilon} as {@code
   * tiercache.stale.reads{class,tier}}; 0 (off) when not set. Checks take permits of the class's
   * rate limit and are dropped, never queued without bound, when there are none.
   *
   * @throws InvalidConfigException when {@code fraction} is not within 0 to 1
   */
  public TieredCacheBuilder<V> staleReadSampling(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new InvalidConfigException("staleReadSampling", "must be 0 to 1, was " + fraction);
    }
    this.staleReadSampling = fraction;
    return this;
  }

  /**
   * Builds the cache.
   *
   * @throws NullPointerException when no loader was set
   * @throws WriteFailedException when the write-back journal cannot be opened (or is open in
   *     another process)
   */
  public TieredCache<V> build() {
    Objects.requireNonNull(loader, "a loader is required");
    return new DefaultTieredCache<>(
        codec,
        classes != null ? classes : CacheClasses.defaults(),
        loader,
        remoteTier,
        l2Options,
        loadOptions,
        clock,
        executor,
        meterRegistry != null ? meterRegistry : new SimpleMeterRegistry(),
        random,
        nodeId,
        invalidationBus != null ? invalidationBus : new InProcessInvalidationBus(),
        hotKeyOptions,
        writer,
        writeBack,
        staleReadSampling,
        invalidationAudit);
  }
}
