#!/usr/bin/env bash
# What a security scan costs, measured side by side in one run on this machine:
#   - semgrep's fixed start-up cost: `semgrep scan` over an empty folder vs over the project's folder
#     (same rules), so the share of semgrep's time that is start-up shows as a ratio;
#   - the project's whole `scan` target cold (--skip-nx-cache) vs served from Nx's cache.
# Each pair is interleaved `runs` times and the medians compared, so machine noise hits both sides.
#
#   bash bench/scan.sh [runs=3] [project=service-kit] [folder=libs/service-kit]
# (Pick a project nobody is editing while it runs: an edited input is a cache miss, rightly.)
# Reported, not gated: a cache hit should cost a small fraction of a cold scan (what is left is
# Nx computing the project graph), and semgrep start-up is most of semgrep's time on a small project.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,11p' "$0"; exit 0 ;; esac
runs=${1:-3}
project=${2:-service-kit}
folder=${3:-libs/service-kit}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
export NX_DAEMON=false SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off

semgrep=$(node "$root/tools/scripts/tool.mjs" semgrep) || exit 1
nx="$root/node_modules/.bin/nx"

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
semgrep_on() { "$semgrep" scan --config security/semgrep --json --output /dev/null --metrics=off --disable-version-check --quiet "$1"; }

empty_t=() project_t=() cold_t=() warm_t=()
for i in $(seq 1 "$runs"); do
  echo "[bench] run $i/$runs..."
  empty_t+=("$(seconds semgrep_on "$empty")")
  project_t+=("$(seconds semgrep_on "$folder")")
  cold_t+=("$(seconds "$nx" run "$project:scan" --skip-nx-cache)")
  warm_t+=("$(seconds "$nx" run "$project:scan")")
done

e=$(median "${empty_t[@]}") b=$(median "${project_t[@]}") c=$(median "${cold_t[@]}") w=$(median "${warm_t[@]}")
printf '\n%-44s %8s\n' "measure (median of $runs)" seconds
printf '%-44s %8.2f\n' "semgrep, empty folder (start-up)" "$e" "semgrep, $folder" "$b" "$project:scan, cold (--skip-nx-cache)" "$c" "$project:scan, Nx cache hit" "$w"
printf '\nsemgrep start-up / semgrep on the project  = %s\n' "$(ratio "$e" "$b")"
printf 'scan cache hit / cold scan                = %s\n' "$(ratio "$w" "$c")"
printf 'load average while measuring: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
