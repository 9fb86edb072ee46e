#!/usr/bin/env bash
# The sharded CI's proof on one machine (docs/ci.md):
#   1. the plan for N = 1..4 over every project (run-many) with the durations of ci/history.json;
#   2. a single runner: the N = 1 plan in its own fresh clone, local cache only;
#   3. N shards, one after the other, each in its own fresh clone, all sharing one cache server
#      (tools/cache-server on 127.0.0.1, a free port, a fresh folder, read-write token);
#   4. a verifying runner: the N = 1 plan once more in a fresh clone, against the same cache server,
#      read-only: every task must come back as a remote cache hit (no task runs twice);
#   5. the comparison: the union of the shards' results (tasks, outcomes, gate results) equals the
#      single runner's, no task executed in two shards; then one table.
# Every clone is of the commit HEAD names when the script starts (committed work only). Each gets
# the workspace's node_modules as hard links (npm ci per clone would download and build the same
# files again) with the workspace packages linked to the clone's own folders, and the tool links of
# .cache/bin. Python projects are left out by default: their .venv's editable installs point at this
# working tree, not at the clone.
#
#   bash tools/scripts/ci/prove-shards.sh [--shards 3] [--targets lint,typecheck,test] [--exclude p1,p2]
#                                         [--history ci/history.json] [--keep] [--seed-history <out.json>]
#                                         [--reuse-single <work dir of an earlier --keep run of the same commit>]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
shards=3
targets=lint,typecheck,test
exclude=backend,service-kit,customercare-dast-tools,nx-pipeline-e2e,cache-server
history=ci/history.json
keep=false
seed=
reuse=
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --exclude) exclude=$2; shift 2 ;;
    --history) history=$2; shift 2 ;;
    --seed-history) seed=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --reuse-single) reuse=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

git=$(node "$root/tools/scripts/tool.mjs" git) || exit 1
# Every clone checks out this one commit: HEAD of a shared working tree can move while the runners
# run, and runners of different commits rightly get different hashes (no cache hits to prove).
commit=$("$git" -C "$root" rev-parse HEAD)
work=$(mktemp -d /tmp/prove-shards.XXXXXX)
server_pid=
cleanup() {
  set +e
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [ "$keep" = false ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

# A fresh clone of HEAD with the workspace's dependencies (hard links) and tool links.
clone() {
  local dir=$1
  "$git" clone -q "$root" "$dir"
  "$git" -C "$dir" checkout -q --detach "$commit"
  cp -al "$root/node_modules" "$dir/node_modules"
  mkdir -p "$dir/.cache" && cp -a "$root/.cache/bin" "$dir/.cache/bin"
  # npm's workspace links, as `npm install` makes them, for the packages of the clone's HEAD.
  # shellcheck disable=SC2016 # JavaScript, not shell: its ${...} are template literals
  (cd "$dir" && node -e '
    const fs = require("node:fs"), path = require("node:path");
    const { globSync } = require("tinyglobby");
    const patterns = require("./package.json").workspaces.map((w) => `${w}/package.json`);
    for (const file of globSync(patterns)) {
      const name = JSON.parse(fs.readFileSync(file, "utf8")).name;
      const link = path.join("node_modules", name);
      fs.rmSync(link, { force: true, recursive: false });
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.relative(path.dirname(link), path.dirname(file)), link);
    }')
}

# shellcheck disable=SC2016
seconds() { node -e 'console.log(((Date.now() - Number(process.argv[1])) / 1000).toFixed(1))' "$1"; }
now() { node -e 'console.log(Date.now())'; }

echo "== plans (every project, $targets; excluded: ${exclude:-none}) =="
clone "$work/plan"
if [ -f "$root/$history" ]; then cp "$root/$history" "$work/plan/ci/history.json"; fi
(cd "$work/plan" && node tools/scripts/ci/plan.mjs --all --targets="$targets" --exclude="$exclude" \
  --shards=1 --quiet --save-graph="$work/graph.json" --out="$work/plan-1.json" | head -2)
for n in 2 3 4; do
  (cd "$work/plan" && node tools/scripts/ci/plan.mjs --graph-file="$work/graph.json" --targets="$targets" \
    --shards=$n --quiet --out="$work/plan-$n.json" | head -$((n + 1)))
done
if [ ! -f "$work/plan-$shards.json" ]; then
  (cd "$work/plan" && node tools/scripts/ci/plan.mjs --graph-file="$work/graph.json" --targets="$targets" \
    --shards="$shards" --quiet --out="$work/plan-$shards.json" >/dev/null)
fi

declare -A wall code

if [ -n "$reuse" ]; then
  # The single runner of an earlier run of the same commit and plan (it costs as much as all shards).
  if [ "$("$git" -C "$reuse/single" rev-parse HEAD)" != "$commit" ]; then
    echo "--reuse-single $reuse ran another commit than HEAD: run without it" >&2
    exit 1
  fi
  cmp -s <(node -e 'const p=require(process.argv[1]);console.log(JSON.stringify(p.shards))' "$reuse/plan-1.json") \
    <(node -e 'const p=require(process.argv[1]);console.log(JSON.stringify(p.shards))' "$work/plan-1.json") ||
    { echo "--reuse-single $reuse planned other tasks: run without it" >&2; exit 1; }
  echo "== single runner: reused from $reuse (same commit, same plan) =="
  cp -a "$reuse/single" "$work/single"
  wall[single]=$(cat "$reuse/single.wall") code[single]=$(cat "$reuse/single.code")
else
  echo "== single runner (local cache only) =="
  clone "$work/single"
  start=$(now)
  rc=0
  (cd "$work/single" && node tools/scripts/ci/run-shard.mjs --plan "$work/plan-1.json" --shard 1) || rc=$?
  wall[single]=$(seconds "$start") code[single]=$rc
  echo "${wall[single]}" >"$work/single.wall"
  echo "$rc" >"$work/single.code"
fi

echo "== cache server =="
# Both tokens in one namespace: a namespace is its own cache space.
port=$(node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
token_rw=$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))')
token_ro=$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("hex"))')
mkdir -p "$work/cache"
CACHE_SERVER_HOST=127.0.0.1 CACHE_SERVER_PORT=$port CACHE_SERVER_INSECURE_HTTP=true CACHE_SERVER_DIR="$work/cache" \
  CACHE_SERVER_TOKENS="read-write:proof:$token_rw,read:proof:$token_ro" \
  node "$root/tools/cache-server/bin/cache-server.js" >"$work/cache-server.log" 2>&1 &
