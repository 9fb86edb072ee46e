#!/usr/bin/env bash
# Load tools for the `perf` targets and bench/perf-engine.sh:
#   - k6, pinned, built with `go install go.k6.io/k6@<version>` into .cache/bin where Go is present
#     (the perf executor's `engine: k6`; the built-in Node engine needs nothing). The first build
#     takes a few minutes on 2 cores; after that this script is silent.
#   - wrk from Debian's apt (the benchmark's reference load generator).
set -euo pipefail

K6_VERSION=v1.8.1

root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
bin="$root/.cache/bin"
mkdir -p "$bin"
say() { printf '[setup:perf] %s\n' "$*"; }
die() { printf '[setup:perf] error: %s\n' "$*" >&2; exit 1; }

# -- k6 --------------------------------------------------------------------------------------------
# `k6 version` prints "k6 v1.8.1 (go1.26.8, linux/amd64)"; a build from `go install` reports its module version.
if [ ! -x "$bin/k6" ] || [ "$("$bin/k6" version 2>/dev/null | cut -d' ' -f2)" != "$K6_VERSION" ]; then
  if command -v go >/dev/null; then
    say "building k6 $K6_VERSION (go install; a few minutes the first time)..."
    GOBIN="$bin" GOFLAGS=-mod=mod go install "go.k6.io/k6@$K6_VERSION" \
      || die "go install go.k6.io/k6@$K6_VERSION failed. Check that the Go module proxy (GOPROXY) is reachable."
    say "installed k6 $K6_VERSION in .cache/bin"
  else
    # Not an error: k6 is optional. A perf target run with engine=k6 says "not run: k6 is not installed".
    say "Go is not installed, so k6 is not: perf targets use the built-in engine (install Go 1.24+ to get k6)."
  fi
fi

# -- wrk -------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  command -v apt-get >/dev/null || die "wrk is missing and this is not a Debian/Ubuntu machine: install wrk with your package manager."
  [ "$(id -u)" -eq 0 ] || die "wrk is missing. Install it with: sudo apt-get install -y wrk"
  say "installing wrk (apt)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends wrk >/dev/null \
    || die "apt-get install wrk failed (see above). Check that Debian's mirrors are reachable."
fi
