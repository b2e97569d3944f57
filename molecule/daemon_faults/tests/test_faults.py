"""Bad input and faults: each case fails with its clear message, leaves
daemon.json byte-identical and the daemon answering.

Each case runs the real role through ansible-playbook against the scenario's
host, with the case's variables as extra vars on top of the baseline.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "apply-daemon.yml")
CONF = "/etc/docker/daemon.json"
UNIX = "unix:///var/run/docker.sock"


def run_role(host, **extra_vars):
    return run_for_text(host, PLAYBOOK, extra_vars)


def conf_sum(host):
    return host.check_output("sha256sum %s", CONF).split()[0]


def dockerd_pid(host):
    return host.process.get(comm="dockerd").pid


def systemd(host):
    return host.file("/run/systemd/system").is_directory


def needs_systemd(host):
    """The sysvinit host runs only the cases whose path differs without systemd
    (the rollback here, interruption and rollback in test_rollback.py); the
    validation and data cases do not depend on the init system."""
    if not systemd(host):
        pytest.skip("same path as on the systemd hosts")


def engine_major_minor(host):
    return tuple(int(x) for x in host.check_output("docker version --format '{{.Server.Version}}'").split(".")[:2])


def assert_refused(host, expected, **extra_vars):
    before = conf_sum(host)
    rc, out = run_role(host, **extra_vars)
    assert rc != 0, out
    assert expected in out, out
    assert conf_sum(host) == before, "daemon.json changed"
    assert host.run("docker version --format '{{.Server.Version}}'").rc == 0, "daemon does not answer"
    return out


def test_misspelled_key_suggests_the_real_one(host):
    needs_systemd(host)
    assert_refused(host, "did you mean 'storage-driver'", daemon_extra_settings={"storage_driver": "overlay2"})


def test_tcp_without_tls_and_without_opt_in(host):
    needs_systemd(host)
    out = assert_refused(host, "tcp://127.0.0.1:2375", daemon_hosts=[UNIX, "tcp://127.0.0.1:2375"])
    assert "allow_insecure_tcp" in out
    assert not host.socket("tcp://127.0.0.1:2375").is_listening


def test_metrics_off_loopback_without_opt_in(host):
    needs_systemd(host)
    out = assert_refused(host, "without authentication on every interface", daemon_metrics_addr="0.0.0.0:9323")
    assert "daemon_metrics_allow_remote" in out
    assert not host.socket("tcp://0.0.0.0:9323").is_listening


def test_btrfs_on_a_data_root_that_is_not_btrfs(host):
    needs_systemd(host)
    assert_refused(host, "needs data-root", daemon_storage_driver="btrfs")


def test_relative_data_root(host):
    needs_systemd(host)
    assert_refused(host, "must be an absolute path", daemon_data_root="var/lib/docker")


@pytest.fixture
def garbage_tls(host):
    host.check_output(
        "mkdir -p /etc/docker/garbage && for f in ca cert key; do "
        "echo 'this is not PEM' > /etc/docker/garbage/$f.pem; done"
    )
    yield {
        "daemon_hosts": [UNIX, "tcp://127.0.0.1:2376"],
        "daemon_tlsverify": True,
        "daemon_tlscacert": "/etc/docker/garbage/ca.pem",
        "daemon_tlscert": "/etc/docker/garbage/cert.pem",
        "daemon_tlskey": "/etc/docker/garbage/key.pem",
    }
    host.run("rm -rf /etc/docker/garbage")


def test_config_that_stops_dockerd_is_rolled_back(host, garbage_tls):
    dropin = "/etc/systemd/system/docker.service.d/hardened-docker-hosts.conf"
    had_dropin = host.file(dropin).exists
    if engine_major_minor(host) >= (23, 0):
        # dockerd --validate loads the TLS files: refused before any change.
        out = assert_refused(host, "dockerd --validate rejected", **garbage_tls)
    else:
        # 20.10 has no --validate: the restart fails, the role restores the
        # previous daemon.json and drop-in and brings the daemon back.
        out = assert_refused(host, "previous daemon.json and drop-in were restored", **garbage_tls)
        assert "tls" in out.lower()
    assert host.file(dropin).exists == had_dropin
    if systemd(host):
        assert "fd://" in host.check_output("systemctl show -p ExecStart --value docker.service")
    assert host.service("docker").is_running


def test_dropin_follows_hosts(host):
    """The -H-free drop-in exists while hosts is set and goes away with it."""
    needs_systemd(host)
    dropin = "/etc/systemd/system/docker.service.d/hardened-docker-hosts.conf"
    rc, out = run_role(host, daemon_hosts=[UNIX, "tcp://127.0.0.1:2375"], daemon_allow_insecure_tcp=True)
    assert rc == 0, out
    assert host.file(dropin).exists
    assert "fd://" not in host.check_output("systemctl show -p ExecStart --value docker.service")
    assert host.socket("tcp://127.0.0.1:2375").is_listening
    rc, out = run_role(host)
    assert rc == 0, out
    assert not host.file(dropin).exists
    assert "fd://" in host.check_output("systemctl show -p ExecStart --value docker.service")
    assert not host.socket("tcp://127.0.0.1:2375").is_listening
    assert "hosts" not in json.loads(host.file(CONF).content_string)


@pytest.fixture(scope="module")
def images(host):
    """Two locally imported images, so the daemon has data to lose."""
    needs_systemd(host)
    for tag in ("one", "two"):
        host.check_output(
            "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/; echo %s > $d/tag; "
            "tar -C $d -c . | docker import - hd/faults:%s >/dev/null; rm -rf $d", tag, tag
        )
    return sorted(set(host.check_output("docker images --all --quiet --no-trunc").split()))


def test_reload_only_change_keeps_the_daemon_running(host):
    needs_systemd(host)
    pid = dockerd_pid(host)
    rc, out = run_role(host, daemon_debug=True)
    assert rc == 0, out
    assert host.check_output("docker info --format '{{.Debug}}'") == "true"
    assert dockerd_pid(host) == pid, "a reload-only change restarted the daemon"
    rc, out = run_role(host)
    assert rc == 0, out
    assert host.check_output("docker info --format '{{.Debug}}'") == "false"
    assert dockerd_pid(host) == pid


def test_data_root_change_with_images_needs_a_strategy(host, images):
    needs_systemd(host)
    out = assert_refused(host, "vanish from view", daemon_data_root="/srv/data/moved")
    assert "daemon_data_strategy" in out
    assert not host.file("/srv/data/moved").exists


def test_a_failed_migrate_takes_its_partial_copy_back(host, images):
    # A 256 KiB tmpfs cannot take the data-root: cp fails half-way. The copy went
    # into an empty directory, so the rollback removes it; the daemon runs on the
    # untouched old data-root with every image. A directory that already holds
    # files is refused before anything changes.
    needs_systemd(host)
    target = "/srv/data/small"
    host.run_expect([0], "mkdir -p %s && mount -t tmpfs -o size=256k tmpfs %s" % (target, target))
    try:
        before = conf_sum(host)
        rc, out = run_role(host, daemon_data_root=target, daemon_data_strategy="migrate")
        assert rc != 0, out
        assert "The copy of /var/lib/docker into %s failed" % target in out, out
        assert "the partial copy was removed" in out, out
        assert conf_sum(host) == before, "daemon.json changed"
        assert host.check_output("docker info --format '{{.DockerRootDir}}'") == "/var/lib/docker"
        assert sorted(set(host.check_output("docker images --all --quiet --no-trunc").split())) == images
        assert host.check_output("find %s -mindepth 1 | wc -l", target) == "0"

        host.run_expect([0], "touch %s/left-over" % target)
        pid = dockerd_pid(host)
        assert_refused(host, "already holds left-over", daemon_data_root=target, daemon_data_strategy="migrate")
        assert dockerd_pid(host) == pid, "the refusal restarted the daemon"
    finally:
        host.run("umount %s && rmdir %s", target, target)


def test_data_root_migrate_keeps_the_same_images(host, images):
    needs_systemd(host)
    rc, out = run_role(host, daemon_data_root="/srv/data/moved", daemon_data_strategy="migrate")
    assert rc == 0, out
    assert host.check_output("docker info --format '{{.DockerRootDir}}'") == "/srv/data/moved"
    assert sorted(set(host.check_output("docker images --all --quiet --no-trunc").split())) == images
    # The old data-root is left on disk untouched.
    assert host.file("/var/lib/docker/image").is_directory
    # Idempotent afterwards: a second run changes nothing and keeps the daemon.
    pid = dockerd_pid(host)
    rc, out = run_role(host, daemon_data_root="/srv/data/moved", daemon_data_strategy="migrate")
    assert rc == 0 and "changed=0" in out, out
    assert dockerd_pid(host) == pid
