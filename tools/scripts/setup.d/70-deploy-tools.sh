#!/usr/bin/env bash
# Tools for the `deploy` target's local provider: HAProxy (blue/green slots, weights changed through
# its runtime API, built-in Prometheus exporter) and Prometheus (canary analysis). Both come from
# Debian's apt. The deploy executor starts its own instances per environment on loopback, so the
# system services the packages install are stopped and disabled where systemd runs them.
#
# Silent and quick when both are present; set SKIP_DEPLOY_SETUP=1 to skip it on machines that
# never deploy (the deploy proof tests then fail and say how to install them).
set -euo pipefail

[ "${SKIP_DEPLOY_SETUP:-}" = "1" ] && exit 0
root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
say() { printf '[setup:deploy] %s\n' "$*"; }
die() { printf '[setup:deploy] error: %s\n' "$*" >&2; exit 1; }

packages=(haproxy prometheus)
missing=()
for pkg in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null || die "missing ${missing[*]} and this machine has no apt-get. Install HAProxy >= 2.6 and Prometheus with your package manager, or set SKIP_DEPLOY_SETUP=1."
[ "$(id -u)" = "0" ] || die "missing ${missing[*]}: run \`sudo apt-get install --no-install-recommends ${missing[*]}\` (this script installs them only when run as root)."
say "installing ${missing[*]} (apt)..."
export DEBIAN_FRONTEND=noninteractive
# Other setup scripts may hold the dpkg lock for a while: wait for it rather than fail.
apt_opts=(-o DPkg::Lock::Timeout=600 -qq)
if [ ! -f "$root/.cache/setup/apt-updated" ] || [ -n "$(find "$root/.cache/setup/apt-updated" -mmin +1440 2>/dev/null)" ]; then
  apt-get "${apt_opts[@]}" update >/dev/null || die "apt-get update failed: check the apt sources in /etc/apt/sources.list*."
  mkdir -p "$root/.cache/setup" && touch "$root/.cache/setup/apt-updated"
fi
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null \
  || die "apt-get install ${missing[*]} failed (see above)."
if [ -d /run/systemd/system ]; then
  systemctl disable --now haproxy prometheus >/dev/null 2>&1 || say "could not stop the system haproxy/prometheus services; they do not conflict (the deploy target uses its own ports)."
fi
haproxy -v | head -1 | grep -Eq 'version (2\.[6-9]|[3-9])' || die "$(haproxy -v | head -1): the local provider needs HAProxy 2.6 or newer (built-in Prometheus exporter, runtime server addresses)."
say "installed: $(haproxy -v | head -1 | cut -d' ' -f1-3), $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3)"
