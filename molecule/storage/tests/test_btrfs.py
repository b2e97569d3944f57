"""The storage role's btrfs result on both btrfs hosts, the boot guard, and its refusals.

The xfs host has its own tests (test_xfs.py).

Refusals run the real role through ansible-playbook against the scenario's
host (like daemon_faults), on a loop device attached for the test only and
detached afterwards.
"""

import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

MP = "/var/lib/docker"
PLAYBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "apply-storage.yml")
OPTIONS = ["noatime", "compress=zstd:1"]
# The inventory gives the two-device host raid1; one scratch device cannot.
NO_PROFILES = {"storage_btrfs_data_profile": "", "storage_btrfs_metadata_profile": ""}


@pytest.fixture(autouse=True)
def btrfs_hosts_only(host):
    if host.backend.get_hostname() == "hd-storage-xfs":
        pytest.skip("the xfs host has its own tests (test_xfs.py)")


def systemd(host):
    return host.file("/run/systemd/system").is_directory


def name(host):
    return host.backend.get_hostname()


def mounted(host):
    return host.run("findmnt --noheadings --output FSTYPE --mountpoint %s", MP).stdout.strip()


def run_role(host, **extra_vars):
    return run_for_text(host, PLAYBOOK, extra_vars)


def stop_docker(host):
    if systemd(host):
        host.check_output("systemctl stop docker.socket docker.service")
    else:
        host.check_output("service docker stop")


def start_docker(host):
    host.check_output("systemctl start docker.service" if systemd(host) else "service docker start")
    host.check_output("for i in $(seq 30); do docker version >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1")


def test_fstab_line_by_uuid_with_options(host):
    lines = [line.split() for line in host.file("/etc/fstab").content_string.splitlines()
             if not line.startswith("#") and len(line.split()) > 2 and line.split()[1] == MP]
    assert len(lines) == 1, lines
    src, _mp, fstype, opts = lines[0][:4]
    assert fstype == "btrfs"
    assert opts.split(",") == OPTIONS
    assert src.startswith("UUID=")
    source = host.check_output("findmnt --noheadings --output SOURCE --mountpoint %s", MP)
    assert host.check_output("blkid -p -s UUID -o value %s", source) == src[len("UUID="):]


def test_findmnt_reports_btrfs_with_the_options(host):
    out = host.check_output("findmnt --noheadings --output FSTYPE,OPTIONS --mountpoint %s", MP).split()
    assert out[0] == "btrfs"
    for option in OPTIONS:
        assert option in out[1].split(",")


def test_label_devices_and_profiles(host):
    show = host.check_output("btrfs filesystem show %s", MP)
    assert "Label: 'docker-data'" in show
    df = host.check_output("btrfs filesystem df %s", MP)
    if name(host) == "hd-btrfs-debian12":
        assert "Total devices 2" in show
        assert "Data, RAID1" in df and "Metadata, RAID1" in df
    else:
        assert "Total devices 1" in show


def test_docker_info_storage_driver_btrfs(host):
    assert host.check_output("docker info --format '{{.Driver}} {{.DockerRootDir}}'") == "btrfs " + MP
    assert json.loads(host.file("/etc/docker/daemon.json").content_string)["storage-driver"] == "btrfs"
    facts = json.loads(host.file("/root/storage_facts.json").content_string)
    assert facts["daemon"]["storage_driver"] == "btrfs"
    assert facts["storage"]["mount_point"] == MP


@pytest.fixture(scope="module")
def busybox(host):
    host.check_output(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/; "
        "tar -C $d -c . | docker import - hd/busybox:btrfs >/dev/null; rm -rf $d"
    )
    return "hd/busybox:btrfs"


def test_container_layer_is_a_btrfs_subvolume(host, busybox):
    cid = host.check_output("docker run -d %s /bin/busybox sleep 300", busybox)
    try:
        assert host.check_output("docker exec %s /bin/busybox echo hello", cid) == "hello"
        mount_id = host.check_output("cat %s/image/btrfs/layerdb/mounts/%s/mount-id", MP, cid)
        sub = "%s/btrfs/subvolumes/%s" % (MP, mount_id)
        assert host.run("btrfs subvolume show %s", sub).rc == 0
        assert "btrfs/subvolumes/" + mount_id in host.check_output("btrfs subvolume list %s", MP)
    finally:
        host.run("docker rm -f %s", cid)


