#!/usr/bin/env bash
# The perf engines against wrk, side by side in one run, on the same static endpoint and the same
# core budget: the fixture server (tools/plugins/perf/src/executors/perf/fixtures/server.mjs) is
# pinned to one core, and each load generator in turn to the other (wrk -t1, Node's one thread,
# k6 with GOMAXPROCS=1). Closed loop with the same connection count, the only mode wrk has.
#
#   bash bench/perf-engine.sh [--connections 16] [--duration 5] [--rounds 3]
#
# The server gets 2 s of wrk unmeasured first. The built-in engine sends 10,000 requests (at most
# 10 s) unmeasured first: JIT and undici's WebAssembly HTTP parser compile on first use. wrk and k6
# are measured from their start.
# The built-in engine's closed loop sends through the same connections, request preparation and
# Recorder (HDR histograms) as the open model the perf targets run.
# Prints req/s, p50, p99 and requests per CPU-second per tool (each the median of its rounds) and
# the ratios to wrk. Goals for the built-in engine: req/s >= 70 % of wrk's, p99 within 20 % of
# wrk's. Then one open-model run of the built-in engine at half of its own closed-loop rate, to
# show whether it keeps the schedule (sent on time, latency from the scheduled time). wrk and k6
# are the ones tools/scripts/tool.mjs finds (`npm run setup` installs both; WRK and K6 override).
set -euo pipefail

connections=16
duration=5
rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench/perf-engine.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
wrk=$(node "$root/tools/scripts/tool.mjs" wrk) || exit 1
k6=$(node "$root/tools/scripts/tool.mjs" k6) || exit 1
work=$(mktemp -d)
server_pid=
cleanup() {
  # Best effort, and not under errexit: the server's `wait` reports the SIGTERM it was stopped with
  # (143), which must not become the bench's exit status or skip removing the work folder.
  set +e
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '[bench] %s\n' "$*"; }

cores=$(nproc)
pin_server=() pin_client=()
if taskset=$(node "$root/tools/scripts/tool.mjs" taskset 2>/dev/null) && [ "$cores" -ge 2 ]; then
  pin_server=("$taskset" -c 0) pin_client=("$taskset" -c 1)
else
  say "fewer than 2 cores or no taskset: server and load generator share the machine unpinned"
fi

"${pin_server[@]}" node tools/plugins/perf/src/executors/perf/fixtures/server.mjs --port 0 > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/server.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$work/server.log")
[ -n "$port" ] || { cat "$work/server.log" >&2; echo "bench/perf-engine.sh: the fixture server did not start" >&2; exit 1; }
url="http://127.0.0.1:$port/static"
say "endpoint $url, $connections connections, ${duration}s per tool and round, load average $(cut -d' ' -f1 /proc/loadavg)"

# wrk's latency lines: "     99%    1.23ms" (units us, ms or s) -> milliseconds.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 }; printf "%.3f", v }'; }

cat > "$work/k6.js" <<JS
import http from 'k6/http';
export const options = { discardResponseBodies: true, vus: $connections, duration: '${duration}s', summaryTrendStats: ['p(50)', 'p(99)'] };
export default function () { http.get('$url'); }
JS
json() { node -e "const d = JSON.parse(process.argv[1]); console.log(Number(d[process.argv[2]]).toFixed(process.argv[3] ?? 3))" "$1" "$2" "${3:-3}"; }

# Requests per CPU-second of the load generator (user + system, from /usr/bin/time): what "the same
# core budget" buys, and steadier than req/s when other work shares the machine.
per_cpu() { awk -v n="$1" '{ s = $1 + $2; printf "%.0f", (s > 0 ? n / s : 0) }' "$2"; }

# The server's own JIT warms up first (2 s of wrk, not measured): otherwise the first tool of round
# 1 alone meets a cold server (wrk's first-round p99 was 4.8 ms against 0.5-1.6 ms afterwards).
"${pin_client[@]}" "$wrk" -t1 -c"$connections" -d2s "$url" > /dev/null

# Rounds interleave the tools, so a burst of load from elsewhere on the machine hits all of them;
# each tool's median round is reported.
: > "$work/wrk.tsv"; : > "$work/node.tsv"; : > "$work/k6.tsv"
for round in $(seq 1 "$rounds"); do
  say "round $round of $rounds"
  /usr/bin/time -f '%U %S' -o "$work/cpu.txt" "${pin_client[@]}" "$wrk" -t1 -c"$connections" -d"${duration}s" --latency "$url" > "$work/wrk.txt"
  wrk_requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
  printf '%s\t%s\t%s\t%s\n' "$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")" \
    "$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt" | to_ms)" "$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt" | to_ms)" \
    "$(per_cpu "$wrk_requests" "$work/cpu.txt")" >> "$work/wrk.tsv"

  node_json=$("${pin_client[@]}" node -r @swc-node/register bench/perf-engine.node.ts closed "$url" "$connections" "$duration")
  printf '%s\t%s\t%s\t%s\n' "$(json "$node_json" rps 2)" "$(json "$node_json" p50Ms)" "$(json "$node_json" p99Ms)" \
    "$(node -e "const d = JSON.parse(process.argv[1]); console.log((d.requests / d.cpuS).toFixed(0))" "$node_json")" >> "$work/node.tsv"

  GOMAXPROCS=1 /usr/bin/time -f '%U %S' -o "$work/cpu.txt" "${pin_client[@]}" "$k6" run --quiet --no-usage-report --summary-export "$work/k6.json" "$work/k6.js" > "$work/k6.txt" 2>&1 \
    || { cat "$work/k6.txt" >&2; echo "bench/perf-engine.sh: k6 failed (above)" >&2; exit 1; }
  k6_requests=$(node -e "console.log(require('$work/k6.json').metrics.http_reqs.count)")
  printf '%s\t%s\n' "$(node -e "const m = require('$work/k6.json').metrics; console.log([m.http_reqs.rate.toFixed(2), m.http_req_duration['p(50)'].toFixed(3), m.http_req_duration['p(99)'].toFixed(3)].join('\t'))")" \
    "$(per_cpu "$k6_requests" "$work/cpu.txt")" >> "$work/k6.tsv"
