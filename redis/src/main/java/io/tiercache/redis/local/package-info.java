/**
 * Real {@code redis-server} processes started by tiercache itself: {@link
 * io.tiercache.redis.local.LocalRedisServer} for the embedded default and tests, {@link
 * io.tiercache.redis.local.LocalRedisCluster} for benchmarks and cluster tests. Needs {@code
 * redis-server} (and, for a cluster, {@code redis-cli}) on the PATH.
 */
package io.tiercache.redis.local;
