/**
 * L2 on Redis: {@link io.tiercache.redis.RedisRemoteTier}, a {@link io.tiercache.spi.RemoteTier}
 * for a standalone Redis or a Redis Cluster, configured by {@link
 * io.tiercache.redis.RedisTierOptions}.
 */
package io.tiercache.redis;
