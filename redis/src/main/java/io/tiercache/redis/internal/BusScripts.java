package io.tiercache.redis.internal;

import io.lettuce.core.ScriptOutputType;

/**
 * The atomic steps of the invalidation bus on Redis Streams. Its keys share one hash tag ({@code
 * {tc:bus}:seq}, {@code :stream}, {@code :nodes}), so on a cluster every script runs on one slot.
 *
 * <p>The stream entry of sequence {@code s} has the id {@code s-0}: a subscriber resumes after its
 * watermark {@code w} with {@code XREAD ... w-0}, and sees a gap when the first entry it gets is
 * not {@code w + 1}. Sequences are contiguous because one script both counts and appends.
 *
 * <p>The counter starts from the server's clock in microseconds instead of 1. A Redis that loses
 * its data (a restart without persistence) starts counting again above every sequence it gave
 * before, as long as fewer than a million invalidations a second were published on average since
 * the counter was created; nodes compare entries' generations with sequences, so numbers that went
 * backwards would make them keep what a new invalidation voids.
 */
public final class BusScripts {
  private BusScripts() {}

  private static final String NOW_MS =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      """;

  private static final String INIT_COUNTER =
      """
      if redis.call('EXISTS', KEYS[1]) == 0 then
        redis.call('SET', KEYS[1], string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])))
      end
      """;

  /**
   * KEYS: counter, stream. ARGV: max length, entry count n, then six fields per entry (origin,
   * issued-at ms, scope, reason, actor, values). Appends n entries with consecutive sequences,
   * trimming the stream to about the max length, and returns the first sequence.
   */
  public static final LuaScript PUBLISH =
      new LuaScript(
          NOW_MS
              + INIT_COUNTER
              + """
              local n = tonumber(ARGV[2])
              local last = redis.call('INCRBY', KEYS[1], n)
              local first = last - n + 1
              local created = string.format('%.0f', now)
              local i = 3
              for s = first, last do
                redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], string.format('%.0f-0', s),
                  'o', ARGV[i], 'i', ARGV[i + 1], 's', ARGV[i + 2], 'r', ARGV[i + 3],
                  'a', ARGV[i + 4], 'v', ARGV[i + 5], 'c', created)
                i = i + 6
              end
              return first
              """,
          ScriptOutputType.INTEGER);

  /**
   * KEYS: counter, stream. Returns {the counter, the id of the first retained entry or nil},
   * creating the counter first if Redis lost it: a subscriber compares both with its watermark to
   * tell whether it missed entries that are gone.
   */
  public static final LuaScript POSITION =
      new LuaScript(
          """
          local t = redis.call('TIME')
          """
              + INIT_COUNTER
              + """
              local f = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
              local first = false
              if #f > 0 then first = f[1][1] end
              return {redis.call('GET', KEYS[1]), first}
              """,
          ScriptOutputType.MULTI);

  /**
   * KEYS: stream. ARGV: max age ms. Removes the entries appended longer ago than the max age (by
   * the server's clock, field {@code c}). Entries are in time order, so the cut is found by
   * bisection over sequences: O(log^2 n) and nothing at all when the oldest entry is young enough.
   * Returns how many entries were removed.
   */
  public static final LuaScript TRIM_BY_AGE =
      new LuaScript(
          NOW_MS
              + """
              local cutoff = now - tonumber(ARGV[1])
              local function created(e)
                local f = e[2]
                for i = 1, #f, 2 do
                  if f[i] == 'c' then return tonumber(f[i + 1]) end
                end
                return 0
              end
              local function seq(e) return tonumber(string.match(e[1], '^(%d+)')) end
              local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
              if #first == 0 or created(first[1]) >= cutoff then return 0 end
              local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
              local lo = seq(first[1])
              local hi = seq(last[1]) + 1
              if created(last[1]) >= cutoff then hi = seq(last[1]) end
              while lo < hi do
                local mid = math.floor((lo + hi) / 2)
                local e = redis.call('XRANGE', KEYS[1], string.format('%.0f-0', mid), '+', 'COUNT', 1)
                if created(e[1]) >= cutoff then hi = mid else lo = mid + 1 end
              end
              return redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f-0', lo))
              """,
          ScriptOutputType.INTEGER);

  /** KEYS: nodes. ARGV: node, watermark. Records the node's watermark at the server's time. */
  public static final LuaScript HEARTBEAT =
      new LuaScript(
          NOW_MS
              + """
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. string.format('%.0f', now))
              return 1
              """,
          ScriptOutputType.INTEGER);

  /**
   * KEYS: nodes. ARGV: liveness ms, forget ms. Returns {node, watermark, ...} of the nodes heard
   * within the liveness, and forgets those silent for longer than the second bound.
   */
  public static final LuaScript LIVE_NODES =
      new LuaScript(
          NOW_MS
              + """
              local live = tonumber(ARGV[1])
              local forget = tonumber(ARGV[2])
              local all = redis.call('HGETALL', KEYS[1])
              local out = {}
              for i = 1, #all, 2 do
                local wm, at = string.match(all[i + 1], '^(%d+):(%d+)$')
                local age = at and (now - tonumber(at)) or forget + 1
                if age > forget then
                  redis.call('HDEL', KEYS[1], all[i])
                elseif age <= live then
                  out[#out + 1] = all[i]
                  out[#out + 1] = wm
                end
              end
              return out
              """,
          ScriptOutputType.MULTI);
}
