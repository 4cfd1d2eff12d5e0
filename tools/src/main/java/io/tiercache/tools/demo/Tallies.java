package io.tiercache.tools.demo;

import io.tiercache.TieredCache;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link ClassReads} of every class, and of every key of a workload: the class of each key is
 * resolved once, up front, so that a read costs no resolution and no map lookup in the tally.
 */
final class Tallies {
  private final ClassReads[] byKey;
  private final List<ClassReads> classes;

  private Tallies(ClassReads[] byKey, List<ClassReads> classes) {
    this.byKey = byKey;
    this.classes = classes;
  }

  /** Tallies for the keys of {@code workload}, classified by {@code cache}. */
  static Tallies of(Workload workload, TieredCache<?> cache) {
    Map<String, ClassReads> byClass = new LinkedHashMap<>();
    ClassReads[] byKey = new ClassReads[workload.size()];
    for (int i = 0; i < byKey.length; i++) {
      String name = cache.classOf(workload.key(i)).name();
      byKey[i] = byClass.computeIfAbsent(name, ClassReads::new);
    }
    return new Tallies(byKey, List.copyOf(byClass.values()));
  }

  /** The tally of the key at {@code index} of the workload. */
  ClassReads forKey(int index) {
    return byKey[index];
  }

  /** The classes that got reads, most reads first. */
  List<ClassReads> classesRead() {
    List<ClassReads> read = new ArrayList<>();
    for (ClassReads c : classes) {
      if (c.reads() > 0) {
        read.add(c);
      }
    }
    read.sort(Comparator.comparingLong(ClassReads::reads).reversed());
    return read;
  }

  long reads() {
    return classes.stream().mapToLong(ClassReads::reads).sum();
  }

  long hits() {
    return classes.stream().mapToLong(ClassReads::hits).sum();
  }
}
