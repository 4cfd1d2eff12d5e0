/**
 * How {@link io.tiercache.redis.RedisRemoteTier} reaches Redis through Lettuce. Nothing here is
 * public API: it may change in any release.
 */
package io.tiercache.redis.internal;