server_pid=$!
healthy=false
for _ in $(seq 1 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the cache server stopped: $(cat "$work/cache-server.log")" >&2
    exit 1
  fi
  if node -e 'fetch(process.argv[1]).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$port/healthz"; then
    healthy=true
    break
  fi
  sleep 0.5
done
if [ "$healthy" = false ]; then
  echo "the cache server did not answer /healthz on 127.0.0.1:$port: see $work/cache-server.log" >&2
  exit 1
fi
echo "cache server on 127.0.0.1:$port (pid $server_pid)"

for k in $(seq 1 "$shards"); do
  echo "== shard $k/$shards (own clone, shared cache server) =="
  clone "$work/shard-$k"
  start=$(now) rc=0
  (cd "$work/shard-$k" && NX_SELF_HOSTED_REMOTE_CACHE_SERVER="http://127.0.0.1:$port" \
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN="$token_rw" \
    node tools/scripts/remote-cache.mjs -- node tools/scripts/ci/run-shard.mjs --plan "$work/plan-$shards.json" --shard "$k") || rc=$?
  wall[shard-$k]=$(seconds "$start") code[shard-$k]=$rc
done

echo "== verifying runner (every task from the shared cache, read-only) =="
clone "$work/verify"
start=$(now) rc=0
(cd "$work/verify" && NX_SELF_HOSTED_REMOTE_CACHE_SERVER="http://127.0.0.1:$port" \
  NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN="$token_ro" \
  node tools/scripts/remote-cache.mjs -- node tools/scripts/ci/run-shard.mjs --plan "$work/plan-1.json" --shard 1) || rc=$?
wall[verify]=$(seconds "$start") code[verify]=$rc

echo "== merge =="
mkdir -p "$work/merged/reports"
for k in $(seq 1 "$shards"); do cp -a "$work/shard-$k/reports/." "$work/merged/reports/"; done
rc=0
(cd "$work/merged" && node "$root/tools/scripts/ci/merge-shards.mjs" --plan "$work/plan-$shards.json" --reports reports \
  --history "$root/$history" --history-out "$work/history.json" >"$work/merge.log" 2>&1) || rc=$?
grep '^\[merge\]' "$work/merge.log"
code[merge]=$rc
if [ -n "$seed" ]; then
  node "$root/tools/scripts/ci/history.mjs" update --history "$root/$history" --runs "$work/single/reports/ci/shard-1/runs" --out "$seed"
fi

walls=$(for key in "${!wall[@]}"; do echo "$key=${wall[$key]}"; done | paste -sd, -)
codes=$(for key in "${!code[@]}"; do echo "$key=${code[$key]}"; done | paste -sd, -)
node "$root/tools/scripts/ci/prove-compare.mjs" --work "$work" --shards "$shards" --walls "$walls" --codes "$codes"
