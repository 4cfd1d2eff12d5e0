#!/usr/bin/env bash
# HTTP benchmark (bin/bench http): requests/s and p99 of L1-hit GETs of a 1 KB value from the
# gateway, against Varnish serving the same object from its cache, same machine, same run, same wrk
# settings. Starts a gateway on the embedded default and a varnishd of its own (deploy/varnish VCL)
# and stops both at the end (by PID).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
command -v wrk >/dev/null || { echo "bench http: wrk is missing (apt-get install wrk)" >&2; exit 2; }
[ -x /usr/sbin/varnishd ] || { echo "bench http: varnishd is missing (apt-get install varnish varnish-modules)" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
GW_PORT=$(free_port); V_PORT=$(free_port)
WORK=$(mktemp -d /tmp/tiercache-bench-http.XXXXXX)
export TIERCACHE_ADMIN_TOKEN="bench-$(date +%s)-token"
# bin/tiercache builds the jar when a source is newer than it; BENCH_NO_BUILD=1 runs the jar as it is.
if [[ "${BENCH_NO_BUILD:-0}" != 1 ]]; then bin/tiercache --version >/dev/null; fi
[ -f tools/target/tiercache.jar ] || { echo "bench http: tools/target/tiercache.jar is missing" >&2; exit 2; }
java ${GATEWAY_JAVA_OPTS:-} -jar tools/target/tiercache.jar run --no-demo --port "$GW_PORT" > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
sed "s/\.port = \"8080\";/.port = \"$GW_PORT\";/" deploy/varnish/tiercache.vcl > "$WORK/tiercache.vcl"
/usr/sbin/varnishd -F -n "$WORK/varnish" -a "127.0.0.1:$V_PORT" -f "$WORK/tiercache.vcl" \
  -s malloc,64m -T none -j none > "$WORK/varnishd.log" 2>&1 &
V_PID=$!
cleanup() { kill "$GW_PID" "$V_PID" 2>/dev/null || true; wait "$GW_PID" "$V_PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$GW_PORT/health" >/dev/null && break; sleep 0.5; done
KEY="product:bench-1k"
head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/value"
curl -sf -X PUT -H "Authorization: Bearer $TIERCACHE_ADMIN_TOKEN" --data-binary @"$WORK/value" \
  "http://127.0.0.1:$GW_PORT/v1/cache/sample/$KEY" >/dev/null
GW_URL="http://127.0.0.1:$GW_PORT/v1/cache/sample/$KEY"
V_URL="http://127.0.0.1:$V_PORT/v1/cache/sample/$KEY"
for url in "$GW_URL" "$GW_URL"; do curl -sf -o /dev/null "$url"; done
# varnishd compiles the VCL and probes the backend before it serves: wait for its first 200.
for _ in $(seq 1 60); do curl -sf -o /dev/null "$V_URL" && break; sleep 0.5; done
curl -sf -o /dev/null "$V_URL"
header() { curl -s -D - -o /dev/null "$1" | tr -d '\r' | awk -F': ' -v h="$2" 'tolower($1)==h{print $2}'; }
echo "gateway answers X-Cache: $(header "$GW_URL" x-cache); through Varnish X-Varnish: $(header "$V_URL" x-varnish) (two ids: a cache hit)"
run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1"; }
parse() { # requests/s and p99 in ms from wrk's output
  awk '/Requests\/sec/{r=$2} /^ +99%/{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p=v} END {printf "%s %s\n", r, p}'
}
# Warm-up runs, discarded: the JIT compiles the gateway's hot path and Varnish fills its pools.
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$GW_URL" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "$V_URL" >/dev/null
echo "== Varnish (anchor)";   run "$V_URL"  | tee "$WORK/v1.txt"
echo "== gateway L1 hit";    run "$GW_URL" | tee "$WORK/g1.txt"
echo "== Varnish (again)";    run "$V_URL"  | tee "$WORK/v2.txt"
echo "== gateway (again)";    run "$GW_URL" | tee "$WORK/g2.txt"
read -r V1R V1P < <(parse < "$WORK/v1.txt"); read -r V2R V2P < <(parse < "$WORK/v2.txt")
read -r G1R G1P < <(parse < "$WORK/g1.txt"); read -r G2R G2P < <(parse < "$WORK/g2.txt")
python3 - "$V1R" "$V2R" "$G1R" "$G2R" "$V1P" "$V2P" "$G1P" "$G2P" <<'PY'
import sys
v1, v2, g1, g2, vp1, vp2, gp1, gp2 = map(float, sys.argv[1:])
vr, gr = (v1 + v2) / 2, (g1 + g2) / 2
vp, gp = (vp1 + vp2) / 2, (gp1 + gp2) / 2
print()
print("== tiercache HTTP ratios (same run, same machine, wrk on the same 2 cores) ==")
print(f"L1-hit GET of 1 KB: gateway {gr:,.0f} req/s vs Varnish {vr:,.0f} req/s: "
      f"throughput ratio {gr / vr:.2f}x (target >= 0.8x)")
print(f"p99: gateway {gp:.2f} ms vs Varnish {vp:.2f} ms: ratio {gp / vp:.2f}x (target <= 2x)")
PY
