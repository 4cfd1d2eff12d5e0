package io.tiercache.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line of {@code bin/bench}: which benchmark, whether it is a quick run, JMH profilers,
 * and {@code --name=value} settings of the experiments.
 *
 * @param what the benchmark to run, or {@code all}
 * @param quick fewer and shorter iterations: proves the benchmark works, its figures are rough
 * @param profilers JMH profilers to attach ({@code --prof=gc})
 * @param settings every other {@code --name=value}
 * @param line the command as typed, for the record
 */
public record BenchArgs(
    String what, boolean quick, List<String> profilers, Map<String, String> settings, String line) {

  /**
   * Parses {@code [what] [--quick] [--prof=NAME]... [--name=value]...}.
   *
   * @throws IllegalArgumentException on an argument of another form
   */
  public static BenchArgs parse(String... args) {
    String what = "all";
    boolean quick = false;
    List<String> profilers = new ArrayList<>();
    Map<String, String> settings = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--quick")) {
        quick = true;
      } else if (a.startsWith("--prof=")) {
        profilers.add(a.substring("--prof=".length()));
      } else if (a.startsWith("--") && a.indexOf('=') > 2) {
        settings.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      } else if (i == 0 && !a.startsWith("-")) {
        what = a;
      } else {
        throw new IllegalArgumentException("unexpected argument '" + a + "'");
      }
    }
    return new BenchArgs(what, quick, profilers, settings, "bin/bench " + String.join(" ", args));
  }

  /**
   * The integer setting {@code name}, or {@code fallback} when it is not given.
   *
   * @throws IllegalArgumentException when it is given but not a positive integer
   */
  public int positiveInt(String name, int fallback) {
    String v = settings.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "--" + name + " must be a positive integer, was '" + v + "'");
  }
}
