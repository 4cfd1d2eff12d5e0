-- wrk script of bench/http/miss.sh: every request reads a key no request has read before, so each
-- GET misses L1 and L2 and loads from the source. Arguments (after --): the first key number of
-- this run and the number of wrk threads; thread i reads base+i, base+i+threads, base+i+2*threads...
-- Each thread counts the answers by their X-Cache header; done() prints the totals, which
-- miss.sh checks (every answer must say MISS).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  base = tonumber(args[1])
  stride = tonumber(args[2])
  n = id
  misses, others = 0, 0
end

function request()
  local key = base + n
  n = n + stride
  return wrk.format("GET", "/v1/cache/bench/miss:" .. key)
end

function response(status, headers, body)
  if status == 200 and headers["X-Cache"] == "MISS" then
    misses = misses + 1
  else
    others = others + 1
  end
end

function done(summary, latency, requests)
  local m, o = 0, 0
  for _, thread in ipairs(threads) do
    m = m + thread:get("misses")
    o = o + thread:get("others")
  end
  io.write(string.format("X-Cache: MISS %d, other answers %d\n", m, o))
end
