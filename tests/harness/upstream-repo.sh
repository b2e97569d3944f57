#!/usr/bin/env bash
# A STAND-IN for Docker's apt repository (download.docker.com/linux), built on
# this machine for the `upstream` Molecule scenario: the test machines cannot
# reach Docker's server. Test infrastructure, not product code.
#
#   tests/harness/upstream-repo.sh     # prints the repository directory
#
# Layout as Docker's: <root>/debian/gpg (the ASCII-armored signing key) and
# <root>/debian/dists/{bookworm,trixie}/{InRelease,Release,Release.gpg,stable/binary-amd64/Packages[.gz],pool/stable/amd64/*.deb}.
# Signed with a test key generated here (no passphrase, GNUPGHOME private to
# .cache/upstream-repo/gnupg); its fingerprint is written to
# .cache/upstream-repo/fingerprint. The packages carry Docker's names, version
# scheme (5:27.3.1-1~debian.12~bookworm, ...~debian.13~trixie), package
# relations (as Docker's current packages: docker-ce-cli also conflicts with
# Debian 13's docker-cli) and systemd units, but their binaries are each Debian
# release's own, downloaded from Debian's archive (bookworm: docker.io 20.10,
# containerd 1.6, runc 1.1; trixie: docker.io and docker-cli 26.1, containerd
# 1.7, runc 1.1; tini): dockerd therefore reports Debian's version whatever the
# package version says. Debian 12 has no buildx or Compose v2 binary, so
# docker-buildx-plugin and docker-compose-plugin hold a small placeholder CLI
# plugin that only answers `docker buildx version` and `docker compose
# version` (on both suites).
#
# Two versions of each package, so that pins, upgrades and downgrades can be
# tested. The result is cached in .cache/upstream-repo/<hash> by a hash of this
# script and the key's fingerprint; .cache/upstream-repo/current points to it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE="$ROOT/.cache/upstream-repo"
# Each suite as SUITE:DIST_TAG, built from that Debian release's own packages.
SUITES=(bookworm:debian.12~bookworm trixie:debian.13~trixie)
ARCH=amd64
CONTAINERD_VERSIONS=(1.7.24-1 1.7.25-1)

log() { printf '[upstream-repo %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$BASE"
export GNUPGHOME="$BASE/gnupg"
if [ ! -d "$GNUPGHOME" ]; then
  mkdir -m 0700 "$GNUPGHOME"
fi
if ! gpg --batch --list-secret-keys --with-colons 2>/dev/null | grep -q '^sec'; then
  log "generating the stand-in repository's signing key"
  gpg --batch --quiet --passphrase '' --quick-generate-key \
    'hardened.docker test repository (stand-in for Docker) <test-repo@hardened-docker.invalid>' rsa3072 sign never
fi
fpr=$(gpg --batch --list-secret-keys --with-colons | awk -F: '/^fpr/ {print $10; exit}')
echo "$fpr" >"$BASE/fingerprint"

hash=$( { cat "${BASH_SOURCE[0]}"; echo "$fpr"; } | sha256sum | cut -c1-16)
repo="$BASE/$hash"
if [ -f "$repo/debian/dists/${SUITES[-1]%%:*}/InRelease" ]; then
  log "up to date ($repo)"
  ln -sfn "$hash" "$BASE/current"
  echo "$repo"
  exit 0
fi

log "building the stand-in repository in $repo"
work=$(mktemp -d "$BASE/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# fetch_debs SUITE DIR: Debian's packages whose binaries the stand-in
# carries, downloaded from Debian's archive for that release with an apt
# configuration of its own (lists in .cache/upstream-repo/apt/SUITE; the
# machine's own apt setup is not touched). Debian 13 ships the CLI in
# docker-cli.
fetch_debs() {
  local suite=$1 dir=$2 state="$BASE/apt/$1"
  mkdir -p "$state/lists/partial" "$state/sources.list.d" "$dir"
  printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' "Suites: $suite $suite-updates" 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
    'Types: deb' 'URIs: http://deb.debian.org/debian-security' "Suites: $suite-security" 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$state/sources.list.d/debian.sources"
  local apt=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$state/sources.list.d"
    -o "Dir::State::Lists=$state/lists" -o Dir::State::status=/dev/null -o Dir::Cache::pkgcache=
    -o Dir::Cache::srcpkgcache= -o "APT::Architecture=$ARCH" -o APT::Sandbox::User=root)
  local pkgs=(docker.io containerd runc tini)
  [ "$suite" = bookworm ] || pkgs+=(docker-cli)
  apt-get "${apt[@]}" -q update >/dev/null
  (cd "$dir" && apt-get "${apt[@]}" download "${pkgs[@]}" >/dev/null)
}

# build_deb NAME VERSION TREE: TREE holds the files and DEBIAN/control's
# fields in TREE/control.in (without Package, Version, Architecture).
build_deb() {
  local name=$1 version=$2 tree=$3
  mkdir -p "$tree/DEBIAN"
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $ARCH"
    echo "Maintainer: hardened.docker test harness <test-repo@hardened-docker.invalid>"
    cat "$tree.control"
    echo "Installed-Size: $(du -sk --exclude=DEBIAN "$tree" | cut -f1)"
  } >"$tree/DEBIAN/control"
  (cd "$tree" && find . -path ./DEBIAN -prune -o -path './etc/*' -type f -print | sed 's|^\.||') >"$tree/DEBIAN/conffiles"
  [ -s "$tree/DEBIAN/conffiles" ] || rm "$tree/DEBIAN/conffiles"
  dpkg-deb --root-owner-group -Zgzip -z1 --build "$tree" "$pool/${name}_${version#*:}_$ARCH.deb" >/dev/null
}

