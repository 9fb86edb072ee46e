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
# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" deploy

packages=(haproxy prometheus)
mapfile -t missing < <(missing_packages "${packages[@]}")
[ ${#missing[@]} -eq 0 ] && exit 0

apt_install "Install HAProxy >= 2.6 and Prometheus with your package manager, or set SKIP_DEPLOY_SETUP=1." "${missing[@]}"
if [ -d /run/systemd/system ]; then
  as_root systemctl disable --now haproxy prometheus >/dev/null 2>&1 || say "could not stop the system haproxy/prometheus services; they do not conflict (the deploy target uses its own ports)."
fi
haproxy -v | head -1 | grep -Eq 'version (2\.[6-9]|[3-9])' || die "$(haproxy -v | head -1): the local provider needs HAProxy 2.6 or newer (built-in Prometheus exporter, runtime server addresses)."
say "installed: $(haproxy -v | head -1 | cut -d' ' -f1-3), $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3)"
