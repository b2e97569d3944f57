"""The data guard covers every way dockerd's data moves out of view: data-root
and its removed alias graph, storage-driver and userns-remap, also while
dockerd is down; daemon_data_strategy=fresh hides the data only with consent,
and the data comes back.

Runs after test_faults.py (the host has images; its data-root may have moved), on the
systemd hosts (the guard does not depend on the init system).
Each refusal leaves daemon.json byte-identical and the daemon answering.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from test_faults import assert_refused, conf_sum, engine_major_minor, images, needs_systemd, run_role  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import


def _ids(host):
    return sorted(set(host.check_output("docker images --all --quiet --no-trunc").split()))


def _info(host, field):
    return host.check_output("docker info --format '{{.%s}}'" % field)


def test_the_removed_graph_alias_is_guarded_like_data_root(host, images):  # pylint: disable=redefined-outer-name
    needs_systemd(host)
    expected = "vanish from view" if engine_major_minor(host) < (23, 0) else "'graph'"
    assert_refused(host, expected, daemon_extra_settings={"graph": "/srv/data/graph"})
    assert not host.file("/srv/data/graph").exists


def test_userns_remap_is_guarded(host, images):  # pylint: disable=redefined-outer-name
    needs_systemd(host)
    out = assert_refused(host, "userns-remap off -> default", daemon_userns_remap="default")
    assert "vanish from view" in out
    assert "name=userns" not in _info(host, "SecurityOptions")


def test_the_guard_counts_on_disk_while_dockerd_is_down(host, images):  # pylint: disable=redefined-outer-name
    needs_systemd(host)
    root = _info(host, "DockerRootDir")
    # A volume alone would vanish from view too (the guard counted only images and containers).
    host.check_output("docker volume inspect hd-guard-volume >/dev/null 2>&1 || docker volume create hd-guard-volume")
    volumes = len(host.check_output("docker volume ls --quiet").split())
    before = conf_sum(host)
    host.check_output("systemctl stop docker.socket docker.service")
    try:
        assert host.run("timeout 20 docker version --format '{{.Server.Version}}'").rc != 0
        rc, out = run_role(host, daemon_data_root="/srv/data/elsewhere")
    finally:
        host.check_output("systemctl start docker.socket docker.service")
    assert rc != 0, out
    assert "dockerd is not running: counted on disk in %s" % root in out, out[-3000:]
    assert "%d images" % len(images) in out and "%d volumes" % volumes in out, out[-3000:]
    assert conf_sum(host) == before
    assert not host.file("/srv/data/elsewhere").exists
    assert _ids(host) == images


def test_a_storage_driver_change_needs_consent_and_fresh_keeps_the_old_data(host, images):  # pylint: disable=redefined-outer-name
    needs_systemd(host)
    driver = _info(host, "Driver")
    root = _info(host, "DockerRootDir")
    other = "vfs" if driver != "vfs" else "overlay2"
    # data-root stays where it is (given explicitly: the role drops a data-root it wrote
    # earlier once the inventory no longer sets it).
    assert_refused(host, "storage-driver %s -> %s" % (driver, other), daemon_storage_driver=other,
                   daemon_data_root=root)
    rc, out = run_role(host, daemon_storage_driver=other, daemon_data_strategy="fresh", daemon_data_root=root)
    assert rc == 0, out[-3000:]
    assert _info(host, "Driver") == other
    # Hidden, not lost: the old driver's images are still on disk.
    assert _ids(host) == []
    assert host.file("%s/image/%s/imagedb" % (root, driver)).is_directory
    rc, out = run_role(host, daemon_storage_driver=driver, daemon_data_root=root)
    assert rc == 0, out[-3000:]
    assert _info(host, "Driver") == driver
    assert _ids(host) == images


def test_a_storage_driver_this_host_cannot_run_is_refused_before_anything_changes(host):
    needs_systemd(host)
    if engine_major_minor(host) >= (25, 0):
        expected = "'devicemapper' was removed in Engine 25.0"
    elif not host.file("/dev/mapper/control").exists:
        # Engine 20.10 still has devicemapper, but this host has no device-mapper: the restart would fail.
        expected = "/dev/mapper/control is missing"
    else:
        pytest.skip("this host has a device-mapper: devicemapper may run here")
    assert_refused(host, expected, daemon_storage_driver="devicemapper")
