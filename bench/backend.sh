#!/usr/bin/env bash
# The backend's speed budgets, measured in one run against `python -m customercare serve` (local
# answer provider, SQLite, in-process rate-limit store) on 127.0.0.1, seeded with the sample
# knowledge base:
#
#   1. GET /health with wrk (closed model, 2 threads, 50 connections)     budget >= 1000 req/s
#      against one process (WEB_CONCURRENCY=1) and against WORKERS worker processes, side by side;
#      the budget applies to WORKERS, as production serves one worker per CPU
#   2. POST /api/v1/widget/chat with k6 at a constant arrival rate         budget p95 <= 100 ms, 0 errors
#      (open model: RATE new requests every second for DURATION seconds, random labelled questions),
#      against the WORKERS server; goal p95 <= 20 ms
#   3. retrieval hit@1/hit@3 on the labelled questions, BM25 beside the term-overlap ranking
#
# and prints each figure beside its budget with the ratio (measured/budget for latency, where
# <= 1 meets it; measured/budget for throughput, where >= 1 meets it). Exits 1 when a budget is missed.
#
#   bash bench/backend.sh [--rate 100] [--duration 60] [--health-duration 10] [--workers $(nproc)]
#
# Needs wrk and k6 as tools/scripts/tool.mjs finds them (`npm run setup` installs both; WRK and K6 override).
# The server log and k6's summary are kept under reports/bench/backend/.
set -euo pipefail

rate=100
duration=60
health_duration=10
workers=$(nproc)
while [ $# -gt 0 ]; do
  case $1 in
    --rate) rate=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --health-duration) health_duration=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/backend.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/proc-cpu.sh
. "$root/bench/proc-cpu.sh"
cd "$root"
python="$root/.venv/bin/python"
[ -x "$python" ] || { echo "bench/backend.sh: $python is missing; run \`npm run setup\` first." >&2; exit 1; }
wrk=$(node "$root/tools/scripts/tool.mjs" wrk) || exit 1
k6=$(node "$root/tools/scripts/tool.mjs" k6) || exit 1
curl=$(node "$root/tools/scripts/tool.mjs" curl) || exit 1

work=$(mktemp -d)
out="$root/reports/bench/backend"
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
cleanup() {
  stop_server
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
start_server() { # WEB_CONCURRENCY; the log is server-<n>.log
  (cd apps/backend && WEB_CONCURRENCY=$1 exec "$python" -m customercare serve >"$work/server-$1.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1200); do
    "$curl" -fsS "$base/health" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server-$1.log" >&2; echo "bench/backend.sh: the server exited" >&2; exit 1; }
    sleep 0.1
  done
  "$curl" -fsS "$base/health" >/dev/null || { echo "bench/backend.sh: the server did not answer /health" >&2; exit 1; }
  # Every worker answers before the measure starts: each has imported the app once uvicorn logs it.
  for _ in $(seq 1200); do
    [ "$(grep -c 'Application startup complete' "$work/server-$1.log")" -ge "$1" ] && break
    sleep 0.1
  done
}

# CPU seconds the server's processes (uvicorn's supervisor and its workers) have used: with the
# machine shared, latency and throughput move with everyone else's load, but CPU time per request is
# the service's own cost.
cpu_s() {
  local pids
  pids="$server_pid $(cat /proc/"$server_pid"/task/*/children 2>/dev/null)"
  # shellcheck disable=SC2086 # one pid per word
  cpu_seconds $pids
}
health() { # WEB_CONCURRENCY: writes "<req/s> <errors> <server CPU ms per request>" to health-<n>.txt
  local log="$work/wrk-health-$1.log" cpu0 cpu1
  start_server "$1"
  say "GET /health with $1 worker(s): wrk -t2 -c50 -d${health_duration}s"
  cpu0=$(cpu_s)
  "$wrk" -t2 -c50 -d"${health_duration}s" "$base/health" >"$log"
  cpu1=$(cpu_s)
  awk -v a="$cpu0" -v b="$cpu1" '
    /^Requests\/sec:/ { rps = $2 }
    /requests in/ { n = $1 }
    /Non-2xx or 3xx responses:/ { errors += $5 }
    /Socket errors:/ { errors += $4 + $6 + $8 + $10 }
    END { printf "%s %d %.3f\n", rps, errors, (b - a) * 1000 / (n > 0 ? n : 1) }' "$log" >"$work/health-$1.txt"
}
loadavg() { cut -d' ' -f1 /proc/loadavg; }

load_before=$(loadavg)
health 1
stop_server
health "$workers"
read -r single_rps single_errors single_cpu <"$work/health-1.txt"
read -r health_rps health_errors health_cpu <"$work/health-$workers.txt"
cpu1=$(cpu_s)

say "POST /api/v1/widget/chat with $workers worker(s): k6 constant-arrival-rate ${rate}/s for ${duration}s"
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
printf '%-44s %12s\n' "GET /health throughput, 1 process (req/s)" "$single_rps"
row "GET /health throughput, $workers workers (req/s)" "$health_rps" 1000 ge
printf '%-44s %12s\n' "GET /health, $workers workers / 1 process" "$(awk -v a="$health_rps" -v b="$single_rps" 'BEGIN { printf "%.2fx", a / b }')"
row "GET /health non-2xx + socket errors" "$((single_errors + health_errors))" 0 le
row "POST chat p95 latency at ${rate}/s (ms)" "$p95" 100 le
row "POST chat p95 at ${rate}/s, goal (ms)" "$p95" 20 le
row "POST chat errors (of $requests requests)" "$failed" 0 le
row "POST chat dropped iterations (k6 fell behind)" "$dropped" 0 le
printf '%-44s %12s\n' "POST chat p50 / p99 latency (ms)" "$p50 / $p99"
printf '%-44s %12s\n' "POST chat achieved rate (req/s)" "$achieved"
per_request() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.3f", (b - a) * 1000 / (n > 0 ? n : 1) }'; }
printf '%-44s %12s\n' "server CPU per /health request (ms)" "$single_cpu (1) / $health_cpu ($workers)"
printf '%-44s %12s\n' "server CPU per chat request (ms)" "$(per_request "$cpu1" "$cpu2" "$requests")"
printf '%-44s %12s\n' "machine load average before / after" "$load_before / $load_after ($(nproc) cores)"
exit $status
