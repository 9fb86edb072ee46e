#!/usr/bin/env bash
# crane (github.com/google/go-containerregistry), pinned in tools/toolchain.json and built with
# `go install` once per version per machine, linked into .cache/bin. It is both
#   - the loopback OCI registry of the push tests and the local rehearsal
#     (`crane registry serve --address 127.0.0.1:<port>`: in-memory manifests, blobs in memory or --disk), and
#   - the registry client that reads what a registry serves (`crane digest`, `crane copy`, `crane tag`).
# Quiet when the pinned version is present.
set -euo pipefail

[ "${SKIP_CONTAINER_SETUP:-}" = "1" ] && exit 0
# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" registry

CRANE_VERSION=$(pin crane)

if [ "$("$bin/crane" version 2>/dev/null | head -n1)" != "$CRANE_VERSION" ]; then
  go_install crane "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
fi
