package io.tiercache.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;

/** Reads the cache's meters in tests. */
final class Meters {
  private Meters() {}

  /**
   * The sum of every counter named {@code name} that has {@code tags} (key, value, ...); function
   * counters included (L1 hits are one).
   */
  static double count(MeterRegistry registry, String name, String... tags) {
    return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum()
        + registry.find(name).tags(tags).functionCounters().stream()
            .mapToDouble(FunctionCounter::count)
            .sum();
  }

  /**
   * Counts of the counters named {@code name} with {@code tags}, summed per value of {@code by}.
   */
  static Map<String, Double> countBy(
      MeterRegistry registry, String name, String by, String... tags) {
    Map<String, Double> sums = new TreeMap<>();
    for (Counter c : registry.find(name).tags(tags).counters()) {
      if (c.count() > 0) {
        sums.merge(c.getId().getTag(by), c.count(), Double::sum);
      }
    }
    return sums;
  }

  /** The value of the gauge named {@code name}. */
  static double gauge(MeterRegistry registry, String name) {
    return registry.get(name).gauge().value();
  }
}
