#!/usr/bin/env bash
# Load tools for the `perf` targets and bench/perf-engine.sh:
#   - k6, pinned, built with `go install go.k6.io/k6@<version>` into .cache/bin where Go is present
#     (the perf executor's `engine: k6`; the built-in Node engine needs nothing). The first build
#     takes a few minutes on 2 cores; after that this script is silent.
#   - wrk from Debian's apt (the benchmark's reference load generator).
set -euo pipefail

K6_VERSION=v1.8.1

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" perf

# -- k6 --------------------------------------------------------------------------------------------
# `k6 version` prints "k6 v1.8.1 (go1.26.8, linux/amd64)"; a build from `go install` reports its module version.
if [ ! -x "$bin/k6" ] || [ "$("$bin/k6" version 2>/dev/null | cut -d' ' -f2)" != "$K6_VERSION" ]; then
  if command -v go >/dev/null; then
    say "k6 takes a few minutes to build the first time"
    go_install "go.k6.io/k6@$K6_VERSION"
    say "installed k6 $K6_VERSION in .cache/bin"
  else
    # Not an error: k6 is optional. A perf target run with engine=k6 says "not run: k6 is not installed".
    say "Go is not installed, so k6 is not: perf targets use the built-in engine (install Go 1.24+ to get k6)."
  fi
fi

# -- wrk -------------------------------------------------------------------------------------------
command -v wrk >/dev/null || apt_install "Install wrk with your package manager." wrk
