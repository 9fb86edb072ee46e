#!/usr/bin/env bash
# What the pipeline plugin costs the project graph. Copies the workspace twice, adds 100 Python
# projects to both, removes the plugin from one, and times `nx show projects` in both, interleaved
# in one run so that machine noise hits both sides alike. Prints medians and ratios.
#
#   bash bench/graph.sh [projects=100] [runs=5]
# Goal: with/without <= 1.5, and a warm call (served from the inference cache) cheaper than a cold one.
set -euo pipefail
projects=${1:-100}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git=$(node "$root/tools/scripts/tool.mjs" git) || exit 1

copy() {
  local dest=$1
  mkdir -p "$dest"
  # Files deleted in the working tree but still tracked are left out, as the workspace has them.
  (cd "$root" && "$git" ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
    xargs -0 cp --parents -t "$dest")
  ln -s "$root/node_modules" "$dest/node_modules"
  ln -s "$root/.venv" "$dest/.venv"
  for i in $(seq -w 1 "$projects"); do
    mkdir -p "$dest/libs/bench-$i/src/bench_$i"
    printf '[project]\nname = "bench-%s"\nversion = "0.1.0"\n' "$i" > "$dest/libs/bench-$i/pyproject.toml"
    printf 'VALUE = %d\n' "$((10#$i))" > "$dest/libs/bench-$i/src/bench_$i/__init__.py"
  done
  (cd "$dest" && "$git" init -q -b main && "$git" add -A && "$git" -c user.name=bench -c user.email=bench@example.com commit -qm bench)
}

echo "[bench] copying the workspace twice with $projects extra Python projects..."
copy "$work/with"
copy "$work/without"
node -e '
  const fs = require("fs"); const f = process.argv[1];
  const nx = JSON.parse(fs.readFileSync(f, "utf8"));
  nx.plugins = nx.plugins.filter((p) => (typeof p === "string" ? p : p.plugin) !== "@customercare/nx-pipeline");
  fs.writeFileSync(f, JSON.stringify(nx, null, 2));
' "$work/without/nx.json"

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
time_ms() { # runs `nx show projects` in $1, prints milliseconds
  local start end
  start=$(date +%s%N)
  (cd "$1" && "$root/node_modules/.bin/nx" show projects > /dev/null)
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

count=$(cd "$work/with" && "$root/node_modules/.bin/nx" show projects | wc -l)
echo "[bench] the copy with the plugin has $count projects"

cold_with=(); cold_without=(); warm_with=(); warm_without=()
for run in $(seq 1 "$runs"); do
  for side in with without; do
    (cd "$work/$side" && "$root/node_modules/.bin/nx" reset --only-workspace-data > /dev/null 2>&1)
    cold=$(time_ms "$work/$side")
    warm=$(time_ms "$work/$side")
    if [ "$side" = with ]; then cold_with+=("$cold"); warm_with+=("$warm"); else cold_without+=("$cold"); warm_without+=("$warm"); fi
  done
  echo "[bench] run $run/$runs done"
done

cw=$(printf '%s\n' "${cold_with[@]}" | median); cwo=$(printf '%s\n' "${cold_without[@]}" | median)
ww=$(printf '%s\n' "${warm_with[@]}" | median); wwo=$(printf '%s\n' "${warm_without[@]}" | median)
printf '\n%-34s %10s %10s %8s\n' "nx show projects (median of $runs)" "with" "without" "ratio"
printf '%-34s %8sms %8sms %8.2f\n' "cold (workspace data reset)" "$cw" "$cwo" "$(div $cw $cwo)"
printf '%-34s %8sms %8sms %8.2f\n' "warm (inference cache)" "$ww" "$wwo" "$(div $ww $wwo)"
printf '%-34s %8.2f\n' "warm / cold, with the plugin" "$(div $ww $cw)"
