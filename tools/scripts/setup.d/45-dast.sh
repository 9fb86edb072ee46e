#!/usr/bin/env bash
# The dynamic scanners the `dast` target runs that cannot share the workspace's .venv (wapiti3 pins
# old httpx, browser and parsing libraries; sqlmap is a standalone tool): wapiti3 and sqlmap, locked
# in tools/plugins/dast/python/uv.lock (exclude-newer "3 days", like the workspace), synced into
# their own environment .cache/venvs/dast and linked into .cache/bin, where the tool resolver finds
# them. Versions: tools/toolchain.json (a test checks they match the lock). Quiet when in sync.
# schemathesis comes from the workspace's .venv (the backend's dev group).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" dast

project="$root/tools/plugins/dast/python"
venv="$root/.cache/venvs/dast"
stamp="$venv/.uv-lock.sha256"
wanted=$(sha256sum "$project/uv.lock" "$project/pyproject.toml" | sha256sum | cut -d' ' -f1)

if [ ! -x "$venv/bin/wapiti" ] || [ ! -x "$venv/bin/sqlmap" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  [ -n "${UV:-}" ] || die "UV is not set: run this through \`npm run setup\` (setup.sh installs uv first and passes it)."
  say "installing wapiti $(pin wapiti) and sqlmap $(pin sqlmap) into .cache/venvs/dast (uv sync --frozen)..."
  UV_PROJECT_ENVIRONMENT="$venv" UV_PYTHON_DOWNLOADS=never \
    "$UV" sync --quiet --frozen --no-install-project --project "$project" ${PYTHON:+--python "$PYTHON"} \
    || die "could not install the DAST tools from $project/uv.lock. Check that PyPI (or your pip mirror) is reachable."
  echo "$wanted" > "$stamp"
fi
ln -sfn "$venv/bin/wapiti" "$bin/wapiti"
ln -sfn "$venv/bin/sqlmap" "$bin/sqlmap"
