package io.tiercache;

/**
 * A key read often across the fleet.
 *
 * @param key the key
 * @param readsPerSecond the estimated reads per second over the whole fleet in the recent window
 *     (from sampled, merged heavy-hitter counts: an estimate, never an undercount by more than the
 *     sketch's error)
 */
public record HotKey(String key, double readsPerSecond) {}
