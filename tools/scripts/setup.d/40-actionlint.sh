#!/usr/bin/env bash
# Linters for .github/workflows, run by the cache-server project's workflow test:
#   - actionlint, pinned, built with `go install` from the Go module proxy into .cache/bin;
#   - shellcheck (Debian package), which actionlint runs on every `run:` script.
# Quiet when both are present.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.7

root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
bin="$root/.cache/bin"
mkdir -p "$bin"
say() { printf '[setup:actionlint] %s\n' "$*"; }
die() { printf '[setup:actionlint] error: %s\n' "$*" >&2; exit 1; }

if [ "$("$bin/actionlint" --version 2>/dev/null | head -n1)" != "$ACTIONLINT_VERSION" ]; then
  command -v go >/dev/null || die "go is not installed; actionlint is built with it. Install Go 1.23+ (apt-get install golang-go), then run this again."
  say "building actionlint $ACTIONLINT_VERSION (go install)..."
  GOBIN="$bin" GOFLAGS=-mod=mod go install -ldflags "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" \
    || die "go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION failed. Check that the Go module proxy (GOPROXY) is reachable."
fi

if ! command -v shellcheck >/dev/null; then
  command -v apt-get >/dev/null || die "shellcheck is missing and this machine has no apt-get. Install shellcheck with your package manager."
  [ "$(id -u)" = "0" ] || die "shellcheck is missing: run \`sudo apt-get install shellcheck\` (this script installs it only when run as root)."
  say "installing shellcheck (apt)..."
  apt-get install -y -qq --no-install-recommends shellcheck >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends shellcheck >/dev/null; } \
    || die "apt-get install shellcheck failed (see above). Check that Debian's mirrors are reachable."
fi
