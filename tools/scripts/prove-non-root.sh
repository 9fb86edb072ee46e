#!/usr/bin/env bash
# Proves that the workspace works for a non-root user with passwordless sudo, as on GitHub's
# hosted runners: creates such a user, clones this checkout's HEAD into a folder of theirs, and as
# that user runs `npm run setup` and then, with the poisoned PATH of .ci/run in front, either a
# representative set of targets (default: lint, test, scan and perf of the backend) or `npm test`.
#
#   sudo bash tools/scripts/prove-non-root.sh                 # setup + backend lint/test/scan/perf
#   sudo bash tools/scripts/prove-non-root.sh --npm-test      # setup + the whole `npm test`
#   sudo bash tools/scripts/prove-non-root.sh --run 'npx jest -c tools/nx-pipeline-e2e/jest.config.cjs src/docker.e2e.spec.ts'
#   sudo bash tools/scripts/prove-non-root.sh --user ci --keep
#
# Run it as root (it creates the user and its sudoers entry; it installs sudo with apt when the
# machine has none). Prints each step's time; exits non-zero when any step fails. The clone is
# removed at the end unless --keep; the user stays (remove with `userdel -r <user>`).
set -euo pipefail

user=ccg-nonroot
mode=targets
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --user) user=${2:?--user needs a name}; shift 2 ;;
    --npm-test) mode=npm-test; shift ;;
    --run) mode=run; run=${2:?--run needs a command}; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "prove-non-root: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[non-root] %s\n' "$*"; }
die() { printf '[non-root] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = "0" ] || die "run this as root (sudo bash $0): it creates a user and its sudoers entry."
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if ! command -v sudo >/dev/null; then
  say "installing sudo (apt)..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo >/dev/null \
    || die "could not install sudo with apt-get; install it, then run this again."
fi
if ! id "$user" >/dev/null 2>&1; then
  say "creating user $user with passwordless sudo"
  useradd --create-home --shell /bin/bash "$user"
fi
printf '%s ALL=(ALL) NOPASSWD:ALL\n' "$user" > "/etc/sudoers.d/90-$user"
chmod 0440 "/etc/sudoers.d/90-$user"
home=$(getent passwd "$user" | cut -d: -f6)

clone="$home/customercare-$(date +%s)"
say "cloning $(git -C "$root" rev-parse --short HEAD) into $clone as $user"
# Cloned by root (the user may not read this checkout's .git: git refuses "dubious ownership"),
# then handed over, so the user owns every file as after their own `git clone`.
git clone --quiet --no-hardlinks "$root" "$clone" || die "git clone of $root failed."
chown -R "$user:$(id -gn "$user")" "$clone"
cleanup() { if [ "$keep" = false ]; then rm -rf "$clone"; fi; }
trap cleanup EXIT

# The machine's network settings (certificate bundles, proxies, package mirrors) pass through, as
# a runner's environment would have them; nothing else of root's environment does.
passthrough=()
while IFS= read -r line; do passthrough+=("$line"); done < <(env | grep -E '^(SSL_CERT_|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|NODE_EXTRA_CA_CERTS|GIT_SSL_CAINFO|PIP_[A-Z_]+|UV_[A-Z_]+|NPM_CONFIG_[A-Z_]+|GOPROXY|GONOSUMDB|GOFLAGS|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)=')

# As the user, in a login shell (their own HOME and PATH), timing each step.
as_user() {
  local label=$1 command=$2 started elapsed
  started=$(date +%s)
  say "$label: $command"
  # runuser, not sudo: sudo runs the command on a pty, which a backgrounded proof has no terminal for.
  if ! runuser -u "$user" -- env HOME="$home" "${passthrough[@]}" bash -lc "cd '$clone' && export CI=true NX_DAEMON=false && $command" </dev/null; then
    die "$label failed as $user (see above)."
  fi
  elapsed=$(( $(date +%s) - started ))
  say "$label passed in $((elapsed / 60)) min $((elapsed % 60)) s"
}

# The same poisoned PATH as .ci/run: fakes of every tool setup installs, first on PATH.
# shellcheck disable=SC2016 # expanded by the user's shell, in the clone
poison='bash tools/scripts/poison-path.sh .cache/poison >/dev/null && export PATH="$PWD/.cache/poison:$PATH"'

as_user "npm run setup" "npm run setup"
case "$mode" in
  targets) as_user "backend lint, test, scan, perf" "$poison && npx nx run-many -t lint,test,scan,perf -p backend --parallel=1 --skip-nx-cache" ;;
  npm-test) as_user "npm test" "$poison && npm test" ;;
  run) as_user "$run" "$poison && $run" ;;
esac
say "all green as $user ($(id -u "$user")), a non-root user with passwordless sudo"
