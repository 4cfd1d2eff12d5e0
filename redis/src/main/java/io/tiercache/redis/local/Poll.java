package io.tiercache.redis.local;

import java.time.Duration;

/**
 * Waits for a condition on another process. A process we start tells us nothing when it is ready,
 * so the only way to know is to ask it again and again; this bounds how long and how often.
 */
final class Poll {
  /** Between two questions: short enough that a server up in 10 ms costs no more than 20 ms. */
  private static final long INTERVAL_MILLIS = 10;

  /** A condition that may fail while it is being checked; a failure counts as "not yet". */
  @FunctionalInterface
  interface Condition {
    boolean holds() throws Exception;
  }

  private Poll() {}

  /**
   * Checks {@code condition} until it holds or {@code timeout} has passed.
   *
   * @return whether the condition held in time
   */
  static boolean until(Duration timeout, Condition condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.holds()) {
          return true;
        }
      } catch (Exception notYet) {
        // The server is not listening yet, or not in the state we wait for: ask again.
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
