package io.tiercache.tools.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The keys the demo reads and how often: a Zipf distribution over the sample keys, plus a small
 * share of reads for keys the source does not have (as typos, stale links and scanners cause).
 *
 * <p>Which key gets which popularity rank is a seeded shuffle, as YCSB's "scrambled Zipfian" does:
 * in generation order the most popular keys would all be {@code hot:} keys and every class but one
 * would see only the cold tail.
 */
final class Workload {
  /** The share of reads that ask for a key the source does not have. */
  static final double ABSENT_SHARE = 0.01;

  /** How many distinct absent keys there are, spread over the key prefixes of the sample. */
  static final int ABSENT_KEYS = 1000;

  private final String[] keys; // the sample keys by popularity rank, then the absent keys
  private final int sampleCount;
  private final ZipfSampler zipf;

  private Workload(List<String> ranked, List<String> absent, ZipfSampler zipf) {
    this.keys = new String[ranked.size() + absent.size()];
    for (int i = 0; i < ranked.size(); i++) {
      keys[i] = ranked.get(i);
    }
    for (int i = 0; i < absent.size(); i++) {
      keys[ranked.size() + i] = absent.get(i);
    }
    this.sampleCount = ranked.size();
    this.zipf = zipf;
  }

  /**
   * A workload over {@code sampleKeys}.
   *
   * @param exponent the Zipf exponent, 0 (uniform) to 10
   * @param seed decides which key gets which rank
   */
  static Workload over(List<String> sampleKeys, double exponent, long seed) {
    if (sampleKeys.isEmpty()) {
      throw new IllegalArgumentException("no sample keys");
    }
    List<String> ranked = new ArrayList<>(sampleKeys);
    Collections.shuffle(ranked, new Random(seed));
    return new Workload(ranked, absentKeys(sampleKeys), new ZipfSampler(ranked.size(), exponent));
  }

  // "hot:absent-0", "product:absent-1", ...: absent keys fall into every class the sample has.
  private static List<String> absentKeys(List<String> sampleKeys) {
    Set<String> prefixes = new LinkedHashSet<>();
    for (String key : sampleKeys) {
      int colon = key.indexOf(':');
      prefixes.add(colon < 0 ? "" : key.substring(0, colon + 1));
    }
    List<String> prefixList = List.copyOf(prefixes);
    List<String> absent = new ArrayList<>(ABSENT_KEYS);
    for (int i = 0; i < ABSENT_KEYS; i++) {
      absent.add(prefixList.get(i % prefixList.size()) + "absent-" + i);
    }
    return absent;
  }

  /** The index of the next key to read, into {@link #key}. */
  int next(RandomGenerator random) {
    if (random.nextDouble() < ABSENT_SHARE) {
      return sampleCount + random.nextInt(keys.length - sampleCount);
    }
    return zipf.next(random) - 1;
  }

  /** The key at {@code index}: by popularity rank for the sample keys, then the absent keys. */
  String key(int index) {
    return keys[index];
  }

  /** How many distinct keys, absent ones included. */
  int size() {
    return keys.length;
  }

  /** How many sample keys (the rest are absent). */
  int sampleCount() {
    return sampleCount;
  }
}
