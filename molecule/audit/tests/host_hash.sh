#!/bin/sh
# What the audit must leave alone on a test host, without anything that
# changes by itself (no times, no PIDs, nothing under /run or /proc):
# the package list, every file under /etc (type, owner, mode, link target,
# sha256), the unit files (names, link targets, sha256) and the top level of
# data-root (names, owner, mode). Prepare records it, verify compares.
set -eu
echo "## packages"
dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' | LC_ALL=C sort
echo "## /etc"
find /etc -xdev -printf '%y %u:%g %m %p -> %l\n' | LC_ALL=C sort
find /etc -xdev -type f -exec sha256sum {} + | LC_ALL=C sort -k2
echo "## units"
for dir in /lib/systemd/system /usr/lib/systemd/system /etc/systemd/system; do
  [ -d "$dir" ] || continue
  find "$dir" -printf '%y %p -> %l\n' | LC_ALL=C sort
  find "$dir" -type f -exec sha256sum {} + | LC_ALL=C sort -k2
done
echo "## data-root"
# Every host of the scenario keeps the default data-root.
root=/var/lib/docker
if [ -d "$root" ]; then
  find "$root" -mindepth 1 -maxdepth 1 -printf '%f %y %u:%g %m\n' | LC_ALL=C sort
else
  echo "$root absent"
fi
