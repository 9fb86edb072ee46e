#!/usr/bin/env bash
# Linters for .github/workflows, run by the cache-server project's workflow test:
#   - actionlint, pinned, built with `go install` from the Go module proxy into .cache/bin;
#   - shellcheck (Debian package), which actionlint runs on every `run:` script.
# Quiet when both are present.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.7

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" actionlint

if [ "$("$bin/actionlint" --version 2>/dev/null | head -n1)" != "$ACTIONLINT_VERSION" ]; then
  go_install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" -ldflags "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
fi

command -v shellcheck >/dev/null || apt_install "Install shellcheck with your package manager." shellcheck
