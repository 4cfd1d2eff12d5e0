package io.tiercache.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.tiercache.CacheLoader;
import io.tiercache.CacheWriter;
import io.tiercache.ImmutableValueException;
import io.tiercache.InvalidConfigException;
import io.tiercache.Loaded;
import io.tiercache.Lookup;
import io.tiercache.TierCacheException;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.VersionedValue;
import io.tiercache.WriteBackOptions;
import io.tiercache.WriteFailedException;
import io.tiercache.classes.CacheClass;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes by the key's class write policy (issue #5). Each policy keeps DESIGN invariant 3: the
 * cache is changed only after the source (or, for write-back, the journal) has the write, through
 * {@link TieredCache#put} or {@link TieredCache#invalidate}, and both first record a local
 * invalidation and void the key's L2 lease. So a load that read the source before the write can
 * install its older value neither in L2 (its lease is gone) nor in L1 (the record is newer than its
 * start); a load that reads the source after it sees the write.
 */
final class WritePath<V> implements AutoCloseable {
  private final CacheWriter<V> writer;
  private final WriteBack<V> writeBack;
  private final ValueCodec<V> codec;

  /**
   * @param writer the source's writer, or {@code null} when the cache is read-only
   * @param writeBack where write-back journals, or {@code null} when write-back is not configured
   */
  WritePath(
      CacheWriter<V> writer,
      WriteBackOptions writeBack,
      ValueCodec<V> codec,
      Clock clock,
      MeterRegistry registry) {
    this.writer = writer;
    this.codec = codec;
    this.writeBack =
        writer == null || writeBack == null
            ? null
            : new WriteBack<>(writeBack, codec, writer, clock, registry);
  }

  /**
   * The loader reads go through: with write-back, a key's pending write is its value on this node
   * until the source has it.
   */
  CacheLoader<V> loaderOverPending(CacheLoader<V> loader) {
    return writeBack == null ? loader : new PendingFirst<>(loader, writeBack);
  }

  long write(TieredCache<V> cache, CacheClass c, String key, V value) {
    return switch (c.writePolicy()) {
      case WRITE_THROUGH -> {
        long version = toSource(cache, c, key, () -> writer.write(key, value));
        cache.put(key, value, version);
        yield version;
      }
      case WRITE_AROUND -> {
        long version = toSource(cache, c, key, () -> writer.write(key, value));
        cache.invalidate(key);
        yield version;
      }
      case WRITE_BACK -> writeBack(cache, c, key, value);
      case WRITE_ONCE -> writeOnce(cache, c, key, value);
    };
  }

  void delete(TieredCache<V> cache, CacheClass c, String key) {
    if (c.writePolicy() == io.tiercache.classes.WritePolicy.WRITE_BACK) {
      writeBack(cache, c, key, null);
      return;
    }
    toSource(
        cache,
        c,
        key,
        () -> {
          writer.delete(key);
          return 0;
        });
    cache.invalidate(key);
  }

  /**
   * Journals, then puts the value in L1 and L2 (or, for a delete, invalidates). Two writes of one
   * key on this node may reach the cache in the opposite order of their versions; after its own
   * cache update each write looks at the key's newest pending write and applies that if it is
   * newer. Whichever write updates the cache last then installs the newest: a newer write that this
   * check did not see became pending after the check, so its own cache update comes later still.
   */
  private long writeBack(TieredCache<V> cache, CacheClass c, String key, V value) {
    if (writeBack == null) {
      throw new InvalidConfigException(
          "writeBack",
          "class '"
              + c.name()
              + "' is write_back: set a CacheWriter and WriteBackOptions on the builder");
    }
    long version = writeBack.write(key, value);
    apply(cache, key, new VersionedValue<>(value, version));
    VersionedValue<V> newest = writeBack.pending(key);
    if (newest != null && newest.version() > version) {
      apply(cache, key, newest);
    }
    return version;
  }

  /**
   * Puts the writes the journal replay found pending into the tiers. A node that crashed between
   * journaling a write and putting it in L2 (or whose put failed) left an older copy there, which
   * other nodes, and this one once its pending write is flushed, would serve until its TTL.
   */
  void republishReplayed(TieredCache<V> cache) {
    if (writeBack != null) {
      writeBack.takeReplayed().forEach((key, w) -> apply(cache, key, w));
    }
  }

  private void apply(TieredCache<V> cache, String key, VersionedValue<V> w) {
    if (w.isDelete()) {
      cache.invalidate(key);
    } else {
      cache.put(key, w.value(), w.version());
    }
  }

  /**
   * The first write of a content address wins. The same content again is a no-op; other content is
   * refused. The check and the source write are two steps: two nodes writing different content to
   * one absent address at once both reach the writer, which must refuse the second (a content
   * address with two contents is a hash collision or a bug upstream).
   */
  private long writeOnce(TieredCache<V> cache, CacheClass c, String key, V value) {
    Lookup<V> existing;
    try {
      existing = cache.lookup(key);
    } catch (TierCacheException e) {
      throw new WriteFailedException(key, e);
    }
    if (existing.found()) {
      if (Arrays.equals(codec.encode(existing.value()), codec.encode(value))) {
        return existing.version();
      }
      throw new ImmutableValueException(key);
    }
    long version = toSource(cache, c, key, () -> writer.write(key, value));
    cache.put(key, value, version);
    return version;
  }

  @FunctionalInterface
  private interface SourceCall {
    long call() throws Exception;
  }

  /**
   * Runs a source write. When it fails the source may or may not have the write (a commit whose
   * answer was lost), so the cache's copies are dropped rather than trusted.
   */
  private long toSource(TieredCache<V> cache, CacheClass c, String key, SourceCall call) {
    if (writer == null) {
      throw new InvalidConfigException(
          "writer",
          "class '"
              + c.name()
              + "' is "
              + c.writePolicy().name().toLowerCase(java.util.Locale.ROOT)
              + ": set a CacheWriter on the builder");
    }
    try {
      return call.call();
    } catch (Exception e) {
      try {
        cache.invalidate(key);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new WriteFailedException(key, e);
    }
  }

  /** For tests and metrics in this package: the write-back engine, or {@code null}. */
  WriteBack<V> writeBack() {
    return writeBack;
  }

  @Override
  public void close() {
    if (writeBack != null) {
      writeBack.close();
    }
  }

  /** A loader that answers from the pending write-back writes before asking the source. */
  private record PendingFirst<V>(CacheLoader<V> source, WriteBack<V> writeBack)
      implements CacheLoader<V> {
    @Override
    public Loaded<V> load(String key) throws Exception {
      VersionedValue<V> p = writeBack.pending(key);
      if (p == null) {
        return source.load(key);
      }
      return p.isDelete() ? null : Loaded.of(p.value(), p.version());
    }

    @Override
    public Map<String, Loaded<V>> loadAll(Set<String> keys) throws Exception {
      Map<String, Loaded<V>> found = new HashMap<>();
      Set<String> rest = new HashSet<>();
      for (String key : keys) {
        VersionedValue<V> p = writeBack.pending(key);
        if (p == null) {
          rest.add(key);
        } else if (!p.isDelete()) {
          found.put(key, Loaded.of(p.value(), p.version()));
        }
      }
      if (!rest.isEmpty()) {
        found.putAll(source.loadAll(rest));
      }
      return found;
    }
  }
}
