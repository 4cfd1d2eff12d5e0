package io.tiercache.redis.internal;

import io.lettuce.core.ScriptOutputType;

/**
 * The atomic steps of the fleet-wide load protocol (DESIGN invariants 3, 4 and 5). An entry lives
 * under {@code prefix{key}} and its lease under {@code prefix{key}:lease}: the braces make both
 * keys hash to one cluster slot, so each script touches a single slot.
 */
public final class LeaseScripts {
  private LeaseScripts() {}

  /**
   * KEYS: entry, lease. ARGV: token, lease ms. Returns {entry or nil, "none"|"held"|"granted"}: the
   * lease is granted only when no entry is stored and nobody holds it.
   */
  public static final LuaScript GET_OR_LEASE =
      new LuaScript(
          """
          local v = redis.call('GET', KEYS[1])
          local holder = redis.call('GET', KEYS[2])
          if v then
            if holder then return {v, 'held'} end
            return {v, 'none'}
          end
          if holder then return {false, 'held'} end
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
          return {false, 'granted'}
          """,
          ScriptOutputType.MULTI);

  /**
   * KEYS: entry, lease. ARGV: token, envelope, ttl ms. Stores only while the token holds the lease,
   * then releases it. Returns 1 when stored, 0 when refused.
   */
  public static final LuaScript PUT_IF_LEASED =
      new LuaScript(
          """
          if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
          redis.call('DEL', KEYS[2])
          return 1
          """,
          ScriptOutputType.INTEGER);

  /**
   * KEYS: entry, lease. ARGV: envelope, ttl ms. A write: voids any lease, then stores unless the
   * stored entry has a newer version. Returns 1 when stored, 0 when a newer version was kept.
   *
   * <p>The version is the envelope's first varint (after the magic byte 'T' and the format byte,
   * see {@code EntryCodec}). The varints are compared as bytes rather than decoded into Lua numbers
   * (doubles, exact only below 2^53): LEB128 as written by {@code EntryCodec} has no redundant
   * bytes, so a longer varint is a larger number, and varints of one length compare from their last
   * (most significant) byte down. A stored value that is not an envelope counts as older.
   */
  public static final LuaScript PUT_UNLESS_NEWER =
      new LuaScript(
          """
          local function version(s)
            if not s or #s < 3 or string.byte(s, 1) ~= 84 then return nil end
            local f = string.byte(s, 2)
            if f ~= 1 and f ~= 2 then return nil end
            local i = 3
            while i < #s and string.byte(s, i) >= 128 do i = i + 1 end
            return string.sub(s, 3, i)
          end
          local function newer(a, b)
            if #a ~= #b then return #a > #b end
            for i = #a, 1, -1 do
              local x = string.byte(a, i) % 128
              local y = string.byte(b, i) % 128
              if x ~= y then return x > y end
            end
            return false
          end
          redis.call('DEL', KEYS[2])
          local stored = version(redis.call('GET', KEYS[1]))
          if stored and newer(stored, version(ARGV[1])) then return 0 end
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
          """,
          ScriptOutputType.INTEGER);

  /**
   * KEYS: claim. ARGV: claim, ttl ms. Records the claim unless one is recorded; returns the claim
   * recorded now (a write-once key's first writer wins, DESIGN "immutable blobs").
   */
  public static final LuaScript CLAIM_ONCE =
      new LuaScript(
          """
          local held = redis.call('GET', KEYS[1])
          if held then return held end
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return ARGV[1]
          """,
          ScriptOutputType.VALUE);

  /** KEYS: lease (or claim). ARGV: token (or claim). Deletes the key only if it holds the token. */
  public static final LuaScript RELEASE_LEASE =
      new LuaScript(
          """
          if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
          return 0
          """,
          ScriptOutputType.INTEGER);

  /**
   * KEYS: bucket. ARGV: permits per second, burst. A token bucket timed by the server's own clock
   * (TIME), so every node shares one clock. Returns 0 when a permit was taken, else the
   * milliseconds until one will be there. The bucket expires once it would be full again.
   */
  public static final LuaScript TAKE_PERMIT =
      new LuaScript(
          """
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          local rate = tonumber(ARGV[1])
          local burst = tonumber(ARGV[2])
          local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
          local tokens = tonumber(b[1])
          local ts = tonumber(b[2])
          if tokens == nil or ts == nil then tokens = burst; ts = now end
          tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
          local wait = 0
          if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
          redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
          redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
          return wait
          """,
          ScriptOutputType.INTEGER);
}
