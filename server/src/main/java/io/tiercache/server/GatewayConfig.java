package io.tiercache.server;

import io.tiercache.InvalidConfigException;
import io.tiercache.classes.DataSize;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything a gateway is configured with. Immutable; every record validates itself when built and
 * names the offending field as written in the YAML file ({@link ConfigFile} reads one and prefixes
 * the field with its path, as in {@code namespaces.shop.source.url}).
 *
 * @param nodeId this node's name in lease tokens, the audit log and the node registry; {@code null}
 *     for a random one. Must differ between nodes.
 * @param http where and how the gateway listens
 * @param database the metadata database: cache classes, audit log, node registry, and the default
 *     database of SQL namespaces
 * @param redis L2
 * @param bus the invalidation bus between nodes: {@code redis} (Redis Streams on the L2 servers,
 *     what gateways in separate processes need), {@code in-process} (one process; gateways in one
 *     JVM share one through {@link InvalidationBuses}), or {@code auto} (the default: redis when L2
 *     is on, else in-process)
 * @param classes where the cache classes come from and how often the table is polled
 * @param convergeTimeout how long {@code POST /invalidate} waits for every live node to apply the
 *     invalidation before it answers with how many did
 * @param edge the Varnish instances each invalidation is fanned out to
 * @param warmup limits of warm-up jobs
 * @param tokens the bearer tokens accepted
 * @param namespaces the namespaces, by name
 */
