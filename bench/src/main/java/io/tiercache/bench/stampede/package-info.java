/**
 * Experiments on stampede protection, run by {@code bin/bench stampede} and {@code bin/bench
 * xfetch}: many callers on several nodes (cache clients in one JVM) against one {@code
 * LocalRedisServer} and a slow counting source. They are not JMH benchmarks: the anchor is a count,
 * one source load per expiry, and latencies are every caller's own, recorded with HdrHistogram.
 */
package io.tiercache.bench.stampede;
