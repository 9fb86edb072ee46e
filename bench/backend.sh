#!/usr/bin/env bash
# The backend's speed budgets, measured in one run against `python -m customercare serve` (local
# answer provider, SQLite, in-process rate-limit store) on 127.0.0.1, seeded with the sample
# knowledge base:
#
#   1. GET /health with wrk (closed model, 2 threads, 50 connections)     budget >= 1000 req/s
#   2. POST /api/v1/widget/chat with k6 at a constant arrival rate         budget p95 <= 100 ms, 0 errors
#      (open model: RATE new requests every second for DURATION seconds, random labelled questions)
#   3. retrieval hit@1/hit@3 on the labelled questions, BM25 beside the term-overlap ranking
#
# and prints each figure beside its budget with the ratio (measured/budget for latency, where
# <= 1 meets it; measured/budget for throughput, where >= 1 meets it). Exits 1 when a budget is missed.
#
#   bash bench/backend.sh [--rate 100] [--duration 60] [--health-duration 10]
#
# Needs wrk and k6 as tools/scripts/tool.mjs finds them (`npm run setup` installs both; WRK and K6 override).
# The server log and k6's summary are kept under reports/bench/backend/.
set -euo pipefail

rate=100
duration=60
health_duration=10
while [ $# -gt 0 ]; do
  case $1 in
    --rate) rate=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --health-duration) health_duration=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench/backend.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python="$root/.venv/bin/python"
[ -x "$python" ] || { echo "bench/backend.sh: $python is missing; run \`npm run setup\` first." >&2; exit 1; }
wrk=$(node "$root/tools/scripts/tool.mjs" wrk) || exit 1
k6=$(node "$root/tools/scripts/tool.mjs" k6) || exit 1
curl=$(node "$root/tools/scripts/tool.mjs" curl) || exit 1

work=$(mktemp -d)
out="$root/reports/bench/backend"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  mkdir -p "$out" && cp "$work"/*.log "$work"/*.json "$out/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '[bench] %s\n' "$*"; }

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATA_DIR="$work/data" PORT="$port" HOST=127.0.0.1 ENVIRONMENT=development LOG_LEVEL=INFO
# The budgets are about the service's speed, not its abuse limits: lift the per-key/per-IP limits.
export WIDGET_KEY_RATE_LIMIT=10000000 WIDGET_IP_RATE_LIMIT=10000000
unset DATABASE_URL REDIS_URL GEMINI_API_KEY
base="http://127.0.0.1:$port"

say "seeding the sample knowledge base into $DATA_DIR"
(cd apps/backend && "$python" -m customercare seed >/dev/null)
(cd apps/backend && exec "$python" -m customercare serve >"$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 600); do
  "$curl" -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "bench/backend.sh: the server exited" >&2; exit 1; }
  sleep 0.1
done
"$curl" -fsS "$base/health" >/dev/null || { echo "bench/backend.sh: the server did not answer /health" >&2; exit 1; }

# CPU seconds the server process has used: with the machine shared, latency and throughput move with
# everyone else's load, but CPU time per request is the service's own cost.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$server_pid/stat"; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }

say "GET /health: wrk -t2 -c50 -d${health_duration}s"
load_before=$(loadavg)
cpu0=$(cpu_s)
"$wrk" -t2 -c50 -d"${health_duration}s" "$base/health" >"$work/wrk-health.log"
cpu1=$(cpu_s)
health_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-health.log")
health_errors=$(awk '/Non-2xx or 3xx responses:/ { print $5 } /Socket errors:/ { n += $4 + $6 + $8 + $10 } END { }' "$work/wrk-health.log" | head -1)
health_errors=${health_errors:-0}

say "POST /api/v1/widget/chat: k6 constant-arrival-rate ${rate}/s for ${duration}s"
QUESTIONS="$root/apps/backend/tests/data/labelled_questions.json" SUMMARY="$work/k6-chat.json" \
  BASE_URL="$base" WIDGET_KEY=ccg_demo_widget_key RATE="$rate" DURATION="$duration" \
  "$k6" run --quiet --no-usage-report bench/backend-chat.k6.js >"$work/k6-chat.log" 2>&1 \
  || say "k6 reported failed checks (counted below)"
cpu2=$(cpu_s)
load_after=$(loadavg)

read -r p50 p95 p99 requests failed dropped achieved < <("$python" - "$work/k6-chat.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
d = m["http_req_duration"]["values"]
f = m["http_req_failed"]["values"]
dropped = m.get("dropped_iterations", {}).get("values", {}).get("count", 0)
print(f'{d["med"]:.2f} {d["p(95)"]:.2f} {d["p(99)"]:.2f} {m["http_reqs"]["values"]["count"]} '
      f'{f["passes"]} {dropped} {m["http_reqs"]["values"]["rate"]:.1f}')
PY
)

echo
"$python" bench/retrieval_eval.py
echo
printf '%-44s %12s %12s %8s  %s\n' "measure" "measured" "budget" "ratio" "verdict"
status=0
row() {  # name measured budget direction(le|ge)
  local ratio verdict
  ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { if (b == 0) print "-"; else printf "%.3f", a / b }')
  verdict=$(awk -v a="$2" -v b="$3" -v d="$4" 'BEGIN { ok = (d == "le" ? a <= b : a >= b); print (ok ? "meets" : "MISSES") }')
  [ "$verdict" = meets ] || status=1
  printf '%-44s %12s %12s %8s  %s\n' "$1" "$2" "$3" "$ratio" "$verdict"
}
row "GET /health throughput (req/s)" "$health_rps" 1000 ge
row "GET /health non-2xx + socket errors" "$health_errors" 0 le
row "POST chat p95 latency at ${rate}/s (ms)" "$p95" 100 le
row "POST chat errors (of $requests requests)" "$failed" 0 le
row "POST chat dropped iterations (k6 fell behind)" "$dropped" 0 le
printf '%-44s %12s\n' "POST chat p50 / p99 latency (ms)" "$p50 / $p99"
printf '%-44s %12s\n' "POST chat achieved rate (req/s)" "$achieved"
health_requests=$(awk '/requests in/ { print $1 }' "$work/wrk-health.log")
per_request() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.3f", (b - a) * 1000 / (n > 0 ? n : 1) }'; }
printf '%-44s %12s\n' "server CPU per /health request (ms)" "$(per_request "$cpu0" "$cpu1" "$health_requests")"
printf '%-44s %12s\n' "server CPU per chat request (ms)" "$(per_request "$cpu1" "$cpu2" "$requests")"
printf '%-44s %12s\n' "machine load average before / after" "$load_before / $load_after ($(nproc) cores)"
exit $status
