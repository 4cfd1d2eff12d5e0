#!/usr/bin/env bash
# HTTP miss benchmark (bin/bench http): gateway GETs that miss every tier, against the same SQL query
# sent straight to PostgreSQL, in the same run, on the same machine, with the same concurrency.
#
# What a miss is here: a fresh table of MISS_ROWS rows (1 KB values) in a schema of the run's own,
# split into three ranges of keys nothing has read (a warm-up and two measured runs). Each wrk
# request reads the next unread key of its run's range (miss.lua), so every GET misses L1 and L2 and
# loads its row: L1 lookup, Redis GET, the lease script, the SQL query on a pooled JDBC connection,
# the lease-checked store in Redis, the L1 install, the HTTP answer. After each run the gateway's
# own meters are checked: source loads must equal requests, or the run is flagged as not all misses.
# The anchor is pgbench -M prepared (prepared statements, as pgjdbc uses them after its prepare
# threshold) sending the gateway's single-key query for random keys of the same table.
#
# Starts a gateway (GatewayMain) on PostgreSQL with its own redis-server (mode auto), stops it by
# PID at the end and drops the schema.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${DURATION:-10s}"
CONNECTIONS="${MISS_CONNECTIONS:-8}"
THREADS="${THREADS:-2}"
ROWS="${MISS_ROWS:-300000}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGDATABASE="${PGDATABASE:-test}"
for tool in wrk pgbench psql redis-server; do
  command -v "$tool" >/dev/null || { echo "bench http miss: $tool is missing" >&2; exit 2; }
