#!/usr/bin/env bash
# Tools for the `monitoring` target and its live proof (tools/plugins/monitoring): promtool (Debian's
# prometheus package) checks and unit-tests the generated rules, amtool checks the generated
# Alertmanager config and its routes, and the integration test runs Alertmanager and the blackbox
# exporter on loopback. Every one starts its own instances, so the system services the packages
# install are stopped and disabled.
#
# Silent and quick when all are present; set SKIP_MONITORING_SETUP=1 to skip it on machines that
# never run the monitoring target (it then fails and says how to install them).
set -euo pipefail

[ "${SKIP_MONITORING_SETUP:-}" = "1" ] && exit 0
# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" monitoring

packages=(prometheus prometheus-alertmanager prometheus-blackbox-exporter)
services=(prometheus prometheus-alertmanager prometheus-blackbox-exporter)
mapfile -t missing < <(missing_packages "${packages[@]}")
[ ${#missing[@]} -eq 0 ] && exit 0

apt_install "Install Prometheus, Alertmanager (amtool) and the blackbox exporter with your package manager, or set SKIP_MONITORING_SETUP=1." "${missing[@]}"
if [ -d /run/systemd/system ]; then
  as_root systemctl disable --now "${services[@]}" >/dev/null 2>&1 || say "could not stop the system ${services[*]} services; they do not conflict (the tests use their own ports)."
else
  # Without systemd, the packages' init scripts may have started the daemons: stop those that run.
  for service in "${services[@]}"; do
    if [ -x "/etc/init.d/$service" ] && "/etc/init.d/$service" status >/dev/null 2>&1; then
      as_root "/etc/init.d/$service" stop >/dev/null || say "could not stop $service (/etc/init.d/$service stop); it does not conflict (the tests use their own ports)."
    fi
  done
fi
tool() { "$(node "$root/tools/scripts/tool.mjs" "$1")" --version 2>&1 | head -1 | cut -d' ' -f1-3; }
say "installed: $(tool promtool), $(tool amtool), $(tool prometheus-alertmanager), $(tool prometheus-blackbox-exporter)"
