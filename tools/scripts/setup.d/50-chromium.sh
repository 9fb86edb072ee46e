#!/usr/bin/env bash
# Debian's Chromium for the Playwright journeys (apps/frontend-e2e). Playwright never downloads a
# browser here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1); its config launches /usr/bin/chromium by path
# (override with CHROMIUM_PATH). Silent when Chromium is already there; set SKIP_CHROMIUM_SETUP=1
# on machines that never run the e2e target.
set -euo pipefail

[ "${SKIP_CHROMIUM_SETUP:-}" = "1" ] && exit 0
root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
say() { printf '[setup:chromium] %s\n' "$*"; }
die() { printf '[setup:chromium] error: %s\n' "$*" >&2; exit 1; }

[ -x "$chromium" ] && exit 0

command -v apt-get >/dev/null || die "$chromium is missing and this machine has no apt-get. Install Chromium with your package manager and set CHROMIUM_PATH to its binary, or set SKIP_CHROMIUM_SETUP=1 if you never run the e2e target."
[ "$(id -u)" = "0" ] || die "$chromium is missing: run \`sudo apt-get install chromium\` (this script installs it only when run as root)."
say "installing chromium (apt)..."
export DEBIAN_FRONTEND=noninteractive
# Other setup scripts may hold the dpkg lock for a while: wait for it rather than fail.
apt_opts=(-o DPkg::Lock::Timeout=600 -qq)
stamp="$root/.cache/setup/apt-updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
  apt-get "${apt_opts[@]}" update >/dev/null || die "apt-get update failed: check the apt sources in /etc/apt/sources.list*."
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
apt-get "${apt_opts[@]}" install -y --no-install-recommends chromium fonts-liberation >/dev/null \
  || die "apt-get install chromium failed (see above)."
[ -x "$chromium" ] || die "apt installed chromium but $chromium does not exist; set CHROMIUM_PATH to the installed binary."
"$chromium" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 || die "$chromium is installed but does not start headless; run \`$chromium --headless --no-sandbox --version\` to see why."
say "chromium ready: $("$chromium" --version)"
