#!/usr/bin/env bash
# Security scanners the `scan` target runs that do not belong in the product's Python environment:
#   - semgrep, pinned, in its own uv tool environment (it pins click, pydantic and opentelemetry
#     below what the backend uses, so it cannot share .venv);
#   - gitleaks, pinned, built with `go install` from the Go module proxy (once per version per machine).
# Both land in .cache/bin, where the tool resolver finds them. Versions: tools/toolchain.json. Quiet when both are present.
# bandit, pip-audit, pip-licenses and cyclonedx-py come from the root pyproject's dev group (.venv).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" scanners

SEMGREP_VERSION=$(pin semgrep)
GITLEAKS_VERSION=$(pin gitleaks)

# -- semgrep ---------------------------------------------------------------------------------------
# uv's receipt names the installed version; `semgrep --version` would phone home for an update check.
if [ ! -x "$bin/semgrep" ] || ! grep -qF "specifier = \"==$SEMGREP_VERSION\"" "$root/.cache/uv-tools/semgrep/uv-receipt.toml" 2>/dev/null; then
  [ -n "${UV:-}" ] || die "UV is not set: run this through \`npm run setup\` (setup.sh installs uv first and passes it)."
  say "installing semgrep $SEMGREP_VERSION (uv tool, isolated from .venv)..."
  UV_TOOL_DIR="$root/.cache/uv-tools" UV_TOOL_BIN_DIR="$bin" UV_PYTHON_DOWNLOADS=never \
    "$UV" tool install --quiet --force ${PYTHON:+--python "$PYTHON"} "semgrep==$SEMGREP_VERSION" \
    || die "could not install semgrep $SEMGREP_VERSION from PyPI. Check that PyPI (or your pip mirror) is reachable."
fi

# -- gitleaks --------------------------------------------------------------------------------------
# `go install` leaves gitleaks' version string unset: -ldflags sets it, so `gitleaks version` names the pin.
if [ "$("$bin/gitleaks" version 2>/dev/null)" != "$GITLEAKS_VERSION" ]; then
  go_install gitleaks "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION" -ldflags "-X github.com/zricethezav/gitleaks/v8/version.Version=$GITLEAKS_VERSION"
fi
rm -f "$bin/.gitleaks-version"
