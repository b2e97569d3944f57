"""The brownfield scenario: hosts that ran workloads before the collection came, after harden_docker.

prepare recorded each docker host's state in $MOLECULE_EPHEMERAL_DIRECTORY/brownfield-before/<host>.json
(files/record_state.py: dockerd's PID and start time, every container with its PID, images, volumes,
file hashes); converge left one probe file per run in $MOLECULE_EPHEMERAL_DIRECTORY/probes/. Each test
reads the host again (the same reader, the docker CLI, /proc, systemctl) and compares.
"""

import glob
import json
import os
import re
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
RECORD = os.path.join(HERE, "..", "files", "record_state.py")
OVERRIDE = "/etc/systemd/system/docker.service.d/override.conf"
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "tests"))
from cis_observe import load_json as _load  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def hostvars(host):
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def name(host, hostvars):
    if "docker_hosts" not in hostvars.get("group_names", []):
        pytest.skip("the prober is not a docker host")
    return host.backend.get_hostname()


@pytest.fixture(scope="module")
def before(name):
    return _load(os.path.join(EPHEMERAL, "brownfield-before", name + ".json"))


@pytest.fixture(scope="module")
def after(host, name):
    with open(RECORD) as handle:
        script = handle.read()
    return json.loads(host.check_output("python3 -c %s", script))


@pytest.fixture(scope="module")
def systemd(host, name):
    return host.file("/run/systemd/system").is_directory


@pytest.fixture(scope="module")
def info(host, name):
    return json.loads(host.check_output("docker info --format '{{json .}}'"))


@pytest.fixture(scope="module")
def daemon_json(host, name):
    return json.loads(host.file("/etc/docker/daemon.json").content_string)


@pytest.fixture(scope="module")
def probes():
    paths = sorted(glob.glob(os.path.join(EPHEMERAL, "probes", "*.json")))
    assert paths, "converge left no probe results"
    return [_load(p) for p in paths]


@pytest.fixture(scope="module")
def url(before):
    return "http://%s:%s/" % (before["address"], before["port"])


@pytest.fixture(scope="module")
def report(name):
    return _load(os.path.join(EPHEMERAL, "reports", name + ".json"))


def test_the_probe_answered_throughout(probes, url):
    # Every run (converge and idempotence) was probed, and no request failed: the daemon role's
    # port bridge (docker_port_bridge) carries the published port while the new dockerd
    # recreates its iptables chains, before it restores the running containers' port mappings.
    for probe in probes:
        target = probe["targets"][url]
        assert target["failed"] == 0, target["failures"]
        assert probe["stopped_by_file"], "the probe hit its time limit: the converge took too long or it never stopped"
        # One request per 0.2 s while the run lasted: far more than a handful.
        assert target["ok"] >= 20, target
        assert target["ok"] >= 0.5 * (probe["ended"] - probe["started"]) / probe["interval"], target


def test_the_port_bridge_left_nothing_behind(host, name):
    # The bridge's chains and jumps are gone, and dockerd has its own mapping of the published port back.
    rules = host.check_output("iptables-save")
    assert "HARDENED-DOCKER-BRIDGE" not in rules, rules
    assert "--dport 8080 -j DNAT" in host.check_output("iptables -t nat -S DOCKER")


def test_the_probe_ran_through_the_restart(probes, url, before, after):
    # The converge restarted dockerd (new PID, later start time) ...
    assert after["dockerd"]["pid"] != before["dockerd"]["pid"]
    assert after["dockerd"]["started"] > before["dockerd"]["started"]
    # ... while the first run's probe was asking, and answers came before and after it.
    first = probes[0]["targets"][url]
    assert first["first_ok"] < after["dockerd"]["started"] < first["last_ok"], (first, after["dockerd"])


