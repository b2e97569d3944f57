"""The storage role's xfs path on hd-storage-xfs: overlay2 on an xfs data-root
mounted by UUID, and the refusals around project quota.

This kernel's xfs has no quota support (no /proc/fs/xfs/xqm; a pquota mount
fails with "quota support not available in this kernel"), so the host mounts
xfs without pquota and overlay2.size cannot limit a container here. What is
proven: the filesystem, the fstab line, the boot guard and overlay2 on xfs,
and that both roles refuse, before anything changes, what would need project
quota. The quota itself is covered by the validation's unit tests.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

MP = "/var/lib/docker"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STORAGE = os.path.join(HERE, "apply-storage.yml")
DAEMON = os.path.join(HERE, "apply-daemon.yml")
SIZE = ["overlay2.size=20M"]


@pytest.fixture(autouse=True)
def xfs_host_only(host):
    if host.backend.get_hostname() != "hd-storage-xfs":
        pytest.skip("xfs runs on hd-storage-xfs")


def state(host):
    """What a refused run must leave as it was."""
    return (host.file("/etc/fstab").content_string,
            host.file("/etc/docker/daemon.json").content_string,
            host.check_output("findmnt --noheadings --output SOURCE,FSTYPE,OPTIONS --mountpoint %s", MP),
            host.process.get(comm="dockerd").pid)


def test_fstab_line_by_uuid_and_the_mount(host):
    lines = [line.split() for line in host.file("/etc/fstab").content_string.splitlines()
             if not line.startswith("#") and len(line.split()) > 2 and line.split()[1] == MP]
    assert len(lines) == 1, lines
    src, _mp, fstype, opts = lines[0][:4]
    assert (fstype, opts) == ("xfs", "noatime")
    source, fstype, options = host.check_output(
        "findmnt --noheadings --output SOURCE,FSTYPE,OPTIONS --mountpoint %s", MP).split()
    assert fstype == "xfs" and "noatime" in options.split(",")
    assert src == "UUID=" + host.check_output("blkid -p -s UUID -o value %s", source)
    assert host.check_output("blkid -p -s LABEL -o value %s", source) == "docker-data"
    assert host.check_output("blkid -p -s TYPE -o value %s", source) == "xfs"


def test_overlay2_runs_on_the_xfs_data_root(host):
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["Driver"] == "overlay2" and info["DockerRootDir"] == MP
    assert dict(info["DriverStatus"]).get("Backing Filesystem") == "xfs", info["DriverStatus"]
    assert json.loads(host.file("/etc/docker/daemon.json").content_string)["storage-driver"] == "overlay2"
    facts = json.loads(host.file("/root/storage_facts.json").content_string)
    assert facts["storage"]["fstype"] == "xfs" and facts["storage"]["mount_point"] == MP
    # A container's layer lives on the xfs filesystem.
    host.check_output(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/; "
        "tar -C $d -c . | docker import - hd/busybox:xfs >/dev/null; rm -rf $d")
    out = host.check_output("docker run --rm hd/busybox:xfs /bin/busybox sh -c 'echo layer > /f && cat /f'")
    assert out == "layer"


def test_dockerd_requires_the_mount(host):
    dropin = host.file("/etc/systemd/system/docker.service.d/hardened-docker-xfs.conf")
    assert dropin.contains("RequiresMountsFor=%s" % MP) and dropin.contains("AssertPathIsMountPoint=%s" % MP)
    assert MP in host.check_output("systemctl show --property RequiresMountsFor docker.service")


def test_storage_role_refuses_overlay2_size_without_pquota(host):
    before = state(host)
    rc, out = run_for_text(host, STORAGE, {"daemon_storage_opts": SIZE})
    assert rc != 0, out
    assert "daemon_storage_opts sets overlay2.size=20M, which needs the xfs filesystem mounted with project quota" \
        in out and "Add pquota to storage_mount_options" in out, out
    assert state(host) == before


def test_daemon_role_refuses_overlay2_size_on_this_mount(host):
    before = state(host)
    rc, out = run_for_text(host, DAEMON, {"daemon_storage_opts": SIZE})
    assert rc != 0, out
    assert "storage-opts overlay2.size=20M needs data-root '/var/lib/docker' on an xfs filesystem mounted with " \
        "pquota (project quota), but it is on xfs without project quota" in out, out
    assert state(host) == before


def test_pquota_is_refused_on_a_kernel_without_xfs_quota(host):
    # Judged from the host itself: the kernel's xfs has quota support exactly when /proc/fs/xfs/xqm exists.
    assert host.file("/proc/fs/xfs").is_directory
    if host.file("/proc/fs/xfs/xqm").exists:
        pytest.skip("this kernel's xfs has quota support; the refusal does not apply")
    # The independent reading: the kernel really cannot mount a fresh xfs with pquota.
    img = "/srv/hd-btrfs/hd-storage-xfs-tmp.img"
    dev = host.check_output("truncate -s 300M %s && losetup --find --show %s", img, img)
    try:
        host.check_output("mkfs.xfs -q %s && mkdir -p /mnt/hd-xfs-probe", dev)
        probe = host.run("mount -o pquota %s /mnt/hd-xfs-probe", dev)
        host.run("umount /mnt/hd-xfs-probe")
        assert probe.rc != 0, "the kernel mounted xfs with pquota after all"
        assert host.check_output("mount %s /mnt/hd-xfs-probe && umount /mnt/hd-xfs-probe && echo ok", dev) == "ok"
    finally:
        host.run("losetup --detach %s", dev)
        host.run("rm -f %s", img)
    before = state(host)
    rc, out = run_for_text(host, STORAGE, {"storage_mount_options": ["noatime", "pquota"], "daemon_storage_opts": SIZE})
    assert rc != 0, out
    assert "this kernel's xfs has no quota support (no /proc/fs/xfs/xqm" in out and \
        "quota support not available in this kernel" in out, out
    assert state(host) == before
