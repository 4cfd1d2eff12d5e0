package io.tiercache.redis;

import io.tiercache.CacheLoader;
import io.tiercache.Loaded;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A source of truth in memory for staleness tests: every write gives the key its next version and
 * records when it committed (System.nanoTime, so every node in the JVM shares one clock). Values
 * are {@code key@version}, so a reader can tell the version of what it was served.
 */
final class VersionedSource implements CacheLoader<String> {
  /** A committed write. */
  record Commit(String key, long version, long committedAtNanos) {}

  private final Map<String, Loaded<String>> rows = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Commit> commits = new ConcurrentLinkedQueue<>();

  /** Writes the next version of {@code key} and returns it. */
  Loaded<String> write(String key) {
    Loaded<String> next =
        rows.compute(
            key,
            (k, old) -> {
              long v = old == null ? 1 : old.version() + 1;
              return Loaded.of(k + "@" + v, v);
            });
    commits.add(new Commit(key, next.version(), System.nanoTime()));
    return next;
  }

  /** The current version of {@code key}, 0 when it was never written. */
  long version(String key) {
    Loaded<String> l = rows.get(key);
    return l == null ? 0 : l.version();
  }

  /** Every commit so far. */
  Iterable<Commit> commits() {
    return commits;
  }

  @Override
  public Loaded<String> load(String key) {
    return rows.get(key);
  }

  /** The version inside a value this source produced. */
  static long versionOf(String value) {
    return value == null ? 0 : Long.parseLong(value.substring(value.lastIndexOf('@') + 1));
  }
}