def test_containers_kept_running_with_the_same_pid(before, after):
    for cname, old in before["containers"].items():
        new = after["containers"].get(cname)
        assert new is not None, "%s is gone" % cname
        assert new["id"] == old["id"], cname
        assert new["running"], cname
        assert new["pid"] == old["pid"], (cname, old["pid"], new["pid"])
        assert new["started_at"] == old["started_at"], cname
        assert new["restart_policy"] == old["restart_policy"], cname


def test_every_image_container_and_volume_is_still_there(before, after):
    assert set(before["images"]) <= set(after["images"])
    assert set(before["tags"]) <= set(after["tags"])
    assert set(before["containers"]) <= set(after["containers"])
    assert set(before["volumes"]) <= set(after["volumes"])
    assert after["containers"]["hd-brown-worker"]["volumes"] == ["hd-brown-data"]


def test_live_restore_is_on(info, daemon_json):
    assert info["LiveRestoreEnabled"] is True
    assert daemon_json["live-restore"] is True


def test_hand_written_keys_are_kept(before, daemon_json, info):
    written = before["daemon_json"]
    # registry-mirrors and dns: nothing in the collection sets them, so the operator's values stay.
    assert daemon_json.get("registry-mirrors") == written["registry-mirrors"]
    assert daemon_json.get("dns") == written["dns"]
    # The daemon runs with them: its mirrors, and it started after daemon.json was last written.
    assert [m.rstrip("/") for m in (info["RegistryConfig"].get("Mirrors") or [])] == written["registry-mirrors"]
    # log-driver stays; log-opts is the hardening's documented log-rotation baseline (it sets both keys).
    assert daemon_json.get("log-driver") == written["log-driver"]
    assert info["LoggingDriver"] == written["log-driver"]
    with open(os.path.join(PROJECT, "roles", "hardening", "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    assert daemon_json.get("log-opts") == {"max-size": str(defaults["hardening_log_max_size"]),
                                           "max-file": str(defaults["hardening_log_max_file"])}


def test_operator_files_are_untouched(host, before, after, systemd, info):
    if systemd:
        assert after["sha256"][OVERRIDE] == before["sha256"][OVERRIDE]
        assert OVERRIDE in host.check_output("systemctl show -p DropInPaths --value docker.service").split()
        # The drop-in still applies: the restarted daemon has the operator's proxy.
        assert info["HttpsProxy"] == "http://proxy.example.internal:3128"
    else:
        assert after["sha256"]["/etc/default/docker"] == before["sha256"]["/etc/default/docker"]
        # The restarted daemon still got the operator's DOCKER_OPTS.
        for flag in ("--max-concurrent-downloads=4", "--max-concurrent-uploads=2"):
            assert flag in after["dockerd"]["args"]


def test_the_running_containers_keep_their_settings(host, before):
    # default-ulimits and no-new-privileges apply to new containers: the running ones keep theirs.
    for cname in before["containers"]:
        config = json.loads(host.check_output("docker inspect --format '{{json .HostConfig}}' %s", cname))
        assert config["Ulimits"] is None or all(u["Hard"] != 65536 for u in config["Ulimits"]), config["Ulimits"]


def _judge_container(host, inspect, info):
    hc = inspect["HostConfig"]
    ports = [b for bindings in (hc.get("PortBindings") or {}).values() for b in (bindings or [])]
    health = (inspect["Config"].get("Healthcheck") or {}).get("Test") or []
    status = host.file("/proc/%s/status" % inspect["State"]["Pid"]).content_string
    seccomp, nnp = (re.search(r"^%s:\s*(\d+)" % key, status, re.M).group(1) for key in ("Seccomp", "NoNewPrivs"))
    verdict = {
        "5.4": hc.get("Privileged") is not True,
        "5.5": not [m for m in inspect.get("Mounts") or [] if m.get("Type") == "bind"],
        "5.9": hc.get("NetworkMode") != "host",
        "5.10": (hc.get("Memory") or 0) > 0,
        "5.11": (hc.get("CpuShares") or 0) not in (0, 1024),
        "5.12": hc.get("ReadonlyRootfs") is True,
        "5.13": all((p.get("HostIp") or "") not in ("", "0.0.0.0", "::") for p in ports),
        "5.15": hc.get("PidMode") != "host",
        "5.16": hc.get("IpcMode") != "host",
        "5.21": seccomp != "0",
        "5.25": nnp == "1",  # the kernel's flag of the running process
        "5.26": bool(health) and health[0] != "NONE",
        "5.31": not any("docker.sock" in (m.get("Source") or "") for m in inspect.get("Mounts") or []),
    }
    return {item: "pass" if ok else "fail" for item, ok in verdict.items()}


def test_the_report_agrees_with_the_host(host, report, hostvars, info, daemon_json, before):
    waivers = dict(hostvars.get("hardening_waivers") or {})
    items = {(i["id"], i.get("container", "")): i for i in report["items"]}
    assert {i for (i, _c), item in items.items() if item["status"] == "waived"} == set(waivers)
    # Section 5, per running container, against docker inspect.
    for cname in before["containers"]:
        inspect = json.loads(host.check_output("docker inspect %s", cname))[0]
        for item_id, want in _judge_container(host, inspect, info).items():
            assert items[(item_id, cname)]["status"] == want, items[(item_id, cname)]
    # Section 2 items the converge changed, against docker info and the bridge.
    bridge = json.loads(host.check_output("docker network inspect bridge --format '{{json .Options}}'"))
    assert items[("2.15", "")]["status"] == ("pass" if info["LiveRestoreEnabled"] else "fail")
    assert items[("2.14", "")]["status"] == ("pass" if daemon_json.get("no-new-privileges") is True else "fail")
    assert items[("2.16", "")]["status"] == ("pass" if daemon_json.get("userland-proxy") is False else "fail")
    if "2.2" in waivers:
        # Waived until the maintenance window: reported as such, not written to daemon.json, and the
        # running workloads' default bridge really still has icc.
        assert items[("2.2", "")]["status"] == "waived"
        assert "icc" not in daemon_json
        assert bridge["com.docker.network.bridge.enable_icc"] == "true"
    else:
        assert items[("2.2", "")]["status"] == (
            "pass" if bridge["com.docker.network.bridge.enable_icc"] == "false" else "fail")
    failing = sorted(i for (i, _c), item in items.items() if item["status"] in ("fail", "error"))
    assert report["compliant"] is (not failing)


def test_the_report_is_compliant(report):
    failing = [item for item in report["items"] if item["status"] in ("fail", "error")]
    assert report["compliant"] and not failing, failing


def test_a_restart_without_live_restore_is_refused_before_anything_changes(host, before, systemd):
    # Last: it runs the playbook again. live-restore off plus a change that needs a restart
    # (log-level) would stop the running containers: refused, naming them, nothing changed.
    # (Waiving 2.15 is not enough: daemon_config_mode merge keeps the live-restore already there.)
    if not systemd:
        pytest.skip("the refusal is host-independent; proven once, on the systemd host")
    from playbook_helper import run_for_text  # pylint: disable=import-outside-toplevel

    with open(RECORD) as handle:
        script = handle.read()
    ahead = json.loads(host.check_output("python3 -c %s", script))
    rc, text = run_for_text(host, os.path.join(PROJECT, "playbooks", "harden-docker.yml"),
                            {"daemon_live_restore": False, "daemon_log_level": "warn"})
    assert rc != 0, text[-2000:]
    assert "Refusing to restart dockerd" in text, text[-2000:]
    assert "hd-brown-web, hd-brown-worker" in text
    assert "daemon_restart_with_running_containers" in text
    now = json.loads(host.check_output("python3 -c %s", script))
    assert now["sha256"] == ahead["sha256"]
    assert now["dockerd"]["pid"] == ahead["dockerd"]["pid"]
    assert {n: c["pid"] for n, c in now["containers"].items()} == {n: c["pid"] for n, c in before["containers"].items()}
