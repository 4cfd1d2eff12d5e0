package io.tiercache.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.HotKeyOptions;
import io.tiercache.Loaded;
import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * L1's hit ratio on a recorded trace against raw Caffeine of the same size on the same trace.
 *
 * <p>The L1 hit path tells Caffeine's eviction policy of its hits only while a class's cache is
 * more than half full (docs/ARCHITECTURE.md, "The L1 hit path"); this measures what that costs the
 * hit ratio. The anchor is a Caffeine cache bounded to the same number of entries that records
 * every read; a plain LRU of that size is printed as a reference. tiercache runs L1 only (no L2),
 * hot-key prefetch off, so every miss is one load.
 *
 * <p>Traces: {@code --trace=PATH}, gzip or plain text with one integer key per line (the LIRS
 * traces; lines that are {@code *} are skipped). Default: {@code
 * ../shared/traces/lirs_2_pools.trace.gz}, the folder the project's machines carry. Sizes: {@code
 * --sizes=N,N,...}.
 */
final class TraceHitRatio {
  private static final String DEFAULT_TRACE = "../shared/traces/lirs_2_pools.trace.gz";

  private TraceHitRatio() {}

  static List<String> run(BenchArgs args) throws IOException {
    Path trace = Path.of(args.settings().getOrDefault("trace", DEFAULT_TRACE));
    if (!Files.isReadable(trace)) {
      // Traces are not part of the project (they are not ours to ship): no trace, no figure.
      return List.of("not run: no trace at " + trace + " (give one with --trace=PATH)");
    }
    List<String> keys = read(trace);
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "trace %s: %,d requests, %,d distinct keys",
            trace,
            keys.size(),
            keys.stream().distinct().count()));
    for (String size : args.settings().getOrDefault("sizes", "100,500,2000").split(",")) {
      int n = Integer.parseInt(size.trim());
      double caffeine = caffeine(keys, n);
      double tiered = tiered(keys, n);
      double lru = lru(keys, n);
      lines.add(
          String.format(
              Locale.ROOT,
              "  %,6d entries: anchor Caffeine %.2f%%, tiercache L1 %.2f%% (%.3fx the anchor,"
                  + " %+.2f points), reference LRU %.2f%%",
              n,
              100 * caffeine,
              100 * tiered,
              tiered / caffeine,
              100 * (tiered - caffeine),
              100 * lru));
    }
    return lines;
  }

  private static double caffeine(List<String> keys, int size) {
    Cache<String, String> c =
        Caffeine.newBuilder().maximumSize(size).executor(Runnable::run).build();
    return replay(keys, c::getIfPresent, c::put);
  }

  private static double tiered(List<String> keys, int size) {
    AtomicLong loads = new AtomicLong();
    try (TieredCache<String> t =
        TieredCache.builder(ValueCodec.utf8())
            .classes(
                CacheClasses.of(
                    List.of(
                        CacheClass.builder("trace", "*")
                            .ttl(Duration.ofDays(1))
                            .l1MaxEntries(size)
                            .build())))
            .loader(
                k -> {
                  loads.incrementAndGet();
                  return Loaded.of(k, 1);
                })
            .executor(Runnable::run)
            .hotKeys(HotKeyOptions.DISABLED)
            .meterRegistry(new SimpleMeterRegistry())
            .build()) {
      for (String k : keys) {
        t.get(k);
      }
    }
    return 1 - (double) loads.get() / keys.size();
  }

  private static double lru(List<String> keys, int size) {
    Map<String, String> lru =
        new LinkedHashMap<>(size * 2, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > size;
          }
        };
    return replay(keys, lru::get, lru::put);
  }

  /** The hit ratio of a cache that {@code get} reads and {@code put} fills on each miss. */
  private static double replay(
      List<String> keys, Function<String, String> get, BiConsumer<String, String> put) {
    long hits = 0;
    for (String k : keys) {
      if (get.apply(k) != null) {
        hits++;
      } else {
        put.accept(k, k);
      }
    }
    return (double) hits / keys.size();
  }

  private static List<String> read(Path trace) throws IOException {
    List<String> keys = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(trace);
        InputStream in = trace.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        line = line.trim();
        if (!line.isEmpty() && !line.equals("*")) {
          keys.add("k:" + line);
        }
      }
    }
    return keys;
  }
}
