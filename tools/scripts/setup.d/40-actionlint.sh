#!/usr/bin/env bash
# Linters for .github/workflows, run by the cache-server project's workflow test:
#   - actionlint, pinned (tools/toolchain.json), built with `go install` once per version per machine, linked into .cache/bin;
#   - shellcheck (Debian package), which actionlint runs on every `run:` script.
# Quiet when both are present.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" actionlint

ACTIONLINT_VERSION=$(pin actionlint)

if [ "$("$bin/actionlint" --version 2>/dev/null | head -n1)" != "$ACTIONLINT_VERSION" ]; then
  go_install actionlint "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" -ldflags "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
fi

command -v shellcheck >/dev/null || apt_install "Install shellcheck with your package manager." shellcheck
