#!/usr/bin/env bash
# Debian's Chromium for the Playwright journeys (apps/frontend-e2e). Playwright never downloads a
# browser here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1); its config launches /usr/bin/chromium by path
# (override with CHROMIUM_PATH). Silent when Chromium is already there; set SKIP_CHROMIUM_SETUP=1
# on machines that never run the e2e target.
set -euo pipefail

[ "${SKIP_CHROMIUM_SETUP:-}" = "1" ] && exit 0
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" chromium

[ -x "$chromium" ] && exit 0

apt_install "Install Chromium with your package manager and set CHROMIUM_PATH to its binary, or set SKIP_CHROMIUM_SETUP=1 if you never run the e2e target." \
  chromium fonts-liberation
[ -x "$chromium" ] || die "apt installed chromium but $chromium does not exist; set CHROMIUM_PATH to the installed binary."
"$chromium" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 || die "$chromium is installed but does not start headless; run \`$chromium --headless --no-sandbox --version\` to see why."
say "chromium ready: $("$chromium" --version)"
