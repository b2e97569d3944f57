#!/usr/bin/env bash
# Make this machine ready for the hardened.docker test suite.
#
#   tests/harness/setup.sh            # everything: packages, venv, collections, engine, images
#   tests/harness/setup.sh --no-images
#
# Idempotent: a second run checks each step and skips what is already done
# (the virtualenv is keyed by a hash of requirements.txt, the base images by a
# hash of their build inputs). This is test infrastructure, not product code:
# the workarounds for the development VM's quirks live here and switch on only
# when the machine needs them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS="$ROOT/tests/harness"
CACHE="$ROOT/.cache"
VENV="$ROOT/.venv"
STATE=/var/lib/hardened-docker-harness
BUILD_IMAGES=1
for arg in "$@"; do
  case "$arg" in
    --no-images) BUILD_IMAGES=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[harness %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[harness] ERROR: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- 1. host packages ---------------------------------------------------------
need_pkgs=()
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
command -v mkfs.btrfs >/dev/null || need_pkgs+=(btrfs-progs)
command -v rsync >/dev/null || need_pkgs+=(rsync)
command -v shellcheck >/dev/null || need_pkgs+=(shellcheck)  # ansible-test sanity's shellcheck test
command -v chromium >/dev/null || need_pkgs+=(chromium)  # the audit scenario renders fleet.html headless
command -v gpg >/dev/null || need_pkgs+=(gnupg)  # upstream-repo.sh signs the stand-in of Docker's repository
command -v dpkg-scanpackages >/dev/null || need_pkgs+=(dpkg-dev)  # and indexes it
if ! docker info >/dev/null 2>&1 && ! command -v dockerd >/dev/null; then
  need_pkgs+=(docker.io)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${need_pkgs[*]} and no apt-get to install them"
  log "installing host packages: ${need_pkgs[*]}"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# --- 2. Python virtualenv with pinned tools -----------------------------------
req_hash=$(sha256sum "$ROOT/requirements.txt" | cut -c1-16)
if [ "$(cat "$VENV/.requirements-hash" 2>/dev/null)" != "$req_hash" ]; then
  log "creating virtualenv $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.txt" 2>&1 | grep -v 'is ignored' || true
  "$VENV/bin/python" -c 'import molecule, testinfra, docker, cryptography, ansible_collections.community.docker' \
    || die "virtualenv is incomplete"
  echo "$req_hash" >"$VENV/.requirements-hash"
else
  log "virtualenv up to date"
fi

# --- 3. this checkout as ansible_collections/hardened/docker ------------------
link="$CACHE/collections/ansible_collections/hardened/docker"
mkdir -p "$(dirname "$link")"
if [ "$(readlink "$link" 2>/dev/null)" != "$ROOT" ]; then
  rm -f "$link"
  ln -s "$ROOT" "$link"
fi

# --- 4. a Docker engine that answers ------------------------------------------
if docker info >/dev/null 2>&1; then
  log "docker engine answers: $(docker info --format '{{.ServerVersion}} ({{.Driver}})')"
else
  dockerd_args=()
  # Quirk 1 of the development VM: the capability bounding set lacks some
  # capabilities (CAP_SYS_RESOURCE), so privileged containers cannot start.
  # Only then register a runc wrapper that drops what the bounding set lacks.
  last_cap=$(cat /proc/sys/kernel/cap_last_cap)
  full=$(( (1 << (last_cap + 1)) - 1 ))
  bnd=$(( 16#$(awk '/^CapBnd/ {print $2}' /proc/self/status) ))
  if [ $(( bnd & full )) -ne $full ]; then
    log "capability bounding set is incomplete: using the capfilter runc wrapper"
    # dockerd runs the wrapper outside the virtualenv, where a host may have python3 and no python:
    # it is installed with the python3 shebang (the checkout's says python, as ansible-test sanity wants)
    capfilter_tmp=$(mktemp)
    sed '1s|^#!/usr/bin/env python$|#!/usr/bin/env python3|' "$HARNESS/runc-capfilter" >"$capfilter_tmp"
    as_root install -D -m 0755 "$capfilter_tmp" /usr/local/libexec/hardened-docker-harness/runc-capfilter
    rm -f "$capfilter_tmp"
    dockerd_args+=(--add-runtime "capfilter=/usr/local/libexec/hardened-docker-harness/runc-capfilter" --default-runtime capfilter)
  fi
  log "starting dockerd in the background (log: /var/log/hardened-docker-harness-dockerd.log)"
  as_root mkdir -p "$STATE"
  as_root setsid dockerd "${dockerd_args[@]}" >/var/log/hardened-docker-harness-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/hardened-docker-harness-dockerd.log >&2; die "dockerd did not answer"; }
  log "docker engine answers: $(docker info --format '{{.ServerVersion}} ({{.Driver}})')"
fi

# --- 5. base images for the test hosts ----------------------------------------
if [ "$BUILD_IMAGES" -eq 1 ]; then
  "$HARNESS/build-images.sh"
  # The stand-in of Docker's apt repository (the upstream scenario mounts
  # .cache/upstream-repo into its repository host when it creates it).
  "$HARNESS/upstream-repo.sh" >/dev/null
fi
log "ready"
