#!/usr/bin/env bash
# PostgreSQL 15 and Redis 7 server binaries for the backend's integration tests (which start
# private instances on free loopback ports in temporary folders), and wrk for bench/backend.sh.
# Silent when everything is present; installs from Debian's apt otherwise.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" databases

missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v wrk >/dev/null || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0

apt_install "Install them with your package manager (PostgreSQL 15, Redis 7, wrk)." "${missing[@]}"
say "installed ${missing[*]}"
