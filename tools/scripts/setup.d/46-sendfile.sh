#!/usr/bin/env bash
# The cache server's native addon (tools/cache-server/native/sendfile.c): its GETs of small entries
# go from the page cache to the socket with no copy through the process, and its uploads commit by
# group commit (syncfs), written back by the kernel's workers (docs/remote-cache.md).
# Built against the running Node's headers with the C compiler the tool resolver finds (gcc from
# apt when there is none), by tools/cache-server/scripts/build-native.mjs. Linux only. Silent when built.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" sendfile

[ "$(uname -s)" = Linux ] || exit 0
if ! cc=$(node "$root/tools/scripts/tool.mjs" cc 2>/dev/null); then
  apt_install "Install a C compiler (gcc) and the C library's headers with your package manager." gcc libc6-dev
  cc=$(node "$root/tools/scripts/tool.mjs" cc) || exit 1
fi
node "$root/tools/cache-server/scripts/build-native.mjs" --cc "$cc" \
  || die "the cache server's native addon did not build (see above). The server still runs without it (GETs through user space, one fdatasync per upload); bench/cache-server.sh and its tests need it."
