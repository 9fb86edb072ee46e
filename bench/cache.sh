#!/usr/bin/env bash
# What the remote cache and `nx affected` buy, measured in one run on two fresh clones of this
# repository's HEAD (node_modules, .venv and .cache/bin linked in from the checkout):
#
#   1. cold:     clone A, empty local and remote cache:      nx run-many -t <targets>  (fills the cache server)
#   2. remote:   clone B, own HOME, empty local cache:       nx run-many -t <targets>  (every task from the server)
#   3. affected: clone A, one file of one project changed:   nx affected -t <targets> --skip-nx-cache
#
# and prints remote/cold (goal <= 0.15) and affected/full (goal <= 0.4; "full" is the cold run,
# which also runs every task without a cache).
#
#   bash bench/cache.sh [--targets "lint test"] [--change apps/frontend/src/console/App.tsx] [--projects a,b]
#
# --projects restricts every run to those projects (for example to leave out one whose tests are
# red at HEAD: a failed task is never cached, so it runs again in the remote run).
# The cache server is tools/cache-server on 127.0.0.1 with a filesystem store in a temp folder.
# Each clone gets its own .venv (uv sync from uv.lock, served from uv's cache) so Python tests run
# the clone's sources. The nx logs and the server log are kept under reports/bench/cache/.
set -euo pipefail

targets="lint test"
change="apps/frontend/src/console/App.tsx"
only=()
projects=
while [ $# -gt 0 ]; do
  case $1 in
    --targets) targets=$2; shift 2 ;;
    --change) change=$2; shift 2 ;;
    --projects) projects=$2; only=(--projects="$2"); shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench/cache.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
