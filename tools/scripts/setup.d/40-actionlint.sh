#!/usr/bin/env bash
# Linters for .github/workflows, run by the cache-server project's workflow test:
#   - actionlint, pinned (tools/toolchain.json), built with `go install` once per version per machine, linked into .cache/bin;
#   - shellcheck (Debian package), which actionlint runs on every `run:` script.
#   - Renovate's config validator, which the same check runs through npx: the renovate package is
#     800 packages and 320 MB, so it is fetched here into npm's cache, once per machine and version
#     (pinned in tools/toolchain.json, npxPackages), with a message, and not inside a test's time
#     limit (a fresh machine's first download took over 3 minutes).
# Quiet when all are present.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" actionlint

ACTIONLINT_VERSION=$(pin actionlint)

if [ "$("$bin/actionlint" --version 2>/dev/null | head -n1)" != "$ACTIONLINT_VERSION" ]; then
  go_install actionlint "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" -ldflags "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
fi

command -v shellcheck >/dev/null || apt_install "Install shellcheck with your package manager." shellcheck

RENOVATE_VERSION=$(node -p 'require(process.argv[1]).npxPackages.renovate' "$root/tools/toolchain.json")
renovate_stamp="$root/.cache/setup/renovate"
if [ "$(cat "$renovate_stamp" 2>/dev/null)" != "$RENOVATE_VERSION" ]; then
  say "fetching renovate $RENOVATE_VERSION for its config validator (npx, about 320 MB, once per machine)..."
  # `true` as the command: npx installs the package into its cache, runs nothing of it.
  npm_config_update_notifier=false npx --yes --package "renovate@$RENOVATE_VERSION" -- true \
    || die "npx could not fetch renovate@$RENOVATE_VERSION (see above). Check that the npm registry is reachable, then run npm run setup again."
  mkdir -p "$(dirname "$renovate_stamp")"
  echo "$RENOVATE_VERSION" > "$renovate_stamp"
fi