public record GatewayConfig(
    String nodeId,
    Http http,
    Database database,
    Redis redis,
    String bus,
    Classes classes,
    Duration convergeTimeout,
    Edge edge,
    Warmup warmup,
    List<TokenConfig> tokens,
    Map<String, NamespaceConfig> namespaces) {

  public static final String IN_PROCESS_BUS = "in-process";

  /** The fleet-wide bus on Redis Streams. */
  public static final String REDIS_BUS = "redis";

  /** Redis when L2 is on, else in-process. */
  public static final String AUTO_BUS = "auto";

  public static final Duration DEFAULT_CONVERGE_TIMEOUT = Duration.ofSeconds(2);
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  public GatewayConfig {
    if (nodeId != null && !NODE_ID.matcher(nodeId).matches()) {
      throw new InvalidConfigException(
          "node_id", "'" + nodeId + "' is not a node id: 1 to 64 of A-Z a-z 0-9 _ . : -");
    }
    http = Objects.requireNonNullElse(http, Http.DEFAULT);
    database = Objects.requireNonNullElse(database, Database.EMBEDDED);
    redis = Objects.requireNonNullElse(redis, Redis.AUTO);
    bus = Objects.requireNonNullElse(bus, AUTO_BUS);
    if (!java.util.Set.of(IN_PROCESS_BUS, REDIS_BUS, AUTO_BUS).contains(bus)) {
      throw new InvalidConfigException("bus", "must be auto, redis or in-process, was " + bus);
    }
    classes = Objects.requireNonNullElse(classes, Classes.DEFAULT);
    convergeTimeout = Objects.requireNonNullElse(convergeTimeout, DEFAULT_CONVERGE_TIMEOUT);
    requireRange("converge_timeout", convergeTimeout, Duration.ZERO, Duration.ofSeconds(60));
    edge = Objects.requireNonNullElse(edge, Edge.NONE);
    warmup = Objects.requireNonNullElse(warmup, Warmup.DEFAULT);
    tokens = List.copyOf(Objects.requireNonNullElse(tokens, List.of()));
    long distinct = tokens.stream().map(TokenConfig::name).distinct().count();
    if (distinct != tokens.size()) {
      throw new InvalidConfigException("tokens", "two tokens have the same name");
    }
    if (tokens.stream().map(TokenConfig::sha256).distinct().count() != tokens.size()) {
      throw new InvalidConfigException("tokens", "two tokens have the same sha256");
    }
    namespaces = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(namespaces, "namespaces")));
    if (namespaces.isEmpty()) {
      throw new InvalidConfigException("namespaces", "at least one namespace is required");
    }
    namespaces.forEach(
        (name, ns) -> {
          if (!name.equals(ns.name())) {
            throw new InvalidConfigException("namespaces." + name, "is filed under another name");
          }
        });
  }

  /** A copy with other namespaces. */
  public GatewayConfig withNamespaces(Map<String, NamespaceConfig> namespaces) {
    return new GatewayConfig(
        nodeId,
        http,
        database,
        redis,
        bus,
        classes,
        convergeTimeout,
        edge,
        warmup,
        tokens,
        namespaces);
  }

  /** A copy with another node id. */
  public GatewayConfig withNodeId(String nodeId) {
    return new GatewayConfig(
        nodeId,
        http,
        database,
        redis,
        bus,
        classes,
        convergeTimeout,
        edge,
        warmup,
        tokens,
        namespaces);
  }

  static void requireRange(String field, Duration value, Duration min, Duration max) {
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidConfigException(field, "must be " + min + " to " + max + ", was " + value);
    }
  }

  /**
   * @param host the address to bind ({@code 127.0.0.1} by default), {@code 0.0.0.0} for every
   *     interface
   * @param port the port, 0 for any free one
   * @param maxBody the largest request body accepted, 1 KB to 64 MB; larger ones get 413
   * @param maxKeyLength the longest key accepted, 1 to 4096 characters
   */
  public record Http(String host, int port, DataSize maxBody, int maxKeyLength) {
    public static final Http DEFAULT = new Http("127.0.0.1", 8080, DataSize.ofMegabytes(1), 512);

    public Http {
      if (host == null || host.isBlank()) {
        throw new InvalidConfigException("host", "is required");
      }
      if (port < 0 || port > 65535) {
        throw new InvalidConfigException("port", "must be 0 to 65535, was " + port);
      }
      if (maxBody == null || maxBody.bytes() < 1024 || maxBody.bytes() > 64L << 20) {
        throw new InvalidConfigException("max_body", "must be 1KB to 64MB, was " + maxBody);
      }
      if (maxKeyLength < 1 || maxKeyLength > 4096) {
        throw new InvalidConfigException(
            "max_key_length", "must be 1 to 4096, was " + maxKeyLength);
      }
    }

    public Http withPort(int port) {
      return new Http(host, port, maxBody, maxKeyLength);
    }
  }

  /**
   * @param url the JDBC URL of the metadata database
   * @param user its user
   * @param password its password; never printed
   * @param schema the schema of tiercache's tables
   * @param sampleData whether to fill the {@code sample_item} table with sample data at start
   * @param maxPoolSize the most connections open to it, 1 to 200 (default {@link
   *     #DEFAULT_MAX_POOL_SIZE}): every read that misses L1 and L2 of a namespace on this database
   *     holds one for its query, shared with the audit log and node registry
   */
  public record Database(
      String url,
      String user,
      String password,
      String schema,
      boolean sampleData,
      int maxPoolSize) {
    /** HikariCP's own default; the library's pool (4) is sized for a cache inside a service. */
    public static final int DEFAULT_MAX_POOL_SIZE = 10;

    /** The embedded default: an in-memory H2 database with sample data. */
    public static final Database EMBEDDED =
        new Database(
            "jdbc:h2:mem:tiercache;DB_CLOSE_DELAY=-1",
            "sa",
            "",
            "tiercache",
            true,
            DEFAULT_MAX_POOL_SIZE);

    public Database {
      if (url == null || !url.startsWith("jdbc:")) {
        throw new InvalidConfigException("url", "must be a JDBC URL starting with jdbc:");
      }
      schema = Objects.requireNonNullElse(schema, "tiercache");
      if (maxPoolSize < 1 || maxPoolSize > 200) {
        throw new InvalidConfigException("max_pool_size", "must be 1 to 200, was " + maxPoolSize);
      }
    }

    @Override
    public String toString() {
      return "Database[url=" + url + ", user=" + user + ", schema=" + schema + "]";
    }
  }

  /** How L2 is found. */
  public enum RedisMode {
    /** A local redis-server started by the gateway when one is on the PATH, else L1 only. */
    AUTO,
    /** One Redis at {@code uris[0]}. */
    STANDALONE,
    /** A Redis Cluster reached through the seed {@code uris}. */
    CLUSTER,
    /** L1 only. */
    NONE
  }

  /**
   * @param mode how L2 is found
   * @param uris the Redis URIs ({@code redis://host:port}); one for standalone, seeds for a cluster
   * @param keyPrefix put before every key; the namespace and a colon follow it
   * @param commandTimeout how long Lettuce lets one Redis command run, 1 ms to 60 s
   * @param timeout how long a read waits for L2 before it goes on without it (the cache's {@link
   *     io.tiercache.L2Options#timeout()}), 1 ms to 60 s
   */
  public record Redis(
      RedisMode mode, List<URI> uris, String keyPrefix, Duration commandTimeout, Duration timeout) {
    public static final Redis AUTO = new Redis(RedisMode.AUTO, List.of(), "tc:", null, null);
    public static final Redis NONE = new Redis(RedisMode.NONE, List.of(), "tc:", null, null);

    public Redis {
      mode = Objects.requireNonNullElse(mode, RedisMode.AUTO);
      uris = List.copyOf(Objects.requireNonNullElse(uris, List.of()));
      keyPrefix = Objects.requireNonNullElse(keyPrefix, "tc:");
      commandTimeout = Objects.requireNonNullElse(commandTimeout, Duration.ofMillis(50));
      requireRange("command_timeout", commandTimeout, Duration.ofMillis(1), Duration.ofSeconds(60));
      timeout = Objects.requireNonNullElse(timeout, io.tiercache.L2Options.DEFAULT_TIMEOUT);
      requireRange("timeout", timeout, Duration.ofMillis(1), Duration.ofSeconds(60));
      if (keyPrefix.length() > 64) {
        throw new InvalidConfigException("key_prefix", "has at most 64 characters");
      }
      if ((mode == RedisMode.STANDALONE && uris.size() != 1)
          || (mode == RedisMode.CLUSTER && uris.isEmpty())) {
        throw new InvalidConfigException(
            "uris", "standalone takes exactly one URI, cluster at least one; got " + uris.size());
      }
      for (URI u : uris) {
        if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme())) {
          throw new InvalidConfigException("uris", "'" + u + "' is not a redis:// URI");
        }
      }
    }

    /** One Redis server. */
    public static Redis standalone(URI uri) {
      return new Redis(RedisMode.STANDALONE, List.of(uri), "tc:", null, null);
    }
  }

  /**
   * @param seedFile a YAML file of classes seeded into the table at start (classes already there
   *     are kept); {@code null} for the classes tiercache ships
   * @param pollInterval how often the table's revision is polled, 100 ms to 1 min
   */
  public record Classes(Path seedFile, Duration pollInterval) {
    public static final Classes DEFAULT = new Classes(null, Duration.ofSeconds(1));

    public Classes {
      pollInterval = Objects.requireNonNullElse(pollInterval, Duration.ofSeconds(1));
      requireRange("poll_interval", pollInterval, Duration.ofMillis(100), Duration.ofMinutes(1));
    }
  }

  /**
   * @param varnish the base URLs of the Varnish instances to purge ({@code http://host:port})
   * @param softPurge whether purges are soft (objects stay servable within their grace, that is the
   *     class's stale-while-revalidate, while one refetch runs) or hard
   * @param timeout how long one purge request may take, 1 ms to 60 s
   */
  public record Edge(List<URI> varnish, boolean softPurge, Duration timeout) {
    public static final Edge NONE = new Edge(List.of(), true, null);

    public Edge {
      varnish = List.copyOf(Objects.requireNonNullElse(varnish, List.of()));
      timeout = Objects.requireNonNullElse(timeout, Duration.ofSeconds(2));
      requireRange("timeout", timeout, Duration.ofMillis(1), Duration.ofSeconds(60));
      for (URI u : varnish) {
        if (!"http".equals(u.getScheme()) || u.getHost() == null) {
          throw new InvalidConfigException("varnish", "'" + u + "' is not an http://host:port URL");
        }
      }
    }
  }

  /**
   * @param defaultRate keys per second of a warm-up that names no rate
   * @param maxRate the highest rate a warm-up may ask for, 1 to 1,000,000 keys/s
   * @param maxKeys the most keys one warm-up may list or replay, 1 to 10,000,000
   */
  public record Warmup(int defaultRate, int maxRate, int maxKeys) {
    public static final Warmup DEFAULT = new Warmup(500, 10_000, 1_000_000);

    public Warmup {
      if (maxRate < 1 || maxRate > 1_000_000) {
        throw new InvalidConfigException("max_rate", "must be 1 to 1000000, was " + maxRate);
      }
      if (defaultRate < 1 || defaultRate > maxRate) {
        throw new InvalidConfigException(
            "default_rate", "must be 1 to max_rate (" + maxRate + "), was " + defaultRate);
      }
      if (maxKeys < 1 || maxKeys > 10_000_000) {
        throw new InvalidConfigException("max_keys", "must be 1 to 10000000, was " + maxKeys);
      }
    }
  }
}
