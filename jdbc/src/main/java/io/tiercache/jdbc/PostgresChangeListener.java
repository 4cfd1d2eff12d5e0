package io.tiercache.jdbc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tiercache.InvalidationRequest;
import io.tiercache.TierCacheException;
import io.tiercache.TieredCache;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns row changes made directly in PostgreSQL (not through tiercache) into invalidations: a
 * trigger ({@code tiercache_notify()}, installed by {@link JdbcSource}'s PostgreSQL migrations and
 * attached to a table with {@link #attach}) sends a NOTIFY with the row's cache key when the
 * transaction commits; this listener LISTENs on a connection of its own and invalidates the keys
 * through the cache, so the bus takes them to every node.
 *
 * <p>One listener per fleet is enough (each invalidation reaches every node); more are harmless.
 * Notifications that arrive together are deduplicated and sent as one KEYS invalidation. NOTIFY is
 * not durable: what is committed while the listener is disconnected is never delivered. So on every
 * (re)connection the listener invalidates the key prefixes of the tables it watches: one O(1) rule
 * per prefix, after which every node reloads those keys.
 *
 * <p>Meters: {@code tiercache.db.invalidations} (keys invalidated) and {@code
 * tiercache.db.invalidation.lag} (from the trigger's clock to the invalidation being published to
 * the fleet; the database and this node share a clock only if they share a host or NTP).
 *
 * <p>Thread-safe; {@link #close} stops it.
 */
public final class PostgresChangeListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresChangeListener.class);
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  /** The channel used when none is given. */
  public static final String DEFAULT_CHANNEL = "tiercache";

  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration RECONNECT_DELAY = Duration.ofMillis(500);

  private final JdbcOptions db;
  private final String channel;
  private final Set<String> prefixes;
  private final TieredCache<?> cache;
  private final Counter invalidated;
  private final Timer lag;
  private final Thread thread;
  private volatile boolean closed;
  private volatile Connection connection;
  private volatile boolean listening;

  private PostgresChangeListener(
      JdbcOptions db,
      String channel,
      Set<String> prefixes,
      TieredCache<?> cache,
      MeterRegistry registry) {
    this.db = db;
    this.channel = channel;
    this.prefixes = Set.copyOf(prefixes);
    this.cache = cache;
    this.invalidated =
        Counter.builder("tiercache.db.invalidations")
            .description("keys invalidated because their rows changed in PostgreSQL")
            .register(registry);
    this.lag =
        Timer.builder("tiercache.db.invalidation.lag")
            .description("from a row's change (trigger clock) to its invalidation being published")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    this.thread = new Thread(this::run, "tiercache-pg-listener-" + channel);
    thread.setDaemon(true);
  }

  /**
   * Starts listening on {@code channel} in the database of {@code db}.
   *
   * @param prefixes the key prefixes of the attached tables, invalidated on every (re)connection
   * @throws IllegalArgumentException when {@code channel} is not a plain identifier
   */
  public static PostgresChangeListener start(
      JdbcOptions db,
      String channel,
      Set<String> prefixes,
      TieredCache<?> cache,
      MeterRegistry registry) {
    Objects.requireNonNull(db, "db");
    requireIdentifier("channel", channel);
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(registry, "registry");
    PostgresChangeListener listener =
        new PostgresChangeListener(db, channel, prefixes, cache, registry);
    listener.thread.start();
    return listener;
  }

  /**
   * Attaches {@code tiercache_notify()} to {@code table}: every committed insert, update or delete
   * then notifies {@code channel} of the key {@code keyPrefix + keyColumn}. Replaces an earlier
   * attachment of the same table.
   *
   * @param source the source whose schema holds the function (and, unqualified, the table)
   * @param table a table name, optionally {@code schema.table}
   * @throws IllegalArgumentException when a name is not a plain identifier
   * @throws TierCacheException when the database refuses
   */
  public static void attach(
      JdbcSource source, String table, String keyColumn, String keyPrefix, String channel) {
    String[] parts = table.split("\\.", -1);
    for (String p : parts) {
      requireIdentifier("table", p);
    }
    requireIdentifier("keyColumn", keyColumn);
    requireIdentifier("channel", channel);
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    String qualified =
        String.join(".", java.util.Arrays.stream(parts).map(p -> '"' + p + '"').toList());
    String trigger = "\"tiercache_" + parts[parts.length - 1] + '"';
    String function = '"' + source.options().schema() + "\".tiercache_notify";
    String sql =
        "DROP TRIGGER IF EXISTS "
            + trigger
            + " ON "
            + qualified
            + "; CREATE TRIGGER "
            + trigger
            + " AFTER INSERT OR UPDATE OR DELETE ON "
            + qualified
            + " FOR EACH ROW EXECUTE FUNCTION "
            + function
            + "("
            + literal(keyColumn)
            + ", "
            + literal(keyPrefix)
            + ", "
            + literal(channel)
            + ")";
    DataSource ds = source.dataSource();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new TierCacheException("cannot attach tiercache_notify() to " + table, e);
    }
  }

  private void run() {
    boolean first = true;
    while (!closed) {
      try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
        connection = c;
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + channel);
        }
        // Whatever committed before this LISTEN was never going to be delivered to us.
        invalidatePrefixes(first ? "change listener started" : "change listener reconnected");
        first = false;
        listening = true;
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] batch = pg.getNotifications((int) POLL.toMillis());
          if (batch != null && batch.length > 0) {
            invalidate(batch);
          }
        }
      } catch (SQLException | RuntimeException e) {
        listening = false;
        if (closed) {
          break;
        }
        log.warn("PostgreSQL change listener failed; reconnecting: {}", e.toString());
        pause();
      }
    }
  }

  /**
   * Whether the listener is connected and LISTENing (after invalidating its prefixes): changes
   * committed from now on are delivered. For health checks and tests.
   */
  public boolean isListening() {
    return listening;
  }

  private void invalidate(PGNotification[] batch) {
    long oldestMs = Long.MAX_VALUE;
    Set<String> keys = new LinkedHashSet<>();
    for (PGNotification n : batch) {
      String payload = n.getParameter();
      int space = payload.indexOf(' ');
      if (space <= 0) {
        log.warn("ignoring a notification on {} that tiercache_notify() did not send", channel);
        continue;
      }
      oldestMs = Math.min(oldestMs, Long.parseLong(payload.substring(0, space)));
      keys.add(payload.substring(space + 1));
    }
    List<String> all = new ArrayList<>(keys);
    for (int from = 0; from < all.size(); from += InvalidationRequest.MAX_KEYS) {
      List<String> chunk =
          all.subList(from, Math.min(all.size(), from + InvalidationRequest.MAX_KEYS));
      InvalidationRequest r =
          (chunk.size() == 1
                  ? InvalidationRequest.key(chunk.get(0))
                  : InvalidationRequest.keys(chunk))
              .because("db change")
              .by("postgres");
      try {
        cache.invalidate(r);
      } catch (io.tiercache.InvalidationDeferredException e) {
        // Applied on this node; journaled and replayed to the fleet when Redis is back.
      }
      invalidated.increment(chunk.size());
    }
    if (oldestMs != Long.MAX_VALUE) {
      lag.record(Math.max(0, System.currentTimeMillis() - oldestMs), TimeUnit.MILLISECONDS);
    }
  }

  private void invalidatePrefixes(String why) {
    for (String prefix : prefixes) {
      try {
        cache.invalidate(InvalidationRequest.prefix(prefix).because(why).by("postgres"));
      } catch (io.tiercache.InvalidationDeferredException e) {
        // Applied on this node; replayed to the fleet when Redis is back.
      }
    }
  }

  private static void requireIdentifier(String field, String value) {
    if (value == null || !IDENTIFIER.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field
              + " must be an identifier (a letter or _, then letters, digits or _), was "
              + value);
    }
  }

  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  private void pause() {
    try {
      // A real pause before reconnecting to a database that just failed, not a condition wait.
      Thread.sleep(RECONNECT_DELAY.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops listening and closes the connection. */
  @Override
  public void close() {
    closed = true;
    Connection c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // Closing is all we wanted.
      }
    }
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
