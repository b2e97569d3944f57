"""Bumping engine_version and engine_containerd_version: one package transaction, one dockerd restart, a running
container kept (live-restore), the pins moved along. Runs after test_upstream.py (it leaves the second versions)."""

import os
import sys

from conftest import CONTAINERD_FIRST, CONTAINERD_SECOND, FIRST, SECOND, apt_state

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_changed, run_for_text  # noqa: E402  pylint: disable=wrong-import-position

CONVERGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converge.yml")
SECOND_PINS = {"engine_version": SECOND, "engine_containerd_version": CONTAINERD_SECOND}
FIRST_PINS = {"engine_version": FIRST, "engine_containerd_version": CONTAINERD_FIRST}


def _versions(host):
    return host.check_output("dpkg-query -W -f '${Package}=${Version} ' docker-ce docker-ce-cli containerd.io").split()


def test_an_upgrade_restarts_dockerd_once_and_keeps_a_running_container(host):
    assert host.check_output("docker info --format '{{.LiveRestoreEnabled}}'") == "true"
    host.check_output(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/busybox; ln -s busybox $d/bin/sleep; "
        "tar -C $d -c . | docker import - hd-up/busybox:1 >/dev/null; rm -rf $d")
    host.check_output("docker rm -f hd-up-live >/dev/null 2>&1 || true; docker run -d --name hd-up-live hd-up/busybox:1 sleep 100000")
    container_pid = host.check_output("docker inspect -f '{{.State.Pid}}' hd-up-live")
    dockerd_pid = host.process.get(comm="dockerd").pid
    since = host.check_output("date +%s.%N")

    changed = run_for_changed(host, CONVERGE, SECOND_PINS)
    assert "hardened.docker.engine : Install the Docker engine (apt)" in changed, changed
    assert "hardened.docker.engine : Pin the engine packages with apt preferences" in changed, changed

    assert sorted(_versions(host)) == sorted(
        ["docker-ce=" + SECOND, "docker-ce-cli=" + SECOND, "containerd.io=" + CONTAINERD_SECOND])
    prefs = host.file("/etc/apt/preferences.d/docker").content_string
    assert "Pin: version " + SECOND in prefs and "Pin: version " + CONTAINERD_SECOND in prefs, prefs
    # Exactly one start of docker.service since the run began: the package's own restart.
    starts = host.check_output(
        "journalctl -u docker.service -o cat --no-pager --since @%s | grep -c '^Started docker.service' || true", since)
    assert starts == "1", host.check_output("journalctl -u docker.service -o short --no-pager --since @%s", since)
    assert host.process.get(comm="dockerd").pid != dockerd_pid
    # The container's process ran through the restart (live-restore): same PID, still running.
    assert host.check_output("docker inspect -f '{{.State.Running}} {{.State.Pid}}' hd-up-live") == "true " + container_pid
    assert host.run("kill -0 %s", container_pid).rc == 0


def test_the_upgraded_host_converges_without_change(host):
    assert run_for_changed(host, CONVERGE, SECOND_PINS) == []
    host.run("docker rm -f hd-up-live")


def test_a_downgrade_is_refused_before_anything_changes(host):
    before = apt_state(host)[0]
    dockerd_pid = host.process.get(comm="dockerd").pid
    rc, text = run_for_text(host, CONVERGE, FIRST_PINS)
    assert rc != 0, text
    assert "docker-ce %s -> %s" % (SECOND, FIRST) in text, text
    assert "containerd.io %s -> %s" % (CONTAINERD_SECOND, CONTAINERD_FIRST) in text, text
    assert "unless engine_allow_downgrade is true" in text, text
    # Packages, /etc/apt (the pins included) and the lists as they were; dockerd not restarted.
    assert apt_state(host)[0] == before
    assert host.process.get(comm="dockerd").pid == dockerd_pid


def test_an_allowed_downgrade_installs_the_pinned_versions(host):
    changed = run_for_changed(host, CONVERGE, dict(FIRST_PINS, engine_allow_downgrade=True))
    assert "hardened.docker.engine : Install the Docker engine (apt)" in changed, changed
    assert sorted(_versions(host)) == sorted(
        ["docker-ce=" + FIRST, "docker-ce-cli=" + FIRST, "containerd.io=" + CONTAINERD_FIRST])
    assert host.check_output("docker version --format '{{.Server.Version}}'")
