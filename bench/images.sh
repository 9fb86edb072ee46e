#!/usr/bin/env bash
# Sizes and build times of the container images, measured side by side in one run:
#
#   cold:    nx run <project>:docker --noCache --skip-nx-cache   (no layer cache; the base is reused)
#   layers:  nx run <project>:docker --skip-nx-cache             (engine layer cache, nothing changed)
#   nx hit:  nx run <project>:docker                             (Nx cache: image.json restored, no build)
#
# Every build runs through the real target (nx-container on podman) with the image test skipped,
# so the times are the build's alone; `--with-test` keeps the image test in the layer-cache run.
# `--with-base` first rebuilds the debootstrap bases (minutes) and prints that time too.
#
#   bash bench/images.sh [--projects "backend frontend"] [--with-base] [--with-test]
#
# The nx logs are kept under reports/bench/images/.
set -euo pipefail

projects="backend frontend"
with_base=0
with_test=0
while [ $# -gt 0 ]; do
  case $1 in
    --projects) projects=$2; shift 2 ;;
    --with-base) with_base=1; shift ;;
    --with-test) with_test=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench/images.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/reports/bench/images"
mkdir -p "$out"
export NX_DAEMON=false
nx="$root/node_modules/.bin/nx"

# Seconds (with tenths) that a command took; its output goes to a log, and a failure stops the bench.
timed() {
  local log=$1; shift
  local start end
  start=$(date +%s.%N)
  if ! "$@" >"$out/$log.log" 2>&1; then
    echo "bench/images.sh: \`$*\` failed; its log: reports/bench/images/$log.log" >&2
    tail -20 "$out/$log.log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.1f", $2 - $1}'
}

bash tools/scripts/setup.d/60-podman.sh

if [ $with_base = 1 ]; then
  base_s=$(timed base "$nx" run base-images:base-image --force)
  echo "debootstrap bases (python + nginx), cold: ${base_s} s"
else
  timed base "$nx" run base-images:base-image >/dev/null
fi
# The frontend image copies the Vite build; build it once, outside the timings.
case " $projects " in *" frontend "*) timed frontend-build "$nx" build frontend >/dev/null ;; esac

printf '\n%-10s %10s %10s %10s %10s %12s %12s\n' project size_MB cold_s layers_s nx_hit_s cold/layers cold/nx_hit
for project in $projects; do
  test_flags=()
  [ $with_test = 1 ] || test_flags=(--skipTest)
  # --excludeTaskDependencies: the base images and the Vite build are ready (above); time the image alone.
  cold=$(timed "$project-cold" "$nx" run "$project:docker" --excludeTaskDependencies --skip-nx-cache --noCache --skipTest)
  # Untimed: layers built with --no-cache are not reused, and --skip-nx-cache runs store nothing in
  # the Nx cache; this run leaves both caches warm for the two timed runs below.
  timed "$project-warm" "$nx" run "$project:docker" --excludeTaskDependencies "${test_flags[@]}" >/dev/null
  layers=$(timed "$project-layers" "$nx" run "$project:docker" --excludeTaskDependencies --skip-nx-cache "${test_flags[@]}")
  hit=$(timed "$project-hit" "$nx" run "$project:docker" --excludeTaskDependencies "${test_flags[@]}")
  grep -q "existing outputs match the cache\|local cache" "$out/$project-hit.log" \
    || echo "bench/images.sh: warning: the third $project run was not an Nx cache hit (see reports/bench/images/$project-hit.log)" >&2
  size=$(node -e 'const r=require(process.argv[1]); console.log((r.sizeBytes/1e6).toFixed(1))' "$root/reports/apps/$project/docker/image.json")
  printf '%-10s %10s %10s %10s %10s %12s %12s\n' "$project" "$size" "$cold" "$layers" "$hit" \
    "$(awk -v a="$cold" -v b="$layers" 'BEGIN{printf "%.1fx", a/b}')" \
    "$(awk -v a="$cold" -v b="$hit" 'BEGIN{printf "%.1fx", a/b}')"
done
