#!/usr/bin/env bash
# Server CPU per POST /api/v1/widget/chat: the working tree's backend beside a git ref's, in one run.
#
# Both backends (apps/backend/src and libs/service-kit/src; the ref's exported with `git archive`
# and put first on PYTHONPATH) get a copy of one database seeded with the sample knowledge base
# (by the working tree's code, so the ref must share its schema) and are served at once by `python -m customercare serve` (WEB_CONCURRENCY=1 unless
# --workers; SQLite, local answer provider, in-process store, limits lifted) on loopback. Then:
#
#   1. both answer every labelled question, in new conversations and in one continued
#      conversation; the answers (content, escalation, cited documents and snippets) must be equal
#   2. ROUNDS rounds of REQUESTS chats (closed loop, CLIENTS keep-alive connections, random labelled
#      questions in new conversations), the two backends taking turns (the first alternates)
#
# and prints the server CPU time (utime + stime of the server and its workers, from /proc) per
# request of each round, the medians and their ratio. CPU per request is the fair figure on a
# shared machine: latency and throughput move with everyone else's load. Exits 1 when a request
# fails or the answers differ.
#
#   bash bench/backend-chat-cpu.sh --base <git ref> [--requests 600] [--rounds 3] [--clients 4]
#                                  [--workers 1]
#
# The servers' logs are kept under reports/bench/backend-chat-cpu/.
set -euo pipefail

base_ref=
requests=600
rounds=3
clients=4
workers=1
while [ $# -gt 0 ]; do
  case $1 in
    --base) base_ref=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench/backend-chat-cpu.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$base_ref" ] || { echo "bench/backend-chat-cpu.sh: name the code to compare with: --base <git ref> (see --help)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/proc-cpu.sh
. "$root/bench/proc-cpu.sh"
cd "$root"
python="$root/.venv/bin/python"
[ -x "$python" ] || { echo "bench/backend-chat-cpu.sh: $python is missing; run \`npm run setup\` first." >&2; exit 1; }
git=$(node "$root/tools/scripts/tool.mjs" git) || exit 1
curl=$(node "$root/tools/scripts/tool.mjs" curl) || exit 1
base_commit=$("$git" rev-parse --verify --quiet "$base_ref^{commit}") \
  || { echo "bench/backend-chat-cpu.sh: $base_ref is not a commit in this repository" >&2; exit 2; }

