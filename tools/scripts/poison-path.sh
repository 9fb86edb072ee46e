#!/usr/bin/env bash
# poison-path.sh <folder>: writes into <folder> a failing fake of every tool setup installs (the
# workspace and venv tools of tools/toolchain.json: uv, k6, gitleaks, semgrep, actionlint, ruff,
# mypy, pytest, bandit, pip-audit, ...) and prints their names. Put the folder first on PATH (as
# .ci/run does) and any code that runs a tool found on PATH, instead of through the workspace's
# resolver (tools/plugins/core/src/tools/resolve.ts), fails with a line that says so.
set -euo pipefail
dir=${1:?usage: poison-path.sh <folder>}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$dir"
tools=$(node -e 'for (const [name, t] of Object.entries(require(process.argv[1]).tools)) if (t.kind === "workspace" || t.kind === "venv") console.log(name)' "$root/tools/toolchain.json")
for tool in $tools; do
  printf '#!/bin/sh\necho "poisoned PATH: %s was run from PATH; find it through the resolver (tools/plugins/core/src/tools/resolve.ts)" >&2\nexit 97\n' "$tool" > "$dir/$tool"
  chmod +x "$dir/$tool"
done
echo "${tools//$'\n'/ }"