# Maintainer scripts in the manner of debhelper's: enable the units on
# install, start them, restart the service after an upgrade, stop it on removal.
write_scripts() {  # TREE SERVICE UNIT...
  local tree=$1 service=$2
  shift 2
  mkdir -p "$tree/DEBIAN"
  cat >"$tree/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
  if [ "$service" = docker.service ] && ! getent group docker >/dev/null; then
    groupadd --system docker
  fi
  for unit in $*; do
    deb-systemd-helper unmask "\$unit" >/dev/null || true
    if deb-systemd-helper --quiet was-enabled "\$unit"; then
      deb-systemd-helper enable "\$unit" >/dev/null || true
    else
      deb-systemd-helper update-state "\$unit" >/dev/null || true
      deb-systemd-helper enable "\$unit" >/dev/null || true
    fi
  done
  if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
    if [ -n "\$2" ]; then
      deb-systemd-invoke restart $service >/dev/null || true
    else
      deb-systemd-invoke start $* >/dev/null || true
    fi
  fi
fi
EOF
  cat >"$tree/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "\$1" = remove ]; then
  deb-systemd-invoke stop $* >/dev/null || true
fi
EOF
  cat >"$tree/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
if [ "\$1" = purge ]; then
  for unit in $*; do
    deb-systemd-helper purge "\$unit" >/dev/null || true
  done
fi
EOF
  chmod 0755 "$tree/DEBIAN/postinst" "$tree/DEBIAN/prerm" "$tree/DEBIAN/postrm"
}

# A placeholder CLI plugin: the metadata the docker CLI asks for, and a version.
write_plugin() {  # FILE NAME VERSION TEXT
  local file=$1 name=$2 version=$3 text=$4
  mkdir -p "$(dirname "$file")"
  cat >"$file" <<EOF
#!/bin/sh
# Placeholder docker-$name CLI plugin of the hardened.docker test harness (stand-in for Docker's package).
if [ "\$1" = docker-cli-plugin-metadata ]; then
  printf '{"SchemaVersion":"0.1.0","Vendor":"hardened.docker test harness","Version":"v$version","ShortDescription":"placeholder $name plugin"}\n'
  exit 0
fi
[ "\$1" = $name ] && shift
case "\$1" in
  version|--version|-v) echo "$text v$version (placeholder of the hardened.docker test harness)" ;;
  *) echo "placeholder $name plugin: only 'version' is implemented" >&2; exit 1 ;;
esac
EOF
  chmod 0755 "$file"
}

