package io.tiercache.server.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.tiercache.CacheLoader;
import io.tiercache.CacheWriter;
import io.tiercache.L2Options;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClasses;
import io.tiercache.jdbc.SqlLoader;
import io.tiercache.jdbc.SqlWriter;
import io.tiercache.server.NamespaceConfig;
import io.tiercache.spi.InvalidationBus;
import io.tiercache.spi.RemoteTier;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The namespaces of a gateway, each with a {@link TieredCache} of its own.
 *
 * <p>Why a cache per namespace rather than one cache with keys {@code ns/key}: the cache classes
 * then match keys as the application writes them ({@code hot:*} matches {@code hot:1} in every
 * namespace), each namespace has its own L2 key prefix and its own invalidation bus, so a tag or
 * prefix invalidation in one namespace cannot touch another's entries, and each namespace can load
 * from a different source. The cost is one L2 connection per namespace.
 *
 * <p>Meters of every namespace go to one registry, told apart by the tag {@code namespace}.
 */
public final class Namespaces implements AutoCloseable {

  /** One namespace: its configuration, cache and bus. */
  public record Namespace(
      String name, NamespaceConfig config, TieredCache<String> cache, InvalidationBus bus) {
    public boolean publicRead() {
      return config.publicRead();
    }
  }

  /** What a namespace's cache is built from, besides its loader. */
  public record Wiring(
      CacheClasses classes,
      DataSource database,
      Function<String, RemoteTier> remoteTiers,
      L2Options l2Options,
      Function<String, InvalidationBus> buses,
      MeterRegistry registry,
      String nodeId,
      Clock clock) {}

  private final Map<String, Namespace> byName;
  private final List<AutoCloseable> owned;

  private Namespaces(Map<String, Namespace> byName, List<AutoCloseable> owned) {
    this.byName = Map.copyOf(byName);
    this.owned = owned;
  }

  /** Builds a cache for every configured namespace. */
  public static Namespaces build(Collection<NamespaceConfig> configs, Wiring w) {
    Map<String, Namespace> byName = new LinkedHashMap<>();
    List<AutoCloseable> owned = new ArrayList<>();
    HttpClient http = null;
    try {
      for (NamespaceConfig nc : configs) {
        CacheLoader<String> loader;
        CacheWriter<String> writer = null;
        if (nc.source() instanceof NamespaceConfig.SqlSource sql) {
          DataSource ds = w.database();
          if (sql.url() != null) {
            HikariDataSource own = pool(nc.name(), sql);
            owned.add(own);
            ds = own;
          }
          loader = SqlLoader.of(ds, sql.singleKeySql(), sql.bulkSql());
          if (sql.writeTable() != null) {
            writer = new SqlWriter(ds, SqlWriter.Statements.forTable(sql.writeTable()));
          }
        } else {
          if (http == null) {
            http =
                HttpClient.newBuilder()
                    .connectTimeout(java.time.Duration.ofSeconds(2))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
          }
          loader = new HttpOriginLoader((NamespaceConfig.HttpSource) nc.source(), http, w.clock());
        }
        CompositeMeterRegistry tagged = new CompositeMeterRegistry();
        tagged.config().commonTags("namespace", nc.name());
        tagged.add(w.registry());
        InvalidationBus bus = w.buses().apply(nc.name());
        var builder =
            TieredCache.builder(ValueCodec.utf8())
                .classes(w.classes())
                .loader(loader)
                .invalidationBus(bus)
                .l2Options(w.l2Options())
                .meterRegistry(tagged)
                .nodeId(w.nodeId())
                .clock(w.clock());
        if (writer != null) {
          // Write-back classes journal here, one directory per node and namespace.
          Path journal =
              Path.of(
                  System.getProperty("java.io.tmpdir"), "tiercache-journal", w.nodeId(), nc.name());
          builder.writer(writer).writeBack(WriteBackOptions.in(journal));
        }
        RemoteTier remote = w.remoteTiers().apply(nc.name());
        if (remote != null) {
          builder.remoteTier(remote);
        }
        TieredCache<String> cache = builder.build();
        owned.add(0, cache); // caches close before the pools their loaders use
        byName.put(nc.name(), new Namespace(nc.name(), nc, cache, bus));
      }
    } catch (RuntimeException e) {
      closeAll(owned);
      throw e;
    }
    return new Namespaces(byName, owned);
  }

  private static HikariDataSource pool(String namespace, NamespaceConfig.SqlSource sql) {
    HikariConfig c = new HikariConfig();
    c.setPoolName("tiercache-ns-" + namespace);
    c.setJdbcUrl(sql.url());
    c.setUsername(sql.user());
    c.setPassword(sql.password());
    c.setMaximumPoolSize(4);
    c.setMinimumIdle(1);
    c.setConnectionTimeout(5000);
    return new HikariDataSource(c);
  }

  /** The namespace named {@code name}, or null. */
  public Namespace get(String name) {
    return byName.get(name);
  }

  /** Every namespace. */
  public Collection<Namespace> all() {
    return byName.values();
  }

  /** Adopts new cache classes in every namespace. */
  public void updateClasses(CacheClasses classes) {
    byName.values().forEach(n -> n.cache().updateClasses(classes));
  }

  @Override
  public void close() {
    closeAll(owned);
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(Namespaces.class).warn("closing {} failed", r, e);
      }
    }
  }
}