done
if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then bin/tiercache --version >/dev/null; fi
JAR=tools/target/tiercache.jar
[ -f "$JAR" ] || { echo "bench http miss: $JAR is missing" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

SCHEMA="tc_bench_miss_$$_$(date +%s)"   # the gateway's tables (Flyway wants an empty schema)
DATA="${SCHEMA}_data"                     # the table the gateway reads and pgbench queries
RANGE=$((ROWS / 3))
WORK=$(mktemp -d /tmp/tiercache-bench-miss.XXXXXX)
GW_PID=""
cleanup() {
  if [ -n "$GW_PID" ]; then kill "$GW_PID" 2>/dev/null || true; wait "$GW_PID" 2>/dev/null || true; fi
  psql -q -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; DROP SCHEMA IF EXISTS $DATA CASCADE" \
    >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE SCHEMA $DATA;
CREATE TABLE $DATA.bench_item (k TEXT PRIMARY KEY, v TEXT NOT NULL, version BIGINT NOT NULL, tags TEXT);
INSERT INTO $DATA.bench_item
  SELECT 'miss:' || g, repeat('x', 1024), 1, NULL FROM generate_series(0, $ROWS - 1) g;
INSERT INTO $DATA.bench_item VALUES ('check:1', repeat('x', 1024), 1, NULL);
ANALYZE $DATA.bench_item;
SQL

TOKEN="bench-miss-$(date +%s)-token"
GW_PORT=$(free_port)
cat > "$WORK/gateway.yaml" <<YAML
node_id: bench-miss
http: {host: 127.0.0.1, port: $GW_PORT}
database: {url: "jdbc:postgresql://$PGHOST:$PGPORT/$PGDATABASE", user: $PGUSER, password: "", schema: $SCHEMA, sample_data: false}
redis: {mode: auto}
tokens:
  - {name: bench, sha256: $(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1), scopes: [admin]}
namespaces:
  bench:
    public: true
    source:
      type: sql
      single_key_sql: "SELECT v, version, tags FROM $DATA.bench_item WHERE k = ?"
      bulk_sql: "SELECT k, v, version, tags FROM $DATA.bench_item WHERE k IN (:keys)"
YAML
java ${GATEWAY_JAVA_OPTS:-} -cp "$JAR" io.tiercache.server.GatewayMain "$WORK/gateway.yaml" > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
GW="http://127.0.0.1:$GW_PORT"
for _ in $(seq 1 120); do curl -sf "$GW/health" >/dev/null && break; sleep 0.5; done
curl -sf "$GW/health" >/dev/null || { echo "bench http miss: the gateway did not start:" >&2; cat "$WORK/gateway.log" >&2; exit 1; }
header() { curl -s -D - -o /dev/null "$1" | tr -d '\r' | awk -F': ' -v h="$2" 'tolower($1)==h{print $2}'; }
echo "gateway on PostgreSQL (schema $SCHEMA) and its own redis-server; a first read answers X-Cache: $(header "$GW/v1/cache/bench/check:1" x-cache), the second: $(header "$GW/v1/cache/bench/check:1" x-cache)"

cat > "$WORK/select.sql" <<SQL
\\set k random(0, $ROWS - 1)
SELECT v, version, tags FROM $DATA.bench_item WHERE k = 'miss:' || :k;
SQL
# Source loads of the namespace so far, from the gateway's own meters.
loads() {
  curl -sf -H "Authorization: Bearer $TOKEN" "$GW/cache-metrics" | python3 -c '
import json, sys
classes = json.load(sys.stdin)["namespaces"]["bench"]["classes"]
print(sum(c.get("loads", {}).get("success", 0) for c in classes.values()))'
}
gateway_run() { # $1: run number (its key range), $2: duration, $3: output file
  local before after
  before=$(loads)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency -s bench/http/miss.lua "$GW" -- \
    $(($1 * RANGE)) "$THREADS" > "$3"
  after=$(loads)
  echo "$before $after" > "$3.loads"
}
pg_run() { # $1: duration in seconds, $2: output file
  rm -f "$WORK"/pglog*
  pgbench -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -T "$1" -f "$WORK/select.sql" \
    -l --log-prefix="$WORK/pglog" > "$2" 2>&1
  cat "$WORK"/pglog* | awk '{print $3}' > "$2.latencies"
}

# Warm-ups, discarded: the JIT compiles the gateway's miss path; PostgreSQL caches the table.
gateway_run 0 5s "$WORK/gw0.txt"
pg_run 5 "$WORK/pg0.txt"
echo "== gateway GET, every tier missed";            gateway_run 1 "$DURATION" "$WORK/gw1.txt"; cat "$WORK/gw1.txt"
echo "== PostgreSQL, the same query (pgbench)";       pg_run "${DURATION%s}" "$WORK/pg1.txt"; grep -E "tps|latency" "$WORK/pg1.txt"
echo "== gateway (again)";                           gateway_run 2 "$DURATION" "$WORK/gw2.txt"; cat "$WORK/gw2.txt"
echo "== PostgreSQL (again)";                        pg_run "${DURATION%s}" "$WORK/pg2.txt"; grep -E "tps|latency" "$WORK/pg2.txt"

python3 - "$WORK" "$CONNECTIONS" <<'PY'
import re, sys
work, conns = sys.argv[1], sys.argv[2]
def ms(text):
    v = float(re.sub(r"[a-z]+$", "", text))
    return v / 1000 if text.endswith("us") else v * 1000 if re.search(r"[0-9]s$", text) else v
def wrk(path):
    t = open(path).read()
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", t).group(1))
    mean = ms(re.search(r"Latency\s+(\S+)", t).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
    misses, others = map(int, re.search(r"X-Cache: MISS (\d+), other answers (\d+)", t).groups())
    before, after = map(int, open(path + ".loads").read().split())
    return rate, mean, p99, misses, others, after - before
def pg(path):
    rate = float(re.search(r"tps = ([0-9.]+)", open(path).read()).group(1))
    lat = sorted(int(x) / 1000 for x in open(path + ".latencies").read().split())
    return rate, sum(lat) / len(lat), lat[int(len(lat) * 0.99) - 1]
g = [wrk(f"{work}/gw{i}.txt") for i in (1, 2)]
p = [pg(f"{work}/pg{i}.txt") for i in (1, 2)]
avg = lambda xs, i: sum(x[i] for x in xs) / len(xs)
gr, gm, gp = avg(g, 0), avg(g, 1), avg(g, 2)
pr, pm, pp = avg(p, 0), avg(p, 1), avg(p, 2)
misses, others, loads = (sum(x[i] for x in g) for i in (3, 4, 5))
print()
print(f"== tiercache HTTP miss vs direct SQL (same run, {conns} connections each) ==")
print(f"GET missing L1 and L2, 1 KB row: gateway {gr:,.0f} req/s vs PostgreSQL {pr:,.0f} queries/s: "
      f"throughput ratio {gr / pr:.2f}x")
print(f"mean latency: gateway {gm:.2f} ms vs PostgreSQL {pm:.2f} ms: ratio {gm / pm:.2f}x")
print(f"p99 latency:  gateway {gp:.2f} ms vs PostgreSQL {pp:.2f} ms: ratio {gp / pp:.2f}x")
ok = others == 0 and loads >= misses
verdict = "every GET missed L1 and L2" if ok else "NOT ALL MISSES: figures invalid"
print(f"measured runs: {misses} answers with X-Cache: MISS, {others} others; "
      f"{loads} source loads (gateway meters): {verdict}")
PY
