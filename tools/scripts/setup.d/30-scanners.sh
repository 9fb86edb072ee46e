#!/usr/bin/env bash
# Security scanners the `scan` target runs that do not belong in the product's Python environment:
#   - semgrep, pinned, in its own uv tool environment (it pins click, pydantic and opentelemetry
#     below what the backend uses, so it cannot share .venv);
#   - zizmor (GitHub Actions workflows), pinned, from PyPI in its own uv tool environment too;
#   - gitleaks, pinned, built with `go install` from the Go module proxy (once per version per machine).
# All land in .cache/bin, where the tool resolver finds them. Versions: tools/toolchain.json. Quiet when all are present.
# bandit, pip-audit, pip-licenses and cyclonedx-py come from the root pyproject's dev group (.venv).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" scanners

GITLEAKS_VERSION=$(pin gitleaks)

# -- semgrep and zizmor ----------------------------------------------------------------------------
# uv_tool <name>: the pinned version from PyPI in its own uv tool environment (.cache/uv-tools),
# its executable linked into .cache/bin. uv's receipt names the installed version: asking the tool
# would run it (`semgrep --version` phones home for an update check).
uv_tool() {
  local name=$1 version
  version=$(pin "$name")
  if [ ! -x "$bin/$name" ] || ! grep -qF "specifier = \"==$version\"" "$root/.cache/uv-tools/$name/uv-receipt.toml" 2>/dev/null; then
    [ -n "${UV:-}" ] || die "UV is not set: run this through \`npm run setup\` (setup.sh installs uv first and passes it)."
    say "installing $name $version (uv tool, isolated from .venv)..."
    UV_TOOL_DIR="$root/.cache/uv-tools" UV_TOOL_BIN_DIR="$bin" UV_PYTHON_DOWNLOADS=never \
      "$UV" tool install --quiet --force ${PYTHON:+--python "$PYTHON"} "$name==$version" \
      || die "could not install $name $version from PyPI. Check that PyPI (or your pip mirror) is reachable."
  fi
}
uv_tool semgrep
uv_tool zizmor

# -- gitleaks --------------------------------------------------------------------------------------
# `go install` leaves gitleaks' version string unset: -ldflags sets it, so `gitleaks version` names the pin.
if [ "$("$bin/gitleaks" version 2>/dev/null)" != "$GITLEAKS_VERSION" ]; then
  go_install gitleaks "github.com/zricethezav/gitleaks/v8@$GITLEAKS_VERSION" -ldflags "-X github.com/zricethezav/gitleaks/v8/version.Version=$GITLEAKS_VERSION"
fi
rm -f "$bin/.gitleaks-version"
