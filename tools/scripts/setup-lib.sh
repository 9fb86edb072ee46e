# Shared by tools/scripts/setup.d/*.sh, which source it with their name for messages:
#   . "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" perf
# It sets `root` (the workspace) and `bin` (.cache/bin, where built tools go), and gives say/die,
# missing_packages, apt_install and go_install, so every script installs the same way: apt as
# root only, package lists refreshed at most once a day for the whole setup, Go tools pinned.
# shellcheck shell=bash

tag=${1:?setup-lib.sh: source it with a name for messages, e.g. . setup-lib.sh perf}
root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin="$root/.cache/bin"
mkdir -p "$bin"
say() { printf '[setup:%s] %s\n' "$tag" "$*"; }
die() { printf '[setup:%s] error: %s\n' "$tag" "$*" >&2; exit 1; }

# Prints those of the Debian packages "$@" that are not installed, one a line.
missing_packages() {
  local pkg
  for pkg; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || printf '%s\n' "$pkg"
  done
}

# apt_install <what to do on a machine without apt> <package>...
# Installs the packages with apt-get (as root; otherwise dies with the sudo command to run). The
# package lists are refreshed when this setup has not done so in the last day (a stamp under
# .cache/setup), so several scripts on a fresh machine update them once. Another script holding
# the dpkg lock is waited for.
apt_install() {
  local without_apt=$1
  shift
  command -v apt-get >/dev/null || die "missing $* and this machine has no apt-get. $without_apt"
  [ "$(id -u)" = "0" ] || die "missing $*: run \`sudo apt-get install --no-install-recommends $*\` (this script installs them only when run as root)."
  say "installing $* (apt)..."
  export DEBIAN_FRONTEND=noninteractive
  local opts=(-o DPkg::Lock::Timeout=600 -qq) stamp="$root/.cache/setup/apt-updated"
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
    apt-get "${opts[@]}" update >/dev/null || die "apt-get update failed: check the apt sources in /etc/apt/sources.list*."
    mkdir -p "$(dirname "$stamp")" && touch "$stamp"
  fi
  apt-get "${opts[@]}" install -y --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed (see above). Check that Debian's mirrors are reachable."
}

# go_install <module>@<version> [go install flags, e.g. -ldflags ...]
# Builds a pinned Go tool into .cache/bin from the Go module proxy.
go_install() {
  local module=$1
  shift
  command -v go >/dev/null || die "go is not installed; ${module%@*} is built with it. Install Go 1.23+ (apt-get install golang-go), then run this again."
  say "building $module (go install)..."
  GOBIN="$bin" GOFLAGS=-mod=mod go install "$@" "$module" \
    || die "go install $module failed. Check that the Go module proxy (GOPROXY) is reachable."
}
