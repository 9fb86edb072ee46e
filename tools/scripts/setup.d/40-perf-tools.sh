#!/usr/bin/env bash
# Load tools for the `perf` targets and bench/perf-engine.sh:
#   - k6, pinned (tools/toolchain.json), built with `go install go.k6.io/k6@<version>` once per
#     version per machine and linked into .cache/bin (the perf executor's `engine: k6`, its tests
#     and the benches). The first build takes a few minutes on 2 cores; after that this script is silent.
#   - wrk from Debian's apt (the benchmark's reference load generator).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" perf

K6_VERSION=$(pin k6)

# -- k6 --------------------------------------------------------------------------------------------
# `k6 version` prints "k6 v1.8.1 (go1.26.8, linux/amd64)"; a build from `go install` reports its module version.
if [ "$("$bin/k6" version 2>/dev/null | cut -d' ' -f2)" != "$K6_VERSION" ]; then
  go_install k6 "go.k6.io/k6@$K6_VERSION"
fi

# -- wrk -------------------------------------------------------------------------------------------
command -v wrk >/dev/null || apt_install "Install wrk with your package manager." wrk
