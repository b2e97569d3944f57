"""docker.io -> docker-ce and back on hd-up-switch, Debian 13. prepare installs Debian's docker.io and docker-cli
with the engine role (engine_source: distro) and leaves an image, a volume with data, a running container with a
restart policy, the operator's daemon.json with live-restore and TLS files; these tests switch (the host is in no
converge group). What happens to the running container is measured, with and without live-restore."""

import os
import sys
import time

import pytest
import testinfra

from conftest import CONTAINERD_FIRST, SECOND, apt_state, assert_upgrade_keeps_the_pins, installed_version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_changed, run_for_text  # noqa: E402  pylint: disable=wrong-import-position

SWITCH = "hd-up-switch"
FIRST_13 = "5:27.3.1-1~debian.13~trixie"
SECOND_13 = SECOND.replace("debian.12~bookworm", "debian.13~trixie")
DEBIAN_ENGINE = ("docker.io", "docker-cli", "containerd", "runc")
CONVERGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converge.yml")
CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "check.yml")
UPSTREAM = {"hd_up_converge": SWITCH}
DISTRO = {"hd_up_converge": SWITCH, "engine_source": "distro", "engine_version": "", "engine_containerd_version": "",
          "engine_components": []}
UPSTREAM_FILES = ("/etc/apt/sources.list.d/docker.sources", "/etc/apt/preferences.d/docker",
                  "/etc/apt/keyrings/docker.asc")
NO_LIVE_RESTORE = '{\n  "live-restore": false,\n  "labels": ["hd-up=switch"],\n  "log-opts": {"max-size": "10m"}\n}\n'


@pytest.fixture(scope="module")
def switch():
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (SWITCH, os.environ["MOLECULE_INVENTORY_FILE"]))


def _state(host, text=None):
    """hd-up-state's lines (written by prepare) as a dict: image, container, running, pid, started, volume, data,
    daemon.json, tls."""
    text = host.check_output("/usr/local/sbin/hd-up-state") if text is None else text
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_a_switch_to_another_engine_release_is_refused_even_with_live_restore(switch):
    before = _state(switch, switch.file("/root/hd-up-state.before").content_string)
    assert before["running"] == "true" and before["container"].endswith(" unless-stopped"), before
    assert _state(switch) == before
    packages = apt_state(switch)[0]
    rc, text = run_for_text(switch, CONVERGE, UPSTREAM)
    assert rc != 0, text
    assert ("engine_source=upstream replaces docker.io, whose removal stops dockerd, and 1 container(s) are running. "
            "live-restore is on, but Docker supports it only within a patch release: from dockerd 26.1.") in text, text
    assert "to 27.3.1-1~debian.13~trixie the new dockerd may not take the running containers back." in text, text
    assert "engine_allow_switch_stop: true" in text, text
    assert apt_state(switch)[0] == packages
    assert _state(switch) == before


def test_docker_io_became_docker_ce_with_engine_allow_switch_stop(switch):
    before = _state(switch)
    changed = run_for_changed(switch, CONVERGE, UPSTREAM, {"engine_allow_switch_stop": True})
    assert "hardened.docker.engine : Install the Docker engine (apt)" in changed, changed
    assert installed_version(switch, "docker-ce") == FIRST_13
    assert installed_version(switch, "containerd.io") == CONTAINERD_FIRST
    for name in DEBIAN_ENGINE:
        assert installed_version(switch, name) is None, name
    # Same image, container, volume and data, daemon.json and TLS files byte for byte. The container's process ran
    # through the switch (same PID, same start): the stand-in's docker-ce carries the same Debian 13 dockerd 26.1
    # as docker.io, so live-restore reconnects here; from a real 26.1 to 27.x Docker does not promise it.
    assert _state(switch) == before
    assert switch.run("kill -0 %s", before["pid"]).rc == 0
    assert switch.check_output("systemctl show -p ExecStart --value docker.service").count("path=/usr/bin/dockerd") == 1
    # dockerd of docker-ce reads the kept daemon.json.
    assert switch.check_output("docker info --format '{{json .Labels}}'") == '["hd-up=switch"]'
    assert switch.check_output("docker info --format '{{.LiveRestoreEnabled}}'") == "true"
    # Converged: the next run needs no opt-in (docker.io is gone, there is nothing to switch).
    assert run_for_changed(switch, CONVERGE, UPSTREAM) == []


def test_apt_get_upgrade_keeps_the_pins_on_debian_13(switch):
    assert switch.file("/etc/apt/sources.list.d/docker.sources").contains("^Suites: trixie$")
    assert_upgrade_keeps_the_pins(switch, FIRST_13, SECOND_13)


def test_back_to_docker_io_is_refused_while_containers_run_without_live_restore(switch):
    # live-restore is reloadable: off without a restart, the container keeps running.
    switch.check_output("printf %%s %s >/etc/docker/daemon.json && systemctl reload docker.service", NO_LIVE_RESTORE)
    for _attempt in range(20):
        if switch.check_output("docker info --format '{{.LiveRestoreEnabled}}'") == "false":
            break
        time.sleep(0.5)
    else:
        pytest.fail("dockerd did not reload live-restore: false")
    before, state = apt_state(switch)[0], _state(switch)
    for playbook in (CHECK, CONVERGE):
        rc, text = run_for_text(switch, playbook, DISTRO)
        assert rc != 0, text
        assert ("engine_source=distro replaces docker-ce, whose removal stops dockerd, and 1 container(s) are running. "
                "Without live-restore dockerd stops them.") in text, text
        assert "engine_allow_switch_stop: true" in text, text
    assert apt_state(switch)[0] == before
    assert _state(switch) == state
    for path in UPSTREAM_FILES:
        assert switch.file(path).exists, path


def test_back_to_docker_io_with_engine_allow_switch_stop(switch):
    before = _state(switch)
    changed = run_for_changed(switch, CONVERGE, DISTRO, {"engine_allow_switch_stop": True})
    assert "hardened.docker.engine : Install the Docker engine (apt)" in changed, changed
    assert installed_version(switch, "docker.io") is not None and installed_version(switch, "docker-cli") is not None
    for name in ("docker-ce", "docker-ce-cli", "containerd.io"):
        assert installed_version(switch, name) is None, name
    for path in UPSTREAM_FILES:
        assert not switch.file(path).exists, path
    after = _state(switch)
    # What is kept: image, container, volume, data, daemon.json (as written above), TLS files.
    for key in ("image", "container", "volume", "data", "daemon.json", "tls"):
        assert after[key] == before[key], key
    # The measurement: without live-restore dockerd stopped the container when apt removed docker-ce; its restart
    # policy started it again under docker.io's dockerd (new process, new start time).
    assert after["running"] == "true"
    assert after["pid"] != before["pid"] and after["started"] != before["started"], (before, after)
    assert switch.run("kill -0 %s", before["pid"]).rc != 0
    assert switch.check_output("docker info --format '{{json .Labels}}'") == '["hd-up=switch"]'
    assert run_for_changed(switch, CONVERGE, DISTRO) == []