work=$(mktemp -d)
out="$root/reports/bench/backend-chat-cpu"
declare -A pid port
tree() { # pid: it and all its descendants (the job's subshells, the server, its workers)
  local pids=$1 frontier=$1 next p
  while [ -n "$frontier" ]; do
    next=
    for p in $frontier; do next="$next $(cat /proc/"$p"/task/*/children 2>/dev/null)"; done
    frontier=$(echo $next)
    pids="$pids $frontier"
  done
  echo "$pids"
}
cleanup() {
  local pids
  for variant in "${!pid[@]}"; do
    # The server is a grandchild of the job: stop the whole tree, not only the job's subshell.
    pids=$(tree "${pid[$variant]}")
    kill $pids 2>/dev/null || true
    wait "${pid[$variant]}" 2>/dev/null || true
  done
  mkdir -p "$out"
  cp "$work"/*.log "$work"/*.json "$out/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '[bench] %s\n' "$*"; }

say "exporting apps/backend/src and libs/service-kit/src at $base_ref (${base_commit:0:12})"
mkdir -p "$work/base"
"$git" archive "$base_commit" apps/backend/src libs/service-kit/src |
  "$python" -c 'import sys, tarfile; tarfile.open(fileobj=sys.stdin.buffer, mode="r|").extractall(sys.argv[1], filter="data")' "$work/base"
pythonpath_base="$work/base/apps/backend/src:$work/base/libs/service-kit/src"

export HOST=127.0.0.1 ENVIRONMENT=development LOG_LEVEL=INFO
export WIDGET_KEY_RATE_LIMIT=10000000 WIDGET_IP_RATE_LIMIT=10000000
unset DATABASE_URL REDIS_URL GEMINI_API_KEY PYTHONPATH PROMETHEUS_MULTIPROC_DIR

run_variant() { # variant command...: runs the command with that variant's code and data folder
  local variant=$1
  shift
  if [ "$variant" = base ]; then
    (cd apps/backend && DATA_DIR="$work/data-$variant" PYTHONPATH="$pythonpath_base" exec "$@")
  else
    (cd apps/backend && DATA_DIR="$work/data-$variant" exec "$@")
  fi
}
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# One seeded database, copied: ranking ties are broken by passage id, so two separately seeded
# databases (fresh random ids) could cite different passages for the same question.
say "seeding the sample knowledge base with the working tree's code"
run_variant head "$python" -m customercare seed >/dev/null
cp -a "$work/data-head" "$work/data-base"
for variant in base head; do
  port[$variant]=$(free_port)
  PORT=${port[$variant]} WEB_CONCURRENCY=$workers run_variant "$variant" "$python" -m customercare serve \
    >"$work/server-$variant.log" 2>&1 &
  pid[$variant]=$!
done
for variant in base head; do
  for _ in $(seq 1200); do
    [ "$(grep -c 'Application startup complete' "$work/server-$variant.log")" -ge "$workers" ] && break
    kill -0 "${pid[$variant]}" 2>/dev/null || { cat "$work/server-$variant.log" >&2; echo "bench/backend-chat-cpu.sh: the $variant server exited" >&2; exit 1; }
    sleep 0.1
  done
  "$curl" -fsS "http://127.0.0.1:${port[$variant]}/health" >/dev/null \
    || { echo "bench/backend-chat-cpu.sh: the $variant server did not answer /health" >&2; exit 1; }
done
# The code each server runs, from the module it imported (so a PYTHONPATH mistake shows).
for variant in base head; do
  say "$variant serves $(run_variant "$variant" "$python" -c 'import customercare.conversations as m; print(m.__file__)')"
done

cpu_s() { # pid: CPU seconds of the process and all its descendants (the server, its workers)
  # shellcheck disable=SC2046 # one pid per word
  cpu_seconds $(tree "$1")
}

say "the same answers from both: every labelled question, new and continued conversations"
for variant in base head; do
  "$python" bench/chat_load.py answers "http://127.0.0.1:${port[$variant]}" >"$work/answers-$variant.json"
done
if ! cmp -s "$work/answers-base.json" "$work/answers-head.json"; then
  diff "$work/answers-base.json" "$work/answers-head.json" | head -40 >&2
  echo "bench/backend-chat-cpu.sh: the two backends answered differently (answers-*.json in $out)" >&2
  exit 1
fi
say "equal: $(grep -c '"question"' "$work/answers-head.json") answers"

load_before=$(cut -d' ' -f1 /proc/loadavg)
status=0
results="$work/rounds.txt"
: >"$results"
for round in $(seq "$rounds"); do
  order="base head"
  [ $((round % 2)) -eq 0 ] && order="head base"
  for variant in $order; do
    before=$(cpu_s "${pid[$variant]}")
    read -r ok failed < <("$python" bench/chat_load.py load "http://127.0.0.1:${port[$variant]}" "$requests" "$clients")
    after=$(cpu_s "${pid[$variant]}")
    [ "$failed" -eq 0 ] || { say "$variant round $round: $failed of $requests chats failed"; status=1; }
    awk -v v="$variant" -v r="$round" -v a="$before" -v b="$after" -v n="$ok" \
      'BEGIN { printf "%s %s %.3f\n", r, v, (b - a) * 1000 / (n > 0 ? n : 1) }' >>"$results"
  done
done
load_after=$(cut -d' ' -f1 /proc/loadavg)

echo
printf 'server CPU per chat request (ms), %s requests a round over %s connections, WEB_CONCURRENCY=%s\n' "$requests" "$clients" "$workers"
printf '%-8s %14s %14s\n' round "base ${base_commit:0:7}" "working tree"
awk '{ v[$1, $2] = $3; if ($1 > n) n = $1 }
  END { for (r = 1; r <= n; r++) printf "%-8s %14s %14s\n", r, v[r, "base"], v[r, "head"] }' "$results"
median() { # variant
  awk -v v="$1" '$2 == v { print $3 }' "$results" | sort -n |
    awk '{ x[NR] = $1 } END { if (NR % 2) print x[(NR + 1) / 2]; else printf "%.3f\n", (x[NR / 2] + x[NR / 2 + 1]) / 2 }'
}
median_base=$(median base)
median_head=$(median head)
printf '%-8s %14s %14s\n' median "$median_base" "$median_head"
awk -v b="$median_base" -v h="$median_head" \
  'BEGIN { printf "working tree / base: %.2fx the CPU per chat request\n", h / b }'
printf 'machine load average before / after: %s / %s (%s cores)\n' "$load_before" "$load_after" "$(nproc)"
exit $status