def test_storage_opt_size_limits_a_container(host, busybox):
    # dockerd's btrfs driver turns quota groups on at the first --storage-opt
    # size (and off again when it stops): a container's writable layer is limited.
    # Random data: the mount compresses (compress=zstd:1), and zeros would take almost no space.
    write = "/bin/busybox dd if=/dev/urandom of=/big bs=1M count=40 && /bin/busybox sync"
    limited = host.run("docker run --rm --storage-opt size=20M %s /bin/busybox sh -c %s", busybox, write)
    assert limited.rc != 0 and "Disk quota exceeded" in limited.stdout + limited.stderr, limited.stdout + limited.stderr
    unlimited = host.run("docker run --rm %s /bin/busybox sh -c %s", busybox, write)
    assert unlimited.rc == 0, unlimited.stdout + unlimited.stderr
    assert host.run("btrfs qgroup show --raw %s", MP).rc == 0, "quota groups are off while dockerd runs"


def restore_mount_and_docker(host):
    """After a test that unmounted data-root: mounted again, dockerd answering on btrfs."""
    if mounted(host) != "btrfs":
        host.run("mount %s", MP)
    start_docker(host)
    assert host.check_output("docker info --format '{{.Driver}}'") == "btrfs"


def test_umount_then_mount_a_and_restart(host):
    stop_docker(host)
    try:
        host.check_output("umount %s", MP)
        assert mounted(host) == ""
        host.check_output("mount -a")
        assert mounted(host) == "btrfs"
    finally:
        restore_mount_and_docker(host)


def client_fails_fast(host):
    """`docker version` without the mount: an answer from dockerd on btrfs, or
    a failure within seconds; never a client hanging on the socket."""
    start = time.monotonic()
    res = host.run("timeout 20 docker version --format '{{.Server.Version}}'")
    elapsed = time.monotonic() - start
    assert res.rc != 124, "docker version hung for 20 s: %s" % res.stderr
    if res.rc == 0:
        assert mounted(host) == "btrfs", "dockerd answered without the mount"
    else:
        assert host.run("pgrep -x dockerd").rc != 0, "dockerd runs on the bare root filesystem"
    assert elapsed < 10, "docker version took %.1f s" % elapsed
    return res


def test_dockerd_never_starts_without_the_mount(host):
    stop_docker(host)
    try:
        host.check_output("umount %s", MP)
        if systemd(host):
            dropin = host.file("/etc/systemd/system/docker.service.d/hardened-docker-btrfs.conf").content_string
            assert "RequiresMountsFor=%s" % MP in dropin
            socket_dropin = host.file("/etc/systemd/system/docker.socket.d/hardened-docker-btrfs.conf").content_string
            assert "BindsTo=var-lib-docker.mount" in socket_dropin
            # As at boot, docker.socket is started (sockets.target) while the
            # mount is missing; a client must not hang on it. --no-block: the
            # mount's job may wait for the device (no udev in a container).
            host.run("systemctl start --no-block docker.socket")
            client_fails_fast(host)
            host.run("systemctl cancel")
            host.run("systemctl reset-failed docker.service docker.socket")
            if mounted(host) == "btrfs":
                stop_docker(host)
                host.check_output("umount %s", MP)
            # RequiresMountsFor= starts the mount unit first; where it cannot
            # be mounted (in a container there is no udev, so the by-UUID
            # device unit never appears) docker.service fails instead.
            res = host.run("systemctl start docker.service")
            if res.rc == 0:
                assert mounted(host) == "btrfs"
            else:
                assert "dependency" in host.run("systemctl show -p Result --value docker.service").stdout + res.stderr
                assert host.run("pgrep -x dockerd").rc != 0, "dockerd runs on the bare root filesystem"
                client_fails_fast(host)
                host.run("systemctl reset-failed docker.service docker.socket")
                host.check_output("mount -a")
        else:
            # The pre-start check refuses; dockerd never runs on the root fs.
            res = host.run("service docker start")
            assert res.rc != 0
            assert "not mounted" in res.stdout + res.stderr
            assert host.run("pgrep -x dockerd").rc != 0
            client_fails_fast(host)
            host.check_output("mount -a")
            start_docker(host)
    finally:
        restore_mount_and_docker(host)