for entry in "${SUITES[@]}"; do
SUITE=${entry%%:*} DIST_TAG=${entry#*:}
ENGINE_VERSIONS=("5:27.3.1-1~$DIST_TAG" "5:27.4.0-1~$DIST_TAG")
BUILDX_VERSIONS=("0.17.1-1~$DIST_TAG" "0.19.3-1~$DIST_TAG")
COMPOSE_VERSIONS=("2.29.7-1~$DIST_TAG" "2.32.1-1~$DIST_TAG")
log "$SUITE: Debian's packages"
fetch_debs "$SUITE" "$work/$SUITE/debs"
mkdir -p "$work/$SUITE/x"
for deb in "$work/$SUITE"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/$SUITE/x"
done
x="$work/$SUITE/x"
pool="$work/debian/dists/$SUITE/pool/stable/$ARCH"
mkdir -p "$pool"

for i in 0 1; do
  # containerd.io: containerd and runc in one package, as Docker ships them.
  t="$work/$SUITE/containerd.io-$i"
  install -D -m 0755 -t "$t/usr/bin" "$x"/usr/bin/containerd "$x"/usr/bin/containerd-shim \
    "$x"/usr/bin/containerd-shim-runc-v1 "$x"/usr/bin/containerd-shim-runc-v2 "$x"/usr/bin/ctr "$x"/usr/sbin/runc
  install -D -m 0644 /dev/null "$t/etc/containerd/config.toml"
  cat >"$t/etc/containerd/config.toml" <<'EOF'
# As containerd.io ships it: the CRI plugin is off.
disabled_plugins = ["cri"]
EOF
  install -D -m 0644 /dev/null "$t/lib/systemd/system/containerd.service"
  cat >"$t/lib/systemd/system/containerd.service" <<'EOF'
[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
EOF
  write_scripts "$t" containerd.service containerd.service
  cat >"$t.control" <<'EOF'
Section: devel
Priority: optional
Depends: libc6 (>= 2.34), libseccomp2 (>= 2.5.0)
Conflicts: containerd, runc
Replaces: containerd, runc
Provides: containerd, runc
Homepage: https://containerd.io
Description: An open and reliable container runtime (stand-in: Debian's containerd and runc binaries)
EOF
  build_deb containerd.io "${CONTAINERD_VERSIONS[$i]}" "$t"

  # docker-ce-cli: the docker command.
  t="$work/$SUITE/docker-ce-cli-$i"
  install -D -m 0755 -t "$t/usr/bin" "$x"/usr/bin/docker
  cat >"$t.control" <<'EOF'
Section: admin
Priority: optional
Depends: libc6 (>= 2.34)
Recommends: docker-buildx-plugin, docker-compose-plugin
Conflicts: docker (<< 1.5~), docker-cli, docker-engine, docker-engine-cs, docker.io, lxc-docker, lxc-docker-virtual-package
Replaces: docker-ce (<< 5:0)
Breaks: docker-ce (<< 5:0)
Homepage: https://www.docker.com
Description: Docker CLI: the open-source application container engine (stand-in: Debian's docker binary)
EOF
  build_deb docker-ce-cli "${ENGINE_VERSIONS[$i]}" "$t"

  # docker-ce: dockerd, docker-proxy and docker-init in /usr/bin, Docker's units.
  t="$work/$SUITE/docker-ce-$i"
  install -D -m 0755 -t "$t/usr/bin" "$x"/usr/sbin/dockerd "$x"/usr/sbin/docker-proxy
  install -D -m 0755 "$x"/usr/bin/tini-static "$t/usr/bin/docker-init"
  install -D -m 0644 /dev/null "$t/lib/systemd/system/docker.service"
  cat >"$t/lib/systemd/system/docker.service" <<'EOF'
[Unit]
Description=Docker Application Container Engine
Documentation=https://docs.docker.com
After=network-online.target docker.socket firewalld.service containerd.service time-set.target
Wants=network-online.target containerd.service
Requires=docker.socket

[Service]
Type=notify
ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock
ExecReload=/bin/kill -s HUP $MAINPID
TimeoutStartSec=0
RestartSec=2
Restart=always
StartLimitBurst=3
StartLimitInterval=60s
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
Delegate=yes
KillMode=process
OOMScoreAdjust=-500

[Install]
WantedBy=multi-user.target
EOF
  install -D -m 0644 /dev/null "$t/lib/systemd/system/docker.socket"
  cat >"$t/lib/systemd/system/docker.socket" <<'EOF'
[Unit]
Description=Docker Socket for the API

[Socket]
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
EOF
  write_scripts "$t" docker.service docker.socket docker.service
  cat >"$t.control" <<'EOF'
Section: admin
Priority: optional
Depends: containerd.io (>= 1.6.24), docker-ce-cli, iptables, libseccomp2 (>= 2.3.0), libc6 (>= 2.34), libdevmapper1.02.1 (>= 2:1.02.97), libsystemd0
Recommends: apparmor, ca-certificates, git, libltdl7, pigz, procps, xz-utils
Suggests: aufs-tools, cgroupfs-mount | cgroup-lite
Conflicts: docker (<< 1.5~), docker-engine, docker-engine-cs, docker.io, lxc-docker, lxc-docker-virtual-package
Replaces: docker-engine
Homepage: https://www.docker.com
Description: Docker: the open-source application container engine (stand-in: Debian's dockerd binary)
EOF
  build_deb docker-ce "${ENGINE_VERSIONS[$i]}" "$t"

  for plugin in buildx compose; do
    t="$work/$SUITE/docker-$plugin-plugin-$i"
    if [ $plugin = buildx ]; then
      v=${BUILDX_VERSIONS[$i]}
      write_plugin "$t/usr/libexec/docker/cli-plugins/docker-buildx" buildx "${v%%-*}" github.com/docker/buildx
    else
      v=${COMPOSE_VERSIONS[$i]}
      write_plugin "$t/usr/libexec/docker/cli-plugins/docker-compose" compose "${v%%-*}" "Docker Compose version"
    fi
    cat >"$t.control" <<EOF
Section: admin
Priority: optional
Enhances: docker-ce-cli
Homepage: https://github.com/docker/$plugin
Description: Docker $plugin CLI plugin (stand-in: a placeholder that only prints its version)
EOF
    build_deb "docker-$plugin-plugin" "$v" "$t"
  done
done

# The index and its signatures, with the paths Docker's repository uses.
dist="$work/debian/dists/$SUITE"
mkdir -p "$dist/stable/binary-$ARCH"
(cd "$work/debian" && dpkg-scanpackages --multiversion "dists/$SUITE/pool/stable/$ARCH" /dev/null 2>/dev/null) \
  >"$dist/stable/binary-$ARCH/Packages"
gzip -9nk "$dist/stable/binary-$ARCH/Packages"
{
  echo "Origin: Docker"
  echo "Label: Docker CE"
  echo "Suite: $SUITE"
  echo "Codename: $SUITE"
  echo "Architectures: $ARCH"
  echo "Components: stable"
  echo "Description: Stand-in for Docker CE for Debian $SUITE (hardened.docker test harness)"
  echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
  echo "SHA256:"
  for f in "stable/binary-$ARCH/Packages" "stable/binary-$ARCH/Packages.gz"; do
    printf ' %s %s %s\n' "$(sha256sum "$dist/$f" | cut -d' ' -f1)" "$(stat -c %s "$dist/$f")" "$f"
  done
} >"$dist/Release"
gpg --batch --yes --local-user "$fpr" --clearsign --output "$dist/InRelease" "$dist/Release"
gpg --batch --yes --local-user "$fpr" --armor --detach-sign --output "$dist/Release.gpg" "$dist/Release"
done
gpg --batch --armor --export "$fpr" >"$work/debian/gpg"

rm -rf "$repo"
mkdir -p "$repo"
mv "$work/debian" "$repo/debian"
ln -sfn "$hash" "$BASE/current"
# Older builds are no longer referenced.
find "$BASE" -mindepth 1 -maxdepth 1 -type d -name '????????????????' ! -name "$hash" -exec rm -rf {} +
log "built: $(find "$repo" -name '*.deb' | wc -l) packages, $(du -sh "$repo" | cut -f1)"
echo "$repo"
