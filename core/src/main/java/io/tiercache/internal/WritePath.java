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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Writes by the key's class write policy (issue #5). Each policy keeps DESIGN invariant 3: the
 * cache is changed only after the source (or, for write-back, the journal) has the write. Write-
 * around, write-back and deletes go through {@link TieredCache#put} or {@link
 * TieredCache#invalidate}, which first record a local invalidation and void the key's L2 lease, so
 * a load that read the source before the write can install its older value neither in L2 (its lease
 * is gone) nor in L1 (the record is newer than its start). Write-through and write-once hand the
 * write to {@link WritePublisher}, whose version-checked L2 put keeps the same guarantee while
 * running after the writer has returned.
 */
final class WritePath<V> implements AutoCloseable {
  private final CacheWriter<V> writer;
  private final CacheLoader<V> loader;
  private final WriteBack<V> writeBack;
  private final ValueCodec<V> codec;
  private final L2Guard l2;

  /**
   * @param writer the source's writer, or {@code null} when the cache is read-only
   * @param loader the source's loader (write-once reads back what another writer stored)
   * @param writeBack where write-back journals, or {@code null} when write-back is not configured
   */
  WritePath(
      CacheWriter<V> writer,
      CacheLoader<V> loader,
      WriteBackOptions writeBack,
      ValueCodec<V> codec,
      L2Guard l2,
      Clock clock,
      MeterRegistry registry) {
    this.writer = writer;
    this.loader = loader;
    this.codec = codec;
    this.l2 = l2;
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

  long write(DefaultTieredCache<V> cache, CacheClass c, String key, V value) {
    return switch (c.writePolicy()) {
      case WRITE_THROUGH -> {
        long version = toSource(cache, c, key, () -> writer.write(key, value));
        cache.publishWrite(c, key, value, version);
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
          return null;
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
   * refused with {@link ImmutableValueException}.
   *
   * <p>Checking the key and then writing would let two nodes that write different content to one
   * new address at once both pass the check. So the write first claims the key in L2, atomically
   * ({@code RemoteTier#claimOnce}, a digest of the content): of two different contents, only the
   * first claim's reaches the source. The source write is guarded as well ({@link
   * CacheWriter#writeIfAbsent}), so that without L2, or after the claim expired, the source
   * decides; when it already holds the key, its content is read back and compared.
   */
  private long writeOnce(DefaultTieredCache<V> cache, CacheClass c, String key, V value) {
    Lookup<V> existing;
    try {
      existing = cache.lookup(key);
    } catch (TierCacheException e) {
      throw new WriteFailedException(key, e);
    }
    byte[] content = codec.encode(value);
    if (existing.found()) {
      return sameOrRefuse(key, existing.value(), existing.version(), content);
    }
    String claim = digest(content);
    Object held = l2.claimOnce(key, claim, c.ttl().plus(c.staleWindow()));
    if (held instanceof String other && !other.equals(claim)) {
      cache.forgetLocally(key); // its L1 said "absent", which another writer made untrue
      throw new ImmutableValueException(key);
    }
    OptionalLong written;
    try {
      written = toSource(cache, c, key, () -> writer.writeIfAbsent(key, value));
    } catch (WriteFailedException e) {
      l2.releaseClaim(key, claim);
      throw e;
    }
    if (written.isPresent()) {
      cache.publishWrite(c, key, value, written.getAsLong());
      // A content address is handed to readers on other nodes as soon as its write returns, and
      // L2 may still hold the "absent" this write's own check cached there: the write waits for
      // its publication (write-once is not held to write-through's latency target).
      cache.awaitPublished(key);
      return written.getAsLong();
    }
    Loaded<V> stored = toSource(cache, c, key, () -> loader.load(key));
    if (stored == null) {
      // Written and deleted again between the insert and this read; nothing to compare with.
      throw new WriteFailedException(
          key, new IllegalStateException("the source refused the insert, then had no value"));
    }
    cache.forgetLocally(key);
    return sameOrRefuse(key, stored.value(), stored.version(), content);
  }

  private long sameOrRefuse(String key, V stored, long version, byte[] content) {
    if (Arrays.equals(codec.encode(stored), content)) {
      return version;
    }
    throw new ImmutableValueException(key);
  }

  /** The claim of a content: its SHA-256, in hex. */
  private static String digest(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @FunctionalInterface
  private interface SourceCall<T> {
    T call() throws Exception;
  }

  /**
   * Runs a source write. When it fails the source may or may not have the write (a commit whose
   * answer was lost), so the cache's copies are dropped rather than trusted.
   */
  private <T> T toSource(TieredCache<V> cache, CacheClass c, String key, SourceCall<T> call) {
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