done

# Each column's median over the rounds, taken on its own (req/s, p50, p99, req/CPU-s): a tool's p99
# varies from round to round by more than 20 % by itself (wrk's 0.94-1.76 ms in three 5 s runs
# here), so one round's p99 would compare noise.
median() { cut -f"$2" "$1" | sort -g | awk -v n="$rounds" 'NR == int((n + 1) / 2)'; }
medians() { echo "$(median "$1" 1) $(median "$1" 2) $(median "$1" 3) $(median "$1" 4)"; }
read -r wrk_rps wrk_p50 wrk_p99 wrk_cpu < <(medians "$work/wrk.tsv")
read -r node_rps node_p50 node_p99 node_cpu < <(medians "$work/node.tsv")
read -r k6_rps k6_p50 k6_p99 k6_cpu < <(medians "$work/k6.tsv")

# Every round, so the spread behind each median shows.
rounds_of() { awk -F'\t' -v tool="$2" '{ rps = rps sep sprintf("%.0f", $1); p99 = p99 sep $3; cpu = cpu sep $4; sep = " " } END { printf "%-20s req/s %s | p99 ms %s | req/CPU-s %s\n", tool, rps, p99, cpu }' "$1"; }
echo
rounds_of "$work/wrk.tsv" 'wrk rounds'
rounds_of "$work/node.tsv" 'built-in rounds'
rounds_of "$work/k6.tsv" 'k6 rounds'

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row='%-20s %10s %9s %9s %13s %9s %9s %10s\n'
printf "\n$row" tool 'req/s' 'p50 ms' 'p99 ms' 'req/CPU-s' 'req/s x' 'p99 x' 'req/CPU x'
printf "$row" 'wrk -t1' "$wrk_rps" "$wrk_p50" "$wrk_p99" "$wrk_cpu" 1.00 1.00 1.00
printf "$row" 'built-in (node)' "$node_rps" "$node_p50" "$node_p99" "$node_cpu" \
  "$(ratio "$node_rps" "$wrk_rps")" "$(ratio "$node_p99" "$wrk_p99")" "$(ratio "$node_cpu" "$wrk_cpu")"
printf "$row" 'k6 (GOMAXPROCS=1)' "$k6_rps" "$k6_p50" "$k6_p99" "$k6_cpu" \
  "$(ratio "$k6_rps" "$wrk_rps")" "$(ratio "$k6_p99" "$wrk_p99")" "$(ratio "$k6_cpu" "$wrk_cpu")"

rps_ratio=$(ratio "$node_rps" "$wrk_rps")
cpu_ratio=$(ratio "$node_cpu" "$wrk_cpu")
p99_ratio=$(ratio "$node_p99" "$wrk_p99")
echo
awk -v r="$rps_ratio" 'BEGIN { printf "built-in req/s vs wrk:          %4.0f %% (goal >= 70 %%): %s\n", r * 100, (r >= 0.7 ? "met" : "missed") }'
awk -v r="$cpu_ratio" 'BEGIN { printf "built-in req per CPU-s vs wrk:  %4.0f %% (the same goal per core, steadier on a shared machine): %s\n", r * 100, (r >= 0.7 ? "met" : "missed") }'
awk -v r="$p99_ratio" 'BEGIN { d = r - 1; if (d < 0) d = -d; printf "built-in p99 vs wrk:            %+4.0f %% (goal within 20 %%): %s\n", (r - 1) * 100, (d <= 0.2 ? "met" : "missed") }'

# Half of what the engine managed closed-loop: a rate it can keep, so the latencies are the server's.
rate=$(awk -v r="$node_rps" 'BEGIN { printf "%d", r / 2 }')
open_json=$("${pin_client[@]}" node -r @swc-node/register bench/perf-engine.node.ts open "$url" "$rate" "$duration")
printf 'open model at %s req/s for %ss: %s requests (%s failed) in %s s, engine CPU %s s, p50 %s ms, p99 %s ms (latency from the scheduled send time)\n' \
  "$rate" "$duration" "$(json "$open_json" requests 0)" "$(json "$open_json" errors 0)" "$(json "$open_json" elapsedS 2)" "$(json "$open_json" cpuS 2)" \
  "$(json "$open_json" p50Ms)" "$(json "$open_json" p99Ms)"
late=$(node -e "console.log(JSON.parse(process.argv[1]).late)" "$open_json")
echo "${late:-the engine sent every request within 50 ms of its scheduled time}"
say "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
