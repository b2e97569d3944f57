#!/usr/bin/env bash
# Build the base images of the Molecule test hosts with debootstrap (there is
# no registry to pull from). Each image carries a label with a hash of its
# build inputs; an image whose label matches is kept, so a second run builds
# nothing.
#
#   hardened-docker-test/debian12-systemd   bookworm, systemd as PID 1
#   hardened-docker-test/debian13-systemd   trixie,   systemd as PID 1
#   hardened-docker-test/debian12-sysvinit  bookworm, sysvinit as PID 1 (no systemd)
#
# Environment: HARDENED_DOCKER_MIRROR / HARDENED_DOCKER_SECURITY_MIRROR
# override the Debian mirrors (default: the ones this machine's apt uses).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=hardened-docker-test
LABEL=org.hardened-docker.inputs
COMMON_PKGS=python3,iproute2,ca-certificates,procps,busybox-static
SYSTEMD_PKGS=systemd,systemd-sysv,dbus
SYSVINIT_PKGS=sysvinit-core,sysvinit-utils,initscripts,sysv-rc

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# The first Debian URI in this machine's apt sources (deb822 or one-line).
machine_uri() {
  local pattern=$1
  grep -hoE "https?://[^ ]*${pattern}/?( |$)" /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | tr -d " " || true
}
MIRROR=${HARDENED_DOCKER_MIRROR:-$(machine_uri '/debian')}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${HARDENED_DOCKER_SECURITY_MIRROR:-$(machine_uri '/debian-security')}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${SECURITY_MIRROR%/}

# apt.conf snippets of this machine that no package owns (proxies, mirror
# settings): a test host needs the same to reach the archive.
apt_snippets() {
  local f
  for f in /etc/apt/apt.conf.d/*; do
    [ -f "$f" ] || continue
    dpkg -S "$f" >/dev/null 2>&1 || echo "$f"
  done
}

inputs_hash() {  # name suite init
  {
    echo "$@" "$MIRROR" "$SECURITY_MIRROR" "$COMMON_PKGS" "$SYSTEMD_PKGS" "$SYSVINIT_PKGS"
    cat "${BASH_SOURCE[0]}"
    apt_snippets | xargs -r cat
  } | sha256sum | cut -c1-16
}

build() {  # name suite init
  local name=$1 suite=$2 init=$3
  local image="$REPO/$name:latest" hash dir pkgs
  hash=$(inputs_hash "$name" "$suite" "$init")
  if [ "$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$image" 2>/dev/null)" = "$hash" ]; then
    log "$image is up to date ($hash)"
    return 0
  fi
  log "building $image from $suite with debootstrap ($init)"
  dir=$(mktemp -d /var/tmp/hardened-docker-rootfs.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$dir'" RETURN
  if [ "$init" = systemd ]; then pkgs="$COMMON_PKGS,$SYSTEMD_PKGS"; else pkgs="$COMMON_PKGS,$SYSVINIT_PKGS"; fi
  debootstrap --variant=minbase --include="$pkgs" "$suite" "$dir" "$MIRROR" >"$dir.log" 2>&1 \
    || { tail -30 "$dir.log" >&2; return 1; }
  rm -f "$dir.log"

  # Full apt sources, and the machine's own apt settings.
  rm -f "$dir/etc/apt/sources.list"
  cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt_snippets | xargs -r -I{} cp {} "$dir/etc/apt/apt.conf.d/"

  # Clean-up: every container gets its own identity, resolver and hostname.
  : >"$dir/etc/machine-id"
  rm -f "$dir/var/lib/dbus/machine-id" "$dir/etc/hostname" "$dir/etc/resolv.conf"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  # No policy-rc.d: a test host must really start the services it installs.
  rm -f "$dir/usr/sbin/policy-rc.d"

  if [ "$init" = systemd ]; then
    # Privileged containers would otherwise fight over the machine's ttys.
    for unit in getty@.service serial-getty@.service console-getty.service getty.target \
                systemd-logind.service systemd-firstboot.service; do
      ln -sf /dev/null "$dir/etc/systemd/system/$unit"
    done
  else
    # sysvinit: no gettys on the machine's consoles.
    sed -i -E 's/^([0-9]+:[0-9]+:respawn:.*getty.*)$/#\1/' "$dir/etc/inittab"
  fi

  local changes=(-c "ENV container=docker" -c "LABEL $LABEL=$hash" -c 'CMD ["/sbin/init"]')
  tar -C "$dir" -c . | docker import "${changes[@]}" - "$image" >/dev/null
  log "built $image ($hash)"
}

pids=()
build debian12-systemd bookworm systemd & pids+=($!)
build debian13-systemd trixie systemd & pids+=($!)
build debian12-sysvinit bookworm sysvinit & pids+=($!)
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit $rc
