#!/usr/bin/env bash
# Build the execution environment of execution-environment.yml for the ee
# scenario, with ansible-builder 3 and the docker engine, from what this
# machine has (no registry, no Galaxy): a base image made from
# hardened-docker-test/debian12-systemd, the collection tarball of this
# checkout and tarballs of its dependencies from the suite's virtualenv
# (tests/harness/ee/context.py says what is swapped and why).
#
#   tests/harness/build-ee.sh            # prints the image name on its last line
#
# Both images are tagged with a hash of their inputs; an image that exists
# under its tag is kept, so a second run builds nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/tests/harness/ee"
CACHE="$ROOT/.cache/ee"
BUILDER_VENV="$ROOT/.cache/ee-venv"
SUITE_VENV="$ROOT/.venv"
FROM_IMAGE=hardened-docker-test/debian12-systemd:latest
REPO=hardened-docker-ee
CA_BUNDLE=${HARDENED_DOCKER_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
CHECKOUT_LABEL=org.hardened-docker.ee-checkout

log() { printf '[ee %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[ee] ERROR: %s\n' "$*" >&2; exit 1; }

# --- ansible-builder in a virtualenv of its own -------------------------------
req_hash=$(sha256sum "$HERE/requirements.txt" | cut -c1-16)
if [ "$(cat "$BUILDER_VENV/.requirements-hash" 2>/dev/null)" != "$req_hash" ]; then
  log "creating $BUILDER_VENV"
  rm -rf "$BUILDER_VENV"
  python3 -m venv "$BUILDER_VENV"
  "$BUILDER_VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt" 2>&1 | grep -v 'is ignored' || true
  "$BUILDER_VENV/bin/ansible-builder" --version >/dev/null || die "ansible-builder did not install"
  echo "$req_hash" >"$BUILDER_VENV/.requirements-hash"
fi

# --- the base image -----------------------------------------------------------
from_id=$(docker image inspect -f '{{.Id}}' "$FROM_IMAGE" 2>/dev/null) \
  || die "$FROM_IMAGE is missing: run tests/harness/setup.sh"
base_hash=$(cat "$HERE/base.Dockerfile" "$HERE/pkgmgr" <(echo "$from_id") | sha256sum | cut -c1-16)
base="$REPO/base:$base_hash"
if docker image inspect "$base" >/dev/null 2>&1; then
  log "$base is up to date"
else
  log "building $base from $FROM_IMAGE"
  DOCKER_BUILDKIT=0 docker build -q --force-rm --build-arg "FROM_IMAGE=$FROM_IMAGE" --label "$CHECKOUT_LABEL=$ROOT" \
    -t "$base" -f "$HERE/base.Dockerfile" "$HERE" >/dev/null
fi

# --- the build context: the user-facing definition with this machine's swaps --
mkdir -p "$CACHE"
rm -f "$CACHE"/hardened-docker-*.tar.gz
"$SUITE_VENV/bin/ansible-galaxy" collection build --force --output-path "$CACHE" "$ROOT" >/dev/null
tarball=$(ls "$CACHE"/hardened-docker-*.tar.gz)
site_packages=$("$SUITE_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mapfile -t lines < <("$BUILDER_VENV/bin/python" "$HERE/context.py" "$ROOT" "$CACHE" "$base" "$tarball" \
  "$site_packages" "$CA_BUNDLE")
ee_hash=$( (printf '%s\n' "${lines[@]}"; cat "${BASH_SOURCE[0]}"; "$BUILDER_VENV/bin/ansible-builder" --version) \
  | sha256sum | cut -c1-16)
image="$REPO/ee:$ee_hash"
log "collections: $(printf '%s, ' "${lines[@]:0:${#lines[@]}-1}" | sed 's/, $//')"

if docker image inspect "$image" >/dev/null 2>&1; then
  log "$image is up to date"
else
  log "building $image with ansible-builder (log: $CACHE/build.log)"
  start=$(date +%s)
  if ! DOCKER_BUILDKIT=0 "$BUILDER_VENV/bin/ansible-builder" build --container-runtime docker -v 3 \
      -f "$CACHE/execution-environment.yml" -c "$CACHE/context" -t "$image" \
      --extra-build-cli-args "--force-rm --label $CHECKOUT_LABEL=$ROOT" >"$CACHE/build.log" 2>&1; then
    tail -n 40 "$CACHE/build.log" >&2
    die "ansible-builder build failed"
  fi
  log "built $image in $(( $(date +%s) - start ))s ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1000000}'))"
  # Older images of this checkout (other tags of the same label, and the
  # untagged ends of earlier builds' stages): removed unless a container uses them.
  docker image ls --filter "label=$CHECKOUT_LABEL=$ROOT" --format '{{.Repository}}:{{.Tag}}' \
    | grep "^$REPO/" | grep -v -x -e "$image" -e "$base" | xargs -r docker rmi >/dev/null 2>&1 || true
  docker image prune -f --filter "label=$CHECKOUT_LABEL=$ROOT" >/dev/null 2>&1 || true
fi
echo "$image"
