#!/usr/bin/env bash
# What the workspace's own Nx plugins cost the project graph at 1000 projects. Copies the workspace
# twice, adds the same synthetic Python and TypeScript projects with dependencies between them to
# both (bench/graph-workspace.mjs), removes every plugin named @customercare/* from one copy's nx.json,
# changes one Python source file in both, and times, interleaved in one run so that machine noise
# hits both sides alike:
#
#   show      `nx show projects`                      the whole project graph
#   affected  `nx show projects --affected --base=main` the graph plus the projects the change reaches
#
# each cold (Nx's workspace data, with the plugins' inference caches, removed) and warm (the call
# right after, served from those caches), with no daemon. Prints medians and ratios of wall time,
# and of CPU time summed over the command's node processes (the main one and every plugin worker,
# through bench/graph-cpu-time.cjs): on a shared machine the CPU ratio is the steadier measure of
# what the plugins cost. Exits 1 when a warm wall-time ratio is above the goal.
#
#   bash bench/graph.sh [--projects 1000] [--runs 3] [--ref <git revision>]
#
# --ref copies a commit (git archive) instead of the working tree (tracked and untracked files,
# without deleted ones). Goal: with/without <= 1.3 warm.
set -euo pipefail
projects=1000
runs=3
ref=
while [ $# -gt 0 ]; do
  case $1 in
    --projects) projects=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --ref) ref=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/graph.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
goal=1.3
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git=$(node "$root/tools/scripts/tool.mjs" git) || exit 1
nx="$root/node_modules/.bin/nx"

copy() {
  local dest=$1
  mkdir -p "$dest"
  if [ -n "$ref" ]; then
    "$git" -C "$root" archive "$ref" | tar -x -C "$dest"
  else
    # Files deleted in the working tree but still tracked are left out, as the workspace has them.
    (cd "$root" && "$git" ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
      xargs -0 cp --parents -t "$dest")
  fi
  ln -s "$root/.venv" "$dest/.venv"
  node "$root/bench/graph-workspace.mjs" "$dest" "$projects"
}

echo "[bench] copying the workspace twice with $projects extra projects..."
copy "$work/with"
cp -a "$work/with" "$work/without"
removed=$(node -e '
  const fs = require("fs"); const f = process.argv[1];
  const nx = JSON.parse(fs.readFileSync(f, "utf8"));
  const name = (p) => (typeof p === "string" ? p : p.plugin);
  const ours = nx.plugins.filter((p) => name(p).startsWith("@customercare/")).map(name);
  nx.plugins = nx.plugins.filter((p) => !name(p).startsWith("@customercare/"));
  fs.writeFileSync(f, JSON.stringify(nx, null, 2));
  console.log(ours.join(" "));
' "$work/without/nx.json")
[ -n "$removed" ] || { echo "[bench] nx.json lists no @customercare/* plugin: nothing to compare" >&2; exit 1; }
echo "[bench] without: removed $removed from nx.json"

# One source file of a Python project changes, uncommitted: at 1000 projects, bench-py-0025, which
# reaches about a fifth of the graph.
pick=$(( (projects + 1) / 40 )); [ "$pick" -ge 2 ] || pick=2
changed=$(printf 'libs/bench-py-%04d/src/bench_py_%04d/__init__.py' "$pick" "$pick")
for side in with without; do
  (cd "$work/$side" && "$git" init -q -b main && "$git" add -A &&
    "$git" -c user.name=bench -c user.email=bench@example.com commit -qm bench)
  echo '# changed by bench/graph.sh' >> "$work/$side/$changed"
done

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
show=(show projects)
affected=(show projects --affected --base=main)
cpu_log="$work/cpu.log"
time_ms() { # runs nx with the remaining arguments in folder $1, prints "<wall ms> <CPU ms>"
  local dir=$1 start end
  shift
  : > "$cpu_log"
  start=$(date +%s%N)
  (cd "$dir" && GRAPH_BENCH_CPU_LOG="$cpu_log" NODE_OPTIONS="--require $root/bench/graph-cpu-time.cjs" \
    "$nx" "$@" > /dev/null)
  end=$(date +%s%N)
  sleep 1 # plugin workers write their CPU time as they exit, just after the command
  echo "$(( (end - start) / 1000000 )) $(awk '{ t += $1 } END { print t + 0 }' "$cpu_log")"
}
reset() { (cd "$1" && "$nx" reset --only-workspace-data > /dev/null 2>&1); }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for side in with without; do
  total=$(cd "$work/$side" && "$nx" "${show[@]}" | wc -l)
  reached=$(cd "$work/$side" && "$nx" "${affected[@]}" | wc -l)
  echo "[bench] $side: $total projects; changing $changed affects $reached"
done

declare -A samples cpus
for run in $(seq 1 "$runs"); do
  for side in with without; do
    for command in show affected; do
      if [ $command = show ]; then argv=("${show[@]}"); else argv=("${affected[@]}"); fi
      reset "$work/$side"
      for state in cold warm; do
        read -r wall cpu < <(time_ms "$work/$side" "${argv[@]}")
        samples[$side.$command.$state]+=" $wall"
        cpus[$side.$command.$state]+=" $cpu"
      done
    done
  done
  echo "[bench] run $run/$runs done"
done

missed=0
printf '\n%-58s %10s %10s %6s %10s %10s %6s\n' "median of $runs, $projects extra projects" \
  "with" "without" "ratio" "CPU with" "without" "ratio"
for command in show affected; do
  for state in cold warm; do
    w=$(echo "${samples[with.$command.$state]}" | median)
    wo=$(echo "${samples[without.$command.$state]}" | median)
    ratio=$(div "$w" "$wo")
    cw=$(echo "${cpus[with.$command.$state]}" | median)
    cwo=$(echo "${cpus[without.$command.$state]}" | median)
    label="nx ${show[*]} ($state)"
    if [ $command = affected ]; then label="nx ${affected[*]} ($state)"; fi
    printf '%-58s %8sms %8sms %6s %8sms %8sms %6s\n' "$label" "$w" "$wo" "$ratio" "$cw" "$cwo" "$(div "$cw" "$cwo")"
    if [ $state = warm ] && awk -v r="$ratio" -v g="$goal" 'BEGIN { exit !(r > g) }'; then missed=1; fi
  done
done
if [ $missed = 1 ]; then
  echo "[bench] a warm ratio is above the goal of $goal"
  exit 1
fi
echo "[bench] both warm ratios are within the goal of $goal"
