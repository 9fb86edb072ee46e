# Shared by tools/scripts/setup.d/*.sh, which source it with their name for messages:
#   . "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" perf
# It sets `root` (the workspace) and `bin` (.cache/bin, where every tool setup installs is put or
# linked: the tool resolver looks there), and gives say/die, pin, as_root, missing_packages,
# apt_install and go_install, so every script installs the same way: apt as root or through
# passwordless sudo, package lists refreshed at most once a day for the whole setup, Go tools pinned
# (tools/toolchain.json) and built once per version into a machine-level cache shared by clones.
# shellcheck shell=bash

tag=${1:?setup-lib.sh: source it with a name for messages, e.g. . setup-lib.sh perf}
root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bin="$root/.cache/bin"
mkdir -p "$bin"
say() { printf '[setup:%s] %s\n' "$tag" "$*"; }
die() { printf '[setup:%s] error: %s\n' "$tag" "$*" >&2; exit 1; }

# pin <tool>: the version tools/toolchain.json pins for a tool (the one place versions are written).
pin() {
  node -e 'const t = require(process.argv[1]).tools[process.argv[2]]; if (!t || !t.version) process.exit(1); console.log(t.version)' \
    "$root/tools/toolchain.json" "$1" || die "tools/toolchain.json pins no version for $1."
}

# as_root <command>...: runs it as root: directly when we are root, else through passwordless sudo
# (GitHub's hosted runners). Returns 126 without running anything when neither is possible.
as_root() {
  if [ "$(id -u)" = "0" ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 126
  fi
}
can_be_root() { [ "$(id -u)" = "0" ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }

# Prints those of the Debian packages "$@" that are not installed, one a line.
missing_packages() {
  local pkg
  for pkg; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || printf '%s\n' "$pkg"
  done
}

# apt_install <what to do on a machine without apt> <package>...
# Installs the packages with apt-get, as root or through passwordless sudo (otherwise dies with the
# exact command to run). The
# package lists are refreshed when this setup has not done so in the last day (a stamp under
# .cache/setup), so several scripts on a fresh machine update them once. Another script holding
# the dpkg lock is waited for.
apt_install() {
  local without_apt=$1
  shift
  command -v apt-get >/dev/null || die "missing $* and this machine has no apt-get. $without_apt"
  can_be_root || die "missing $*: run \`sudo apt-get update && sudo apt-get install --no-install-recommends $*\`, then run this again (it installs them itself as root or with passwordless sudo)."
  say "installing $* (apt$([ "$(id -u)" = "0" ] || echo ', through sudo'))..."
  local opts=(-o DPkg::Lock::Timeout=600 -qq) stamp="$root/.cache/setup/apt-updated"
  if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" update >/dev/null || die "apt-get update failed: check the apt sources in /etc/apt/sources.list*."
    mkdir -p "$(dirname "$stamp")" && touch "$stamp"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" install -y --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed (see above). Check that Debian's mirrors are reachable."
}

# The machine-level folder pinned Go tools are built into, once per tool and version, and shared by
# every clone on the machine (CI restores it with actions/cache): $TOOL_CACHE_DIR, else
# $XDG_CACHE_HOME/customercare-tools when XDG_CACHE_HOME is set, else /var/cache/customercare-tools
# (created through sudo for a non-root user, who then owns it). Never a home folder by default.
tool_cache_dir() {
  local dir=${TOOL_CACHE_DIR:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/customercare-tools}}
  dir=${dir:-/var/cache/customercare-tools}
  # When neither works, go_install sees an unwritable cache and builds into the workspace.
  if [ ! -d "$dir" ] && ! mkdir -p "$dir" 2>/dev/null && as_root mkdir -p "$dir" 2>/dev/null; then
    as_root chown "$(id -u):$(id -g)" "$dir"
  fi
  printf '%s\n' "$dir"
}

# go_install <name> <module>@<version> [go install flags, e.g. -ldflags ...]
# Builds a pinned Go tool from the Go module proxy into the machine-level tool cache (skipped when
# that version is already there), then links it into .cache/bin, where the resolver finds it.
go_install() {
  local name=$1 module=$2
  shift 2
  local version=${module##*@}
  local cache
  cache=$(tool_cache_dir)
  local dest="$cache/$name-$version"
  if [ ! -x "$dest/$name" ] && ! { [ -d "$cache" ] && [ -w "$cache" ]; }; then
    # A machine cache this user cannot write (another user's): build into the workspace instead.
    say "$cache is not writable by $(id -un): building $name into .cache/tools"
    cache="$root/.cache/tools"
    dest="$cache/$name-$version"
    mkdir -p "$cache"
  fi
  if [ ! -x "$dest/$name" ]; then
    command -v go >/dev/null || die "go is not installed; $name is built with it. Install Go 1.24+ (https://go.dev/doc/install, or apt-get install golang-go where it is new enough), then run this again."
    say "building $module into $cache (go install; once per version on this machine)..."
    local tmp
    tmp=$(mktemp -d "$cache/.build-$name.XXXXXX")
    GOBIN="$tmp" GOFLAGS=-mod=mod go install "$@" "$module" \
      || { rm -rf "$tmp"; die "go install $module failed. Check that the Go module proxy (GOPROXY) is reachable."; }
    # Another clone may have finished the same build meanwhile: the rename keeps the first one whole.
    mkdir -p "$tmp/out" && mv "$tmp/$name" "$tmp/out/$name"
    mv -T "$tmp/out" "$dest" 2>/dev/null || [ -x "$dest/$name" ] || die "could not move $name into $dest."
    rm -rf "$tmp"
  fi
  ln -sfn "$dest/$name" "$bin/$name"
}
