package io.tiercache.tools;

import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.InvalidConfigException;
import io.tiercache.TieredCache;
import io.tiercache.TieredCacheBuilder;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClasses;
import io.tiercache.jdbc.CacheClassStore;
import io.tiercache.jdbc.JdbcOptions;
import io.tiercache.jdbc.JdbcSource;
import io.tiercache.jdbc.SampleData;
import io.tiercache.redis.RedisRemoteTier;
import io.tiercache.redis.RedisTierOptions;
import io.tiercache.redis.local.LocalRedisServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The embedded default of DESIGN.md ("Where it runs"): tiercache on a fresh machine with no set-up.
 *
 * <ul>
 *   <li>the source is an in-memory H2 database, migrated like any other source and filled with
 *       {@link SampleData};
 *   <li>the shipped cache classes ({@link CacheClasses#defaults()}) are seeded into its {@code
 *       cache_class} table and loaded back from it, as a distributed deployment reads them;
 *   <li>L2 is the configured Redis; when none is configured, a {@code redis-server} this instance
 *       starts itself on a free port when one is on the PATH; otherwise L1 only, with a one-line
 *       warning saying how to turn L2 on.
 * </ul>
 *
 * <pre>{@code
 * try (EmbeddedDefault embedded = EmbeddedDefault.start(EmbeddedDefault.Options.DEFAULT)) {
 *   String value = embedded.cache().get(embedded.sampleKeys().get(0));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing it closes its caches and stops only what it started: its own {@code
 * redis-server}, never a configured one, and its H2 database.
 */
public final class EmbeddedDefault implements AutoCloseable {

  /**
   * What the embedded default runs on. Immutable; start from {@link #DEFAULT}.
   *
   * @param redis the Redis to use as L2, or {@code null} for none configured: then a {@code
   *     redis-server} is started when {@code l2} is on and one is on the PATH
   * @param l2 whether to use an L2 at all; when off, {@code redis} must be null and no warning is
   *     given
   * @param sourceLatency added to every call to the source, 0 to 10 s, so that a miss costs what a
   *     remote database's round trip would and is visibly slower than a hit
   * @param sampleData how many sample rows the source holds
   */
  public record Options(
      RedisURI redis, boolean l2, Duration sourceLatency, SampleData.Spec sampleData) {

    /** Two milliseconds: a short round trip to a database in the same data centre. */
    public static final Duration DEFAULT_SOURCE_LATENCY = Duration.ofMillis(2);

    private static final Duration MAX_SOURCE_LATENCY = Duration.ofSeconds(10);

    /** No Redis configured (start one if possible), 2 ms source latency, the default sample. */
    public static final Options DEFAULT =
        new Options(null, true, DEFAULT_SOURCE_LATENCY, SampleData.Spec.DEFAULT);

    public Options {
      if (redis != null && !l2) {
        throw new InvalidConfigException("redis", "is set to " + redis + " while L2 is off");
      }
      if (sourceLatency == null
          || sourceLatency.isNegative()
          || sourceLatency.compareTo(MAX_SOURCE_LATENCY) > 0) {
        throw new InvalidConfigException(
            "sourceLatency", "must be 0 to " + MAX_SOURCE_LATENCY + ", was " + sourceLatency);
      }
      Objects.requireNonNull(sampleData, "sampleData");
    }

    /** A copy that uses the Redis at {@code uri} as L2. */
    public Options withRedis(RedisURI uri) {
      return new Options(Objects.requireNonNull(uri, "uri"), true, sourceLatency, sampleData);
    }

    /** A copy with L1 only: no Redis is configured or started, and no warning is given. */
    public Options withoutL2() {
      return new Options(null, false, sourceLatency, sampleData);
    }

    /** A copy with another source latency. */
    public Options withSourceLatency(Duration latency) {
      return new Options(redis, l2, latency, sampleData);
    }

    /** A copy with another sample. */
    public Options withSampleData(SampleData.Spec spec) {
      return new Options(redis, l2, sourceLatency, spec);
    }
  }

  private static final String H2_USER = "sa";
  private static final String H2_PASSWORD = "";

  private final Options options;
  private final String jdbcUrl;
  private final JdbcSource source;
  private final CacheClasses classes;
  private final LocalRedisServer ownRedis; // null when L2 is off or configured
  private final RedisURI l2;
  private final MeterRegistry meterRegistry = new SimpleMeterRegistry();
  private final List<TieredCache<String>> nodes = new ArrayList<>(); // guarded by this
  private final TieredCache<String> cache;
  private boolean closed; // guarded by this

  private EmbeddedDefault(
      Options options,
      String jdbcUrl,
      JdbcSource source,
      CacheClasses classes,
      LocalRedisServer ownRedis,
      RedisURI l2) {
    this.options = options;
    this.jdbcUrl = jdbcUrl;
    this.source = source;
    this.classes = classes;
    this.ownRedis = ownRedis;
    this.l2 = l2;
    this.cache = addNode();
  }

  /**
   * Starts the embedded default, giving warnings on standard error.
   *
   * @see #start(Options, Consumer)
   */
  public static EmbeddedDefault start(Options options) {
    return start(options, System.err::println);
  }

  /**
   * Opens and fills the source, seeds and loads the classes, finds or starts L2 and builds {@link
   * #cache()}.
   *
   * @param warnings receives one line when L2 is off because no {@code redis-server} is on the PATH
   * @throws io.tiercache.TierCacheException when the source cannot be set up, the configured Redis
   *     cannot be reached or the {@code redis-server} started here does not answer; whatever was
   *     started is stopped again
   */
  public static EmbeddedDefault start(Options options, Consumer<String> warnings) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(warnings, "warnings");
    // A database of its own per instance: in-memory H2 databases of one name are shared in a JVM.
    String url = "jdbc:h2:mem:tiercache-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    JdbcSource source = JdbcSource.open(JdbcOptions.of(url, H2_USER, H2_PASSWORD));
    LocalRedisServer ownRedis = null;
    try {
      CacheClassStore store = source.cacheClassStore();
      store.seed(CacheClasses.defaults().all());
      CacheClasses classes = store.load();
      SampleData.fill(source.dataSource(), options.sampleData());
      RedisURI l2 = options.redis();
      if (l2 == null && options.l2()) {
        if (LocalRedisServer.isAvailable()) {
          ownRedis = LocalRedisServer.start();
          l2 = ownRedis.uri();
        } else {
          warnings.accept(
              "WARNING: L2 is off (no redis-server on the PATH), so the cache runs with L1 only;"
                  + " install Redis (e.g. apt-get install redis-server) or give a Redis URI"
                  + " (--redis redis://host:port) to turn L2 on.");
        }
      }
      return new EmbeddedDefault(options, url, source, classes, ownRedis, l2);
    } catch (RuntimeException e) {
      if (ownRedis != null) {
        ownRedis.close();
      }
      closeSource(source, url);
      throw e;
    }
  }

  /** The cache built at start: the first node, its meters in {@link #meterRegistry()}. */
  public TieredCache<String> cache() {
    return cache;
  }

  /**
   * Another cache node over the same source and L2, with an L1 of its own, as a second instance of
   * a service would be: a key one node loaded is an L2 hit for the other. Its meters go to {@link
   * #meterRegistry()} too: its counters and timers add to the same meters as every other node's,
   * its gauges carry a {@code node} tag. Closed with this instance.
   *
   * @throws IllegalStateException after {@link #close}
   * @throws io.tiercache.TierCacheException when L2 cannot be reached
   */
  public synchronized TieredCache<String> addNode() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    String nodeId = "embedded-" + (nodes.size() + 1);
    TieredCacheBuilder<String> builder =
        TieredCache.builder(ValueCodec.utf8())
            .classes(classes)
            .loader(
                new SimulatedLatencyLoader<>(
                    SampleData.loader(source.dataSource()), options.sourceLatency()))
            .meterRegistry(nodeMeters(nodeId))
            .nodeId(nodeId);
    if (l2 != null) {
      builder.remoteTier(RedisRemoteTier.standalone(l2, RedisTierOptions.DEFAULT));
    }
    TieredCache<String> node = builder.build();
    nodes.add(node);
    return node;
  }

  /**
   * The registry a node registers its meters through: counters and timers land in the shared
   * registry under the same name and tags for every node, so they add up across nodes; a gauge
   * samples one node's state and cannot add up, so it gets a {@code node} tag of its own (without
   * it the second node's gauges would be dropped as duplicates).
   */
  private MeterRegistry nodeMeters(String nodeId) {
    CompositeMeterRegistry node = new CompositeMeterRegistry();
    node.config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                return id.getType() == Meter.Type.GAUGE || isL1Hits(id)
                    ? id.withTag(Tag.of("node", nodeId))
                    : id;
              }
            });
    node.add(meterRegistry);
    return node;
  }

  /**
   * Whether {@code id} is the L1-hit counter: a function counter over one node's per-thread cells,
   * which, like a gauge, cannot add up across nodes in one meter.
   */
  private static boolean isL1Hits(Meter.Id id) {
    return id.getName().equals("tiercache.gets")
        && "l1".equals(id.getTag("tier"))
        && "hit".equals(id.getTag("result"));
  }

  /** The Redis used as L2, or empty when the cache runs with L1 only. */
  public Optional<RedisURI> l2() {
    return Optional.ofNullable(l2);
  }

  /** Whether L2 is a {@code redis-server} started by this instance (and stopped by its close). */
  public boolean startedRedis() {
    return ownRedis != null;
  }

  /** The cache classes, as loaded from the source's {@code cache_class} table. */
  public CacheClasses classes() {
    return classes;
  }

  /** Every key of the sample data, in generation order. */
  public List<String> sampleKeys() {
    return SampleData.keys(options.sampleData());
  }

  /**
   * The meters of every node: counters and timers summed over the nodes, gauges (such as {@code
   * tiercache.l1.size}) per node, tagged {@code node=embedded-1}, {@code embedded-2}, ...
   */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** The options it was started with. */
  public Options options() {
    return options;
  }

  /**
   * Closes every node, stops the {@code redis-server} it started (if any) and drops the H2
   * database. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    nodes.forEach(TieredCache::close);
    if (ownRedis != null) {
      ownRedis.close();
    }
    closeSource(source, jdbcUrl);
  }

  // DB_CLOSE_DELAY=-1 keeps an in-memory database until the JVM exits; SHUTDOWN frees it now.
  private static void closeSource(JdbcSource source, String url) {
    source.close();
    try (Connection conn = DriverManager.getConnection(url, H2_USER, H2_PASSWORD);
        Statement st = conn.createStatement()) {
      st.execute("SHUTDOWN");
    } catch (SQLException e) {
      // Only memory is at stake, and the JVM frees it at exit.
    }
  }
}
