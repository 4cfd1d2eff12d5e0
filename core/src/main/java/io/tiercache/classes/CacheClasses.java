package io.tiercache.classes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tiercache.InvalidConfigException;
import io.tiercache.TierCacheException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable set of cache classes and the resolution of keys to them. A change of classes at run
 * time builds a new {@code CacheClasses} and swaps it in whole.
 *
 * <p>The shipped defaults ({@link #defaults()}) are {@code hot} (hot keys), {@code session}
 * (streaming sessions, sliding expiry, write-back), {@code blob} (immutable, content-addressed,
 * bounded by bytes) and {@code default} for every other key.
 */
public final class CacheClasses {
  /** The classpath resource holding the shipped classes. */
  public static final String DEFAULTS_RESOURCE = "/io/tiercache/classes/default-classes.yaml";

  private static final int MEMO_SLOTS = 1 << 16;

  private final Map<String, CacheClass> byName;
  private final ClassResolver resolver;
  // Hot keys resolve with one array read and one equals; a miss walks the trie and takes the slot.
  // Direct-mapped, written by hand: a general cache (Caffeine) costs as much per read as the L1
  // lookup itself, and every L1 hit resolves its key first (docs/BENCHMARKS.md, L1 hit). A slot is
  // an immutable record, so a racing reader sees a whole pair or the previous one; a collision only
  // costs the evicted key a trie walk on its next read. Bounded, so unbounded key spaces cost
  // nothing.
  private final Memo[] memo = new Memo[MEMO_SLOTS];
  private final CacheClass[] ordered; // all(), by position
  private final Map<CacheClass, Integer> positions = new java.util.IdentityHashMap<>();

  private record Memo(String key, int position) {}

  private CacheClasses(Collection<CacheClass> classes) {
    Map<String, CacheClass> names = new LinkedHashMap<>();
    Set<GlobPattern> patterns = new HashSet<>();
    for (CacheClass c : classes) {
      if (names.putIfAbsent(c.name(), c) != null) {
        throw new InvalidConfigException("class", "'" + c.name() + "' is defined twice");
      }
      if (!patterns.add(c.keyPattern())) {
        throw new InvalidConfigException(
            "class '" + c.name() + "': key_pattern",
            "'" + c.keyPattern() + "' is already the pattern of another class");
      }
    }
    this.byName = java.util.Collections.unmodifiableMap(names); // keeps the order they came in

    this.resolver = new ClassResolver(names.values());
    this.ordered = names.values().toArray(CacheClass[]::new);
    for (int i = 0; i < ordered.length; i++) {
      positions.put(ordered[i], i);
    }
  }

  /**
   * A set of classes.
   *
   * @throws InvalidConfigException when two classes share a name or a pattern
   */
  public static CacheClasses of(Collection<CacheClass> classes) {
    return new CacheClasses(classes);
  }

  /** The classes that ship with tiercache. */
  public static CacheClasses defaults() {
    try (InputStream in = CacheClasses.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + DEFAULTS_RESOURCE);
      }
      return fromYaml(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads classes from YAML of the form {@code classes: [ {class: hot, key_pattern: "hot:*", ttl:
   * 30s, ...}, ... ]}, with the columns of {@link CacheClassRows}.
   *
   * @throws InvalidConfigException naming the field of the first invalid value
   */
  public static CacheClasses fromYaml(InputStream yaml) throws IOException {
    return of(parseYaml(yaml));
  }

  /** The rows of a YAML seed file, validated, in file order. */
  public static List<CacheClass> parseYaml(InputStream yaml) throws IOException {
    Object doc = new ObjectMapper(new YAMLFactory()).readValue(yaml, Object.class);
    if (!(doc instanceof Map<?, ?> top) || !(top.get("classes") instanceof List<?> rows)) {
      throw new InvalidConfigException("classes", "the file must hold a list under 'classes:'");
    }
    List<CacheClass> classes = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (!(rows.get(i) instanceof Map<?, ?> row)) {
        throw new InvalidConfigException("classes[" + i + "]", "must be a mapping of fields");
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      row.forEach((k, v) -> fields.put(String.valueOf(k), v));
      classes.add(CacheClassRows.fromRow(fields));
    }
    return classes;
  }

  /**
   * The most specific class whose pattern matches {@code key}.
   *
   * @throws TierCacheException when no class matches (ship a class with pattern {@code *} to catch
   *     every key)
   */
  public CacheClass resolve(String key) {
    return ordered[resolvePosition(key)];
  }

  /**
   * The position in {@link #all()} of the class {@link #resolve} gives {@code key}: what a reader
   * that keeps something per class in an array (L1 keeps a cache per class) indexes with.
   *
   * @throws TierCacheException when no class matches
   */
  public int resolvePosition(String key) {
    int h = key.hashCode();
    int slot = (h ^ (h >>> 16)) & (MEMO_SLOTS - 1);
    Memo m = memo[slot];
    if (m != null && m.key.equals(key)) {
      return m.position;
    }
    CacheClass c = resolver.resolve(key);
    if (c == null) {
      throw new TierCacheException("no cache class matches key '" + key + "'");
    }
    int position = positions.get(c);
    memo[slot] = new Memo(key, position);
    return position;
  }

  /** The class named {@code name}, if any. */
  public Optional<CacheClass> byName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Every class. */
  public Collection<CacheClass> all() {
    return byName.values();
  }

  /** A copy with {@code c} added, or replacing the class of the same name. */
  public CacheClasses with(CacheClass c) {
    Map<String, CacheClass> copy = new LinkedHashMap<>(byName);
    copy.put(c.name(), c);
    return of(copy.values());
  }

  /** A copy without the class named {@code name}. */
  public CacheClasses without(String name) {
    Map<String, CacheClass> copy = new LinkedHashMap<>(byName);
    copy.remove(name);
    return of(copy.values());
  }
}
