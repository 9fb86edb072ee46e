#!/usr/bin/env bash
# nginx for bench/cache-server.sh: the baseline the cache server is measured against, serving GETs
# and accepting WebDAV PUTs (Debian's nginx is built --with-http_dav_module). The bench starts its
# own nginx on a free loopback port with a temporary config, so the system service the package
# installs is stopped and disabled where systemd runs it. Also iproute2, whose ss the bench's load
# generator asks, at the deadline, how many PUT bytes still sit unread in the sockets' queues.
# Silent when present.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" nginx

mapfile -t missing < <(missing_packages nginx iproute2)
[ ${#missing[@]} -eq 0 ] && exit 0

apt_install "Install nginx (with its WebDAV module) and iproute2 (ss) with your package manager." "${missing[@]}"
if [[ " ${missing[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then
  as_root systemctl disable --now nginx >/dev/null 2>&1 || say "could not stop the system nginx service; it does not conflict (the bench uses its own port)."
fi
/usr/sbin/nginx -V 2>&1 | grep -q -- '--with-http_dav_module' || die "$(/usr/sbin/nginx -v 2>&1): bench/cache-server.sh needs nginx built with the WebDAV module (Debian's nginx package is)."
say "installed: $(/usr/sbin/nginx -v 2>&1)"
