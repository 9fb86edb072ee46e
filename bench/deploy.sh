#!/usr/bin/env bash
# The deploy target's proof, measured: real HAProxy and Prometheus on loopback, the fixture
# releases (v1, v2 good; v3 answers 500 to half its requests; v4 fails its health check), a steady
# bounded load on 127.0.0.1 (4 keep-alive loops, ~150 req/s). In one run it prints:
#
#   v2  (good, canary 10 % -> 50 % -> 100 %): requests and failed requests during the deploy
#   v3  (bad): time from the first bad response to the failing verdict and to full rollback,
#       failed requests during the canary step against the canary's share, and failed requests
#       over a fixed window beside the same v3 shipped blue-green with only a health check
#       (what the seed's `sleep 60 && curl` pipeline did): the ratio is what the analysis saves
#   v4  (unhealthy): failed requests and requests it served (should be 0)
#   backup failure: whether any candidate started or traffic moved
#
#   bash bench/deploy.sh [--window 15]      (seconds of load compared after the bad release got traffic)
set -euo pipefail

window=15
while [ $# -gt 0 ]; do
  case $1 in
    --window) window=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench/deploy.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# The local provider resolves them itself; asking first fails in a second, with the fix, not after a minute.
node "$root/tools/scripts/tool.mjs" haproxy prometheus >/dev/null || exit 1

echo "bench/deploy.sh: deploying v1..v4 on loopback under load (about a minute)..." >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The executor logs every phase; the measurements are the last line.
BENCH_WINDOW_MS=$((window * 1000)) node -r @swc-node/register bench/deploy.node.ts > "$log" 2>&1 \
  || { tail -40 "$log" >&2; echo "bench/deploy.sh: the run failed (log above)." >&2; exit 1; }
json=$(tail -1 "$log")

node - "$json" <<'JS'
const r = JSON.parse(process.argv[2]);
const s = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(2)} %` : 'n/a');
console.log(`v2 good deploy         ${r.v2.outcome}: ${r.v2.failed} failed of ${r.v2.requests} requests in ${s(r.v2.durationMs)}`);
console.log(`v3 broken canary       ${r.v3.outcome}: ${r.v3.reason}`);
console.log(`   first bad response -> failing verdict   ${s(r.v3.badMetricToVerdictMs)}`);
console.log(`   failing verdict -> all traffic on v2    ${s(r.v3.verdictToFullRollbackMs)}`);
console.log(`   first bad response -> full rollback     ${s(r.v3.badMetricToFullRollbackMs)}`);
console.log(`   failed during the canary step           ${r.v3.canaryStepFailed} of ${r.v3.canaryStepRequests} (${pct(r.v3.canaryStepFailed, r.v3.canaryStepRequests)}; the canary's share is ${r.v3.canaryWeight} %)`);
console.log(`v4 unhealthy           ${r.v4.outcome} in ${r.v4.phase}: ${r.v4.failed} failed of ${r.v4.requests}, ${r.v4.servedByV4} served by v4`);
console.log(`backup failure         ${r.backup.outcome} in ${r.backup.phase}: candidate started: ${r.backup.candidateStarted}, traffic changes: ${r.backup.trafficChanges}`);
console.log('');
console.log(`Failed requests in the ${r.windowMs / 1000} s after v3 first got traffic:`);
console.log(`   canary + analysis + automatic rollback  ${r.v3.windowFailed} of ${r.v3.windowRequests}`);
console.log(`   blue-green with a health check only     ${r.blueGreenV3.windowFailed} of ${r.blueGreenV3.windowRequests} (v3 ${r.blueGreenV3.outcome})`);
console.log(`   ratio (blue-green / canary)             ${r.v3.windowFailed ? (r.blueGreenV3.windowFailed / r.v3.windowFailed).toFixed(1) : 'inf'}x`);
JS
