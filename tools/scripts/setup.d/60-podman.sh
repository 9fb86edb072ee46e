#!/usr/bin/env bash
# Container tooling for the `docker` and `base-image` targets: podman (with runc as its runtime),
# debootstrap with Debian's archive keyring (base images are built locally: no registry can be
# pulled from here; every archive signature is checked). The loopback registry of the push tests is
# crane's (setup.d/65-registry.sh).
#
# Writes the workspace's podman configuration under .cache/containers/ rather than /etc, so that
# image storage lives in the workspace's cache and several clones on one machine do not share it.
# The targets point podman at it with CONTAINERS_CONF and CONTAINERS_STORAGE_CONF; to use the
# same storage by hand:
#   export CONTAINERS_CONF=$PWD/.cache/containers/containers.conf CONTAINERS_STORAGE_CONF=$PWD/.cache/containers/storage.conf
#
# Silent and quick when everything is in place; set SKIP_CONTAINER_SETUP=1 to skip it entirely
# on machines that never build images.
set -euo pipefail

[ "${SKIP_CONTAINER_SETUP:-}" = "1" ] && exit 0
# shellcheck source=SCRIPTDIR/../setup-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../setup-lib.sh" podman

# -- packages --------------------------------------------------------------------------------------
# busybox-static: the tests import it as a tiny base, so they need no debootstrap build.
# debian-archive-keyring: the keys debootstrap checks every Release signature with (base-image
# passes --keyring and refuses to build without it).
packages=(podman runc debootstrap debian-archive-keyring busybox-static)
mapfile -t missing < <(missing_packages "${packages[@]}")
if [ ${#missing[@]} -gt 0 ]; then
  # podman's networking (published ports for the image test) needs the CNI plugins and iptables,
  # which it only recommends.
  apt_install "Install them with your package manager (${packages[*]}), or set SKIP_CONTAINER_SETUP=1 if you never build images." \
    "${missing[@]}" containernetworking-plugins iptables uidmap slirp4netns fuse-overlayfs
fi

# -- configuration ---------------------------------------------------------------------------------
conf_dir="$root/.cache/containers"
mkdir -p "$conf_dir"
containers_conf="$conf_dir/containers.conf"
storage_conf="$conf_dir/storage.conf"

# runc and cgroupfs: crun and systemd are not available in every container this runs in, and the
# defaults fail there with unhelpful OCI errors. Explicit ulimits, capped at this machine's hard
# limits: podman's defaults ask for more (nofile 1048576) and runc then fails with "error setting
# rlimit type 7: operation not permitted".
cap() { local want=$1 hard=$2; if [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ]; then echo "$want"; else echo "$hard"; fi; }
nofile=$(cap 65536 "$(ulimit -Hn)")
nproc=$(cap 8192 "$(ulimit -Hu)")
# Rootless podman networks through slirp4netns, which needs /dev/net/tun: a non-root user who
# cannot open it (CI sandboxes, containers) shares the host's network instead, for builds and runs
# (the targets then run containers with --network=host and $PORT; see engines/podman.ts).
netns=
if [ "$(id -u)" != "0" ] && ! { [ -r /dev/net/tun ] && [ -w /dev/net/tun ]; }; then
  netns='netns = "host"'
fi
want_containers=$(cat <<EOF
# Written by tools/scripts/setup.d/60-podman.sh; edits are overwritten.
[containers]
default_ulimits = [
  "nofile=$nofile:$nofile",
  "nproc=$nproc:$nproc",
]
log_driver = "k8s-file"
$netns

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
)
want_storage=$(cat <<EOF
# Written by tools/scripts/setup.d/60-podman.sh; edits are overwritten.
[storage]
driver = "overlay"
graphroot = "$conf_dir/storage"
runroot = "$conf_dir/run"
EOF
)
[ "$(cat "$containers_conf" 2>/dev/null)" = "$want_containers" ] || printf '%s\n' "$want_containers" > "$containers_conf"
[ "$(cat "$storage_conf" 2>/dev/null)" = "$want_storage" ] || printf '%s\n' "$want_storage" > "$storage_conf"

# One smoke check, once per configuration: podman must be able to read its storage with it.
stamp="$root/.cache/setup/podman"
fingerprint=$(cat "$containers_conf" "$storage_conf" | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
  CONTAINERS_CONF="$containers_conf" CONTAINERS_STORAGE_CONF="$storage_conf" podman info --format '{{.Store.GraphDriverName}}' >/dev/null \
    || die "podman cannot start with $containers_conf and $storage_conf (see above). Check that runc is installed and that this machine allows overlay mounts."
  mkdir -p "$(dirname "$stamp")" && echo "$fingerprint" > "$stamp"
  say "podman ready (storage under .cache/containers/storage${netns:+; rootless without /dev/net/tun, so containers share the host network})"
fi