def test_preserve_kept_volume_network_and_old_driver_data(host):
    if name(host) != "hd-btrfs-sysvinit":
        pytest.skip("the preserve host only")
    assert "hd-preserve" in host.check_output("docker volume ls --quiet").split()
    assert "hd-preserve-net" in host.check_output("docker network ls --format '{{.Name}}'").split()
    data = MP + "/volumes/hd-preserve/_data"
    f, link = host.file(data + "/file"), host.file(data + "/hardlink")
    assert f.content_string == "kept\n"
    assert f.uid == 1234 and f.gid == 1234
    assert host.check_output("stat -c %%i %s", data + "/file") == host.check_output("stat -c %%i %s", data + "/hardlink")
    assert link.exists
    assert host.check_output("python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], \"user.hd\").decode())' %s",
                             data + "/file") == "kept"
    assert "user:4321:r--" in host.check_output("getfacl -p %s", data + "/file")
    # The vfs image is not listed under btrfs, but its data was copied and the
    # original is still on the root filesystem beneath the mount.
    assert "hd/preserve" not in host.check_output("docker images --format '{{.Repository}}'")
    assert host.file(MP + "/image/vfs/repositories.json").contains("hd/preserve")
    host.check_output("mkdir -p /mnt/hd-root && mount --bind / /mnt/hd-root")
    try:
        assert host.file("/mnt/hd-root" + MP + "/image/vfs/repositories.json").contains("hd/preserve")
    finally:
        host.run("umount /mnt/hd-root")


@pytest.fixture
def scratch_loop(host):
    """A loop device on a sparse file, only for this test."""
    img = "/srv/hd-btrfs/%s-tmp.img" % name(host)
    dev = host.check_output("truncate -s 300M %s && losetup --find --show %s", img, img)
    yield dev
    host.run("umount /mnt/hd-ext4")
    host.run("losetup --detach %s", dev)
    host.run("rm -f %s", img)


def state(host):
    return (host.file("/etc/fstab").content_string,
            host.check_output("docker images --all --quiet --no-trunc | sort"),
            host.check_output("ls -A %s | sort", MP),
            host.process.get(comm="dockerd").pid)


def test_refuses_ext4_with_a_file_and_keeps_it(host, scratch_loop):
    if name(host) != "hd-btrfs-debian12":
        pytest.skip("refusals run on one host")
    host.check_output("mkfs.ext4 -q %s && mkdir -p /mnt/hd-ext4 && mount %s /mnt/hd-ext4 "
                      "&& echo precious > /mnt/hd-ext4/keep && umount /mnt/hd-ext4", scratch_loop, scratch_loop)
    before = state(host)
    rc, out = run_role(host, storage_devices=[scratch_loop], **NO_PROFILES)
    assert rc != 0, out
    assert "holds ext4" in out and "storage_force" in out, out
    assert state(host) == before
    assert host.check_output("blkid -p -s TYPE -o value %s", scratch_loop) == "ext4"
    host.check_output("mount %s /mnt/hd-ext4", scratch_loop)
    assert host.file("/mnt/hd-ext4/keep").content_string == "precious\n"
    # Mounted, it is refused even with btrfs_force.
    rc, out = run_role(host, storage_devices=[scratch_loop], storage_force=True, **NO_PROFILES)
    assert rc != 0, out
    assert "never formatted" in out and "/mnt/hd-ext4" in out, out
    assert host.file("/mnt/hd-ext4/keep").content_string == "precious\n"


def test_refuses_populated_data_root_without_a_choice(host, scratch_loop):
    if name(host) != "hd-btrfs-debian12":
        pytest.skip("refusals run on one host")
    host.check_output(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/; "
        "tar -C $d -c . | docker import - hd/busybox:populated >/dev/null; rm -rf $d"
    )
    before = state(host)
    rc, out = run_role(host, storage_devices=[scratch_loop], **NO_PROFILES)
    assert rc != 0, out
    assert "already holds data" in out and "storage_existing_data" in out, out
    assert state(host) == before
    assert host.run("blkid -p %s", scratch_loop).rc == 2, "the blank device was written"


def test_refuses_bad_input(host):
    if name(host) != "hd-btrfs-debian12":
        pytest.skip("refusals run on one host")
    rc, out = run_role(host, storage_devices=[])
    assert rc != 0 and "storage_devices must list" in out, out
    # The role's old name's variables get their new names, not silence.
    rc, out = run_role(host, btrfs_devices=["/dev/hd-btrfs/disk1"], btrfs_force=True)
    assert rc != 0, out
    assert "rename btrfs_devices to storage_devices, btrfs_force to storage_force" in out, out
    rc, out = run_role(host, storage_fstype="xfs", storage_devices=["/dev/hd-btrfs/disk1", "/dev/hd-btrfs/disk2"],
                       **NO_PROFILES)
    assert rc != 0 and "exactly one block device" in out and "only btrfs spans several" in out, out
    rc, out = run_role(host, storage_devices=["/dev/hd-btrfs/disk1"], storage_btrfs_metadata_profile="raid1c3")
    assert rc != 0 and "storage_btrfs_metadata_profile=raid1c3 needs more" in out, out
