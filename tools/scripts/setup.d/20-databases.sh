#!/usr/bin/env bash
# PostgreSQL 15 and Redis 7 server binaries for the backend's integration tests (which start
# private instances on free loopback ports in temporary folders), and wrk for bench/backend.sh.
# Silent when everything is present; installs from Debian's apt otherwise.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }

missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v wrk >/dev/null || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "[setup] error: ${missing[*]} missing and this is not a Debian/Ubuntu machine: install them with your package manager (PostgreSQL 15, Redis 7, wrk)." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "[setup] error: ${missing[*]} missing. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
say "installing ${missing[*]} (apt)..."
export DEBIAN_FRONTEND=noninteractive
# An install right after a fresh boot has no package lists yet.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || { echo "[setup] error: apt-get install ${missing[*]} failed (see above). Check that Debian's mirrors are reachable." >&2; exit 1; }
say "installed ${missing[*]}"