out="$root/reports/bench/cache"
server_pid=
cleanup() {
  # Not under errexit: `wait` reports the SIGTERM the server was stopped with (143).
  set +e
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  mkdir -p "$out" && cp "$work"/*.log "$out/" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '[bench] %s\n' "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g ? "meets" : "MISSES") }'; }

# The tools as the targets find them (tools/toolchain.json: UV and GIT override), never from PATH.
uv=$(node "$root/tools/scripts/tool.mjs" uv) || exit 1
git=$(node "$root/tools/scripts/tool.mjs" git) || exit 1
nx="$root/node_modules/.bin/nx"

clone() {
  "$git" clone -q "$root" "$1"
  ln -s "$root/node_modules" "$1/node_modules"
  mkdir -p "$1/.cache" "$1.home"
  [ -d "$root/.cache/bin" ] && ln -s "$root/.cache/bin" "$1/.cache/bin"
  # The docker executor's tests need the clone's own podman configuration (and storage).
  ROOT="$1" bash "$1/tools/scripts/setup.d/60-podman.sh" \
    || { echo "bench/cache.sh: podman setup failed in the clone (see above)." >&2; exit 1; }
  (cd "$1" && UV_PYTHON_DOWNLOADS=never "$uv" sync --all-packages --all-groups --frozen --quiet) \
    || { echo "bench/cache.sh: uv sync failed in the clone (see above)." >&2; exit 1; }
}

[ -f "$root/$change" ] || { echo "bench/cache.sh: --change $change is not a file of this repository." >&2; exit 2; }
say "cloning HEAD ($("$git" -C "$root" rev-parse --short HEAD)) twice..."
clone "$work/a"
clone "$work/b"

token=$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')
# The token goes by environment: the server refuses one on its command line (visible in ps).
CACHE_SERVER_TOKENS="read-write:bench:$token" node "$root/tools/cache-server/bin/cache-server.js" --port 0 --dir "$work/store" \
  --evict-interval 0 --log-level info > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q '"msg":"listening"' "$work/server.log" 2>/dev/null && break; sleep 0.1; done
url=$(node -e 'const l = require("fs").readFileSync(process.argv[1], "utf8").split("\n").find((x) => x.includes("\"listening\"")); if (!l) process.exit(1); console.log(JSON.parse(l).url)' "$work/server.log") \
  || { echo "bench/cache.sh: the cache server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
say "cache server on $url"

# shellcheck disable=SC2086 # $targets is a list of target names
run_nx() {
  local dir=$1 log=$2; shift 2
  (cd "$dir" && env -u NX_SELF_HOSTED_REMOTE_CACHE_SERVER -u NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN \
    HOME="$dir.home" NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true "$@" > "$log" 2>&1)
}
remote=(NX_SELF_HOSTED_REMOTE_CACHE_SERVER="$url" NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN="$token")
count() { awk -v re="$1" '$0 ~ re { n++ } END { print n + 0 }' "$2"; }

say "1/3 cold: nx run-many -t $targets (clone A, empty caches)..."
t0=$(now)
# shellcheck disable=SC2086
run_nx "$work/a" "$work/cold.log" "${remote[@]}" "$nx" run-many -t $targets "${only[@]}" --output-style=static && cold_ok=0 || cold_ok=$?
t1=$(now)
cold=$(elapsed "$t0" "$t1")

say "2/3 remote: nx run-many -t $targets (clone B, own HOME, empty local cache)..."
t0=$(now)
# shellcheck disable=SC2086
run_nx "$work/b" "$work/remote.log" "${remote[@]}" "$nx" run-many -t $targets "${only[@]}" --output-style=static && remote_ok=0 || remote_ok=$?
t1=$(now)
remote_s=$(elapsed "$t0" "$t1")

# `nx affected` takes no --projects: leave the others out with --exclude instead.
exclude=()
if [ -n "$projects" ]; then
  excluded=$(cd "$work/a" && NX_DAEMON=false "$nx" show projects --json 2>/dev/null | node -e '
    const all = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const keep = new Set(process.argv[1].split(","));
    console.log(all.filter((name) => !keep.has(name)).join(","));' "$projects")
  [ -n "$excluded" ] && exclude=(--exclude="$excluded")
fi

[ -f "$work/a/$change" ] || { echo "bench/cache.sh: --change $change is not a file at HEAD (commit it, or pick another)." >&2; exit 2; }
say "3/3 affected: change $change, nx affected -t $targets --skip-nx-cache (clone A)..."
printf '\n// bench: a one-line change\n' >> "$work/a/$change"
affected_projects=$(cd "$work/a" && NX_DAEMON=false "$nx" show projects --affected --base=HEAD "${exclude[@]}" 2> "$work/show.log" | tr '\n' ' ') \
  || affected_projects="unknown: nx show projects --affected failed, see show.log"
t0=$(now)
# shellcheck disable=SC2086
run_nx "$work/a" "$work/affected.log" "$nx" affected -t $targets "${exclude[@]}" --base=HEAD --skip-nx-cache --output-style=static && affected_ok=0 || affected_ok=$?
t1=$(now)
affected=$(elapsed "$t0" "$t1")

tasks=$(count '^> nx run ' "$work/cold.log")
hits=$(count '^> nx run .*\[remote cache\]' "$work/remote.log")
remote_tasks=$(count '^> nx run ' "$work/remote.log")
affected_tasks=$(count '^> nx run ' "$work/affected.log")
stored=$(count '"method":"PUT","path":"/v1/cache/[^"]*","status":200' "$work/server.log")

r1=$(ratio "$remote_s" "$cold")
r2=$(ratio "$affected" "$cold")
echo
echo "remote cache: nx run-many -t $targets ${only[*]:-over every project}"
printf '  %-44s %8ss  %s tasks, exit %s, %s artifacts stored\n' "cold (no cache anywhere)" "$cold" "$tasks" "$cold_ok" "$stored"
printf '  %-44s %8ss  %s/%s tasks [remote cache], exit %s\n' "fresh clone, remote hits" "$remote_s" "$hits" "$remote_tasks" "$remote_ok"
printf '  %-44s %8s   goal <= 0.15: %s\n' "ratio remote/cold" "$r1" "$(verdict "$r1" 0.15)"
echo "affected: one file changed ($change)"
printf '  %-44s %8ss  %s tasks\n' "full run (the cold run)" "$cold" "$tasks"
printf '  %-44s %8ss  %s tasks, exit %s (%s)\n' "nx affected --skip-nx-cache" "$affected" "$affected_tasks" "$affected_ok" "${affected_projects% }"
printf '  %-44s %8s   goal <= 0.4: %s\n' "ratio affected/full" "$r2" "$(verdict "$r2" 0.4)"
if [ "$cold_ok" != 0 ] || [ "$remote_ok" != 0 ] || [ "$affected_ok" != 0 ]; then
  echo
  echo "some nx runs failed (failed tasks are never cached, so they run again in the remote run); full logs in $out:"
  for log in cold remote affected; do
    echo "--- $log"
    awk '/Failed tasks:/ { on = 1 } on && shown < 20 { print; shown++ }' "$work/$log.log"
  done
  exit 1
fi
