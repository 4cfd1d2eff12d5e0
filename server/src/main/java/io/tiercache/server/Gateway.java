package io.tiercache.server;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tiercache.InvalidConfigException;
import io.tiercache.TierCacheException;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import io.tiercache.jdbc.CacheClassStore;
import io.tiercache.jdbc.JdbcOptions;
import io.tiercache.jdbc.JdbcSource;
import io.tiercache.jdbc.SampleData;
import io.tiercache.server.internal.Api;
import io.tiercache.server.internal.AuditLog;
import io.tiercache.server.internal.Auth;
import io.tiercache.server.internal.ClassSync;
import io.tiercache.server.internal.ClassesEndpoint;
import io.tiercache.server.internal.DataPlane;
import io.tiercache.server.internal.EdgePurger;
import io.tiercache.server.internal.Health;
import io.tiercache.server.internal.Inputs;
import io.tiercache.server.internal.InvalidateEndpoint;
import io.tiercache.server.internal.Invalidations;
import io.tiercache.server.internal.L2Connection;
import io.tiercache.server.internal.MetricsReport;
import io.tiercache.server.internal.Namespaces;
import io.tiercache.server.internal.NodeRegistry;
import io.tiercache.server.internal.RedisInfo;
import io.tiercache.server.internal.ServerSchema;
import io.tiercache.server.internal.WarmupEndpoint;
import io.tiercache.server.internal.Warmups;
import io.tiercache.spi.InvalidationBus;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the HTTP data and control planes over one cache per namespace. The entry point
 * of this module.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(ConfigFile.read(Path.of("gateway.yaml")))) {
 *   System.out.println(gateway.url());
 * }
 * }</pre>
 *
 * <p>Starting opens the metadata database (migrating the library's and the gateway's tables), seeds
 * the cache classes, connects L2 (or starts a local {@code redis-server} in mode {@code auto}),
 * builds the caches, joins the node registry and listens. Closing undoes all of it in reverse
 * order. Thread-safe.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final String nodeId;
  private final Javalin app;
  private final Deque<AutoCloseable> resources; // closed last-opened first
  private final boolean l2;
  private final AtomicBoolean running; // read by the readiness check

  private Gateway(
      String nodeId,
      Javalin app,
      Deque<AutoCloseable> resources,
      boolean l2,
      AtomicBoolean running) {
    this.nodeId = nodeId;
    this.app = app;
    this.resources = resources;
    this.l2 = l2;
    this.running = running;
  }

  /**
   * Starts a gateway with its own in-process invalidation buses and the system clock.
   *
   * @throws io.tiercache.InvalidConfigException when the configuration is inconsistent
   * @throws TierCacheException when the database or Redis cannot be reached
   */
  public static Gateway start(GatewayConfig config) {
    return builder(config).start();
  }

  /** A builder, for what a YAML file does not say: shared buses, a clock. */
  public static Builder builder(GatewayConfig config) {
    return new Builder(config);
  }

  /** The port the gateway listens on (the one picked when the configured port was 0). */
  public int port() {
    return app.port();
  }

  /** The gateway's base URL on the loopback interface. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** This node's id. */
  public String nodeId() {
    return nodeId;
  }

  /** Whether L2 is configured (false: L1 only). */
  public boolean hasL2() {
    return l2;
  }

  /** Stops listening and releases every resource the gateway opened. Idempotent. */
  @Override
  public synchronized void close() {
    if (!running.getAndSet(false)) {
      return;
    }
    app.stop();
    closeAll(resources);
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable r = resources.pop();
      try {
        r.close();
      } catch (Exception e) {
        log.warn("closing {} failed", r, e);
      }
    }
  }

  /** Builds and starts a {@link Gateway}. */
  public static final class Builder {
    private final GatewayConfig config;
    private InvalidationBuses buses;
    private Clock clock = Clock.systemUTC();

    private Builder(GatewayConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * The buses of the namespaces; the gateway's own in-process ones when not set. Gateways given
     * the same instance see each other's invalidations; the caller closes it.
     */
    public Builder invalidationBuses(InvalidationBuses buses) {
      this.buses = Objects.requireNonNull(buses, "buses");
      return this;
    }

    /** The clock of every deadline and header; the system clock when not set. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Starts the gateway; on failure, whatever was opened is closed again. */
    public Gateway start() {
      Deque<AutoCloseable> opened = new ArrayDeque<>();
      try {
        return startTracking(opened);
      } catch (RuntimeException e) {
        closeAll(opened);
        throw e;
      }
    }

    private Gateway startTracking(Deque<AutoCloseable> opened) {
      String nodeId =
          config.nodeId() != null
              ? config.nodeId()
              : "gw-" + UUID.randomUUID().toString().substring(0, 8);
      JdbcSource db = openDatabase(opened);
      CacheClassStore store = db.cacheClassStore();
      CacheClasses classes = store.load();
      L2Connection redis = L2Connection.open(config.redis(), clock, opened);
      PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      opened.push(prometheus::close);
      Namespaces namespaces =
          Namespaces.build(
              config.namespaces().values(),
              new Namespaces.Wiring(
                  classes,
                  db.dataSource(),
                  redis.tiers(),
                  redis.options(),
                  buses(opened, redis, nodeId)::forNamespace,
                  prometheus,
                  nodeId,
                  clock));
      opened.push(namespaces);
      ScheduledExecutorService scheduler =
          Executors.newScheduledThreadPool(2, daemon("tiercache-gateway-" + nodeId));
      opened.push(() -> shutdown(scheduler));
      NodeRegistry nodes = joinFleet(db, nodeId, namespaces, scheduler, opened);
      ClassSync sync = new ClassSync(store, namespaces, classes, prometheus);
      sync.poll();
      long every = config.classes().pollInterval().toMillis();
      scheduler.scheduleWithFixedDelay(
          () -> {
            nodes.beat();
            sync.poll();
          },
          every,
          every,
          TimeUnit.MILLISECONDS);
      if (redis.info() != null) {
        opened.push(redis.info());
      }
      Warmups warmups = new Warmups(scheduler, clock);
      opened.push(warmups);
      AtomicBoolean running = new AtomicBoolean();
      Api.Endpoints endpoints =
          endpoints(
              nodeId, db, namespaces, nodes, sync, warmups, redis.info(), prometheus, running);
      Javalin app = Api.create(config.http(), endpoints);
      opened.push(app::stop);
      app.start(config.http().host(), config.http().port());
      opened.pop(); // from here on, close() stops the server first
      running.set(true);
      log.info(
          "gateway {} listening on port {} ({} namespaces, L2 {})",
          nodeId,
          app.port(),
          namespaces.all().size(),
          redis.info() != null ? "on" : "off");
      return new Gateway(nodeId, app, opened, redis.info() != null, running);
    }

    /** Opens the metadata database, migrates both table sets, fills samples, seeds classes. */
    private JdbcSource openDatabase(Deque<AutoCloseable> opened) {
      GatewayConfig.Database dbc = config.database();
      JdbcSource db =
          JdbcSource.open(
              JdbcOptions.of(dbc.url(), dbc.user(), dbc.password())
                  .withSchema(dbc.schema())
                  .withMaxPoolSize(dbc.maxPoolSize()));
      opened.push(db);
      ServerSchema.migrate(db.options());
      if (dbc.sampleData()) {
        SampleData.fill(db.dataSource(), SampleData.Spec.DEFAULT);
      }
      db.cacheClassStore().seed(seedClasses());
      return db;
    }

    private InvalidationBuses buses(Deque<AutoCloseable> opened, L2Connection redis, String node) {
      if (buses != null) {
        return buses; // the caller's: not closed here
      }
      String kind = config.bus();
      if (GatewayConfig.REDIS_BUS.equals(kind) && !redis.hasL2()) {
        throw new InvalidConfigException("bus", "redis needs L2 on Redis; redis mode is off");
      }
      if (redis.hasL2() && !GatewayConfig.IN_PROCESS_BUS.equals(kind)) {
        java.util.Map<String, InvalidationBus> own = new java.util.concurrent.ConcurrentHashMap<>();
        opened.push(() -> own.values().forEach(InvalidationBus::close));
        return ns -> own.computeIfAbsent(ns, n -> redis.redisBus(n, node));
      }
      InvalidationBuses.Shared own = InvalidationBuses.inProcess();
      opened.push(own);
      return own;
    }

    private NodeRegistry joinFleet(
        JdbcSource db,
        String nodeId,
        Namespaces namespaces,
        ScheduledExecutorService scheduler,
        Deque<AutoCloseable> opened) {
      // Liveness is about real elapsed time between processes: the system clock, even when the
      // cache's deadlines run on an injected one.
      NodeRegistry nodes =
          new NodeRegistry(
              db.dataSource(),
              nodeId,
              Clock.systemUTC(),
              config.classes().pollInterval(),
              scheduler);
      opened.push(nodes);
      nodes.beat();
      namespaces.all().forEach(ns -> nodes.watch(ns.name(), ns.cache(), ns.bus()));
      return nodes;
    }

    private Api.Endpoints endpoints(
        String nodeId,
        JdbcSource db,
        Namespaces namespaces,
        NodeRegistry nodes,
        ClassSync sync,
        Warmups warmups,
        RedisInfo redisInfo,
        PrometheusMeterRegistry prometheus,
        AtomicBoolean running) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      EdgePurger edge = new EdgePurger(config.edge(), http, prometheus);
      AuditLog audit = new AuditLog(db.dataSource(), Api.JSON);
      Invalidations invalidations =
          new Invalidations(
              audit,
              nodes,
              edge,
              config.convergeTimeout(),
              config.edge().timeout(),
              clock,
              prometheus,
              nodeId);
      Auth auth = new Auth(config.tokens());
      Inputs inputs = new Inputs(config.http().maxKeyLength());
      return new Api.Endpoints(
          new DataPlane(namespaces, auth, inputs, invalidations, clock),
          new InvalidateEndpoint(namespaces, auth, inputs, invalidations, audit),
          new WarmupEndpoint(namespaces, auth, inputs, warmups, config.warmup()),
          new ClassesEndpoint(db.cacheClassStore(), sync, auth, inputs),
          new MetricsReport(prometheus, redisInfo, nodeId, clock),
          new Health(
              namespaces, db.dataSource(), redisInfo, nodeId, running::get, prometheus, clock),
          prometheus,
          auth);
    }

    private Collection<CacheClass> seedClasses() {
      if (config.classes().seedFile() == null) {
        return CacheClasses.defaults().all();
      }
      try (InputStream in = Files.newInputStream(config.classes().seedFile())) {
        return CacheClasses.parseYaml(in);
      } catch (IOException e) {
        throw new TierCacheException("cannot read " + config.classes().seedFile(), e);
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static void shutdown(ScheduledExecutorService scheduler) throws InterruptedException {
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
  }
}
