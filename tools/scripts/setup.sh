#!/usr/bin/env bash
# Installs whatever this workspace needs and is missing, then returns quickly when nothing is.
# Used by `npm run setup`, `npm run pipeline`, `npm test` and CI. Safe to run again and again.
#
#   1. checks the runtimes the machine must already have (Node >= 20.19, Python >= 3.11);
#   2. installs npm dependencies from package-lock.json when they changed (npm ci);
#   3. installs uv (pinned in tools/toolchain.json, from PyPI) when missing and syncs .venv from
#      uv.lock with the machine's own interpreter (uv never downloads one here);
#   4. runs every tools/scripts/setup.d/*.sh in order: system services and tools that some
#      targets need (each script is idempotent and quiet when there is nothing to do; they share
#      tools/scripts/setup-lib.sh for messages, apt installs and pinned `go install` builds);
#   5. links every workspace tool into .cache/bin and ends with `npm run doctor -- --short`, failing
#      when a required tool is missing or at the wrong version.
# Tools are never taken from PATH: the targets find them through one resolver
# (tools/plugins/core/src/tools/resolve.ts), so what works here works on any fresh clone.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
stamp_dir="$root/.cache/setup"
bin="$root/.cache/bin"
mkdir -p "$stamp_dir" "$bin"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# -- runtimes ------------------------------------------------------------------------------------
command -v node >/dev/null || die "node is not installed. Install Node.js 20.19 or newer (https://nodejs.org), then run this again."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node $(node --version) is too old: this workspace needs Node 20.19 or newer."
if [ -z "${PYTHON:-}" ]; then
  PYTHON=$(command -v python3) || die "python3 is not installed. Install CPython 3.11 or newer (apt-get install python3 python3-venv), or set PYTHON=/path/to/python3."
fi
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "$PYTHON is Python $("$PYTHON" -c 'import platform;print(platform.python_version())'); this workspace needs 3.11 or newer. Set PYTHON=/path/to/python3.11."
PYTHON=$("$PYTHON" -c 'import sys; print(sys.executable)')
UV_VERSION=$(node -p 'require("./tools/toolchain.json").tools.uv.version')

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

# -- npm -------------------------------------------------------------------------------------------
npm_hash=$(hash_of package-lock.json $(git ls-files 'package.json' '*/package.json' 2>/dev/null))
if [ ! -d node_modules ] || [ "$(cat "$stamp_dir/npm" 2>/dev/null)" != "$npm_hash" ]; then
  say "installing npm dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_hash" > "$stamp_dir/npm"
fi

# -- uv --------------------------------------------------------------------------------------------
# uv reads its index from the same place pip does on this machine, so a configured mirror is honoured.
# (`pip config get` exits non-zero when the key is not set: then there is no mirror to honour.)
if [ -n "${PIP_INDEX_URL:-}" ]; then
  export UV_DEFAULT_INDEX="$PIP_INDEX_URL"
elif pip_index=$("$PYTHON" -m pip config get global.index-url 2>/dev/null) && [ -n "$pip_index" ]; then
  export UV_DEFAULT_INDEX="$pip_index"
fi
export UV_PYTHON_DOWNLOADS=never UV_PYTHON="$PYTHON"

uv_ok() { [ -n "$UV" ] && [ -x "$UV" ] && [ "$("$UV" --version | cut -d' ' -f2)" = "$UV_VERSION" ]; }
# $UV when set (an explicit override, as the resolver takes it), else the workspace's own copy in
# a private venv (so the machine's Python, possibly "externally managed", PEP 668, is untouched),
# installed there when missing. Never a uv found on PATH.
uv_venv="$root/.cache/uv-venv"
if [ -n "${UV:-}" ]; then
  uv_ok || die "UV=$UV is not uv $UV_VERSION: unset UV (setup then installs its own), or point it at uv $UV_VERSION."
else
  UV="$uv_venv/bin/uv"
  if ! uv_ok; then
    say "installing uv $UV_VERSION from PyPI into .cache/uv-venv..."
    rm -rf "$uv_venv"
    # One retry: ensurepip inside a new venv has failed once on a busy machine and passed at once after.
    "$PYTHON" -m venv "$uv_venv" || { rm -rf "$uv_venv"; "$PYTHON" -m venv "$uv_venv"; } \
      || die "$PYTHON -m venv failed twice (its error is above). If it says that venv or ensurepip is not available, install python3-venv (Debian/Ubuntu: apt-get install python3-venv); otherwise remove .cache/uv-venv and run npm run setup again."
    "$uv_venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" \
      || die "could not install uv $UV_VERSION from PyPI. Check that PyPI (or your pip mirror) is reachable."
    uv_ok || die "uv $UV_VERSION was installed but $UV does not run; remove .cache/uv-venv and run this again."
  fi
  ln -sfn "$UV" "$bin/uv"
fi

uv_hash=$(hash_of pyproject.toml uv.lock $(git ls-files '*pyproject.toml' 2>/dev/null))
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp_dir/uv" 2>/dev/null)" != "$uv_hash" ]; then
  say "syncing the Python environment (.venv) from uv.lock..."
  # In CI the lockfile must already match every pyproject.toml; locally uv updates it.
  lock_flag=$([ "${CI:-}" = "true" ] && echo --locked || echo)
  "$UV" sync --all-packages --all-groups $lock_flag --quiet \
    || die "uv sync failed. If it says the lockfile needs updating, run \`uv lock\` and commit uv.lock."
  echo "$uv_hash" > "$stamp_dir/uv"
fi
# The Python tools locked in uv.lock, linked beside the others (the resolver prefers a target's own
# venv; the links are for people who put .cache/bin on their PATH).
for tool in $(node -e 'for (const [n, t] of Object.entries(require("./tools/toolchain.json").tools)) if (t.kind === "venv") console.log(n)'); do
  if [ -x ".venv/bin/$tool" ]; then ln -sfn "$root/.venv/bin/$tool" "$bin/$tool"; fi
done

# -- extra tools and services ----------------------------------------------------------------------
for script in tools/scripts/setup.d/*.sh; do
  [ -e "$script" ] || continue
  # shellcheck source=/dev/null
  ROOT="$root" PYTHON="$PYTHON" UV="$UV" bash "$script" || die "$script failed (see above)."
done

# -- check -----------------------------------------------------------------------------------------
# The same resolver the targets use: a tool setup should have installed but cannot be found (or is
# at another version) fails here, with the fix, rather than in the middle of a pipeline.
node tools/scripts/doctor.mjs --short | sed 's/^/[setup] tools: /' \
  || die "a required tool is missing or at the wrong version: run \`npm run doctor\` for the table and the fixes."
