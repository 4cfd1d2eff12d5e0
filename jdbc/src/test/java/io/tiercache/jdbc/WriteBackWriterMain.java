package io.tiercache.jdbc;

import io.tiercache.TieredCache;
import io.tiercache.ValueCodec;
import io.tiercache.WriteBackOptions;
import io.tiercache.classes.CacheClasses;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A node writing {@code session:} keys (class {@code session}: write-back) at full speed, for the
 * crash test: it prints {@code ACK <key> <version> <value> END} for each write once the write is
 * acknowledged, and runs until it is killed.
 *
 * <p>Arguments: JDBC URL, schema, journal directory, threads, number of distinct keys.
 */
public final class WriteBackWriterMain {
  private WriteBackWriterMain() {}

  public static void main(String[] args) {
    JdbcOptions options =
        JdbcOptions.of(args[0], "postgres", null).withSchema(args[1]).withMaxPoolSize(4);
    Path journal = Path.of(args[2]);
    int threads = Integer.parseInt(args[3]);
    int keys = Integer.parseInt(args[4]);
    JdbcSource source = JdbcSource.open(options);
    TieredCache<String> cache =
        TieredCache.builder(ValueCodec.utf8())
            .classes(CacheClasses.defaults())
            .loader(SampleData.loader(source.dataSource()))
            .writer(SampleData.writer(source.dataSource()))
            .writeBack(WriteBackOptions.in(journal))
            .build();
    PrintStream out = System.out;
    out.println("READY");
    out.flush();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread writer =
          new Thread(
              () -> {
                for (long n = 0; ; n++) {
                  String key = "session:" + ThreadLocalRandom.current().nextInt(keys);
                  String value = "t" + thread + "-" + n;
                  long version = cache.write(key, value);
                  synchronized (out) {
                    out.println("ACK " + key + " " + version + " " + value + " END");
                    out.flush();
                  }
                }
              },
              "writer-" + t);
      writer.start();
    }
  }
}
