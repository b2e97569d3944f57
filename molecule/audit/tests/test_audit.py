"""The read-only CIS audit: every verdict agrees with what testinfra reads on the host, and nothing changes.

The reports are those of converge (and idempotence): $MOLECULE_EPHEMERAL_DIRECTORY/audit/.
Each item is judged here on its own from the host (molecule/shared/tests/cis_observe.py:
getent, stat, findmnt, systemctl, the rules files, daemon.json, dockerd's command line,
docker info / network inspect / inspect) and compared with the report's status.
"""

import difflib
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from cis_observe import AUDIT, CONTAINER_ITEMS, DOCKER_SOCKETS, FILES, Observed, watched  # noqa: E402  pylint: disable=wrong-import-position
from cis_observe import load_json as _load  # noqa: E402  pylint: disable=wrong-import-position
from playbook_helper import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
AUDIT_DIR = os.path.join(EPHEMERAL, "audit")
BEFORE_DIR = os.path.join(EPHEMERAL, "audit-before")
HASH_SCRIPT = os.path.join(HERE, "host_hash.sh")
AUDIT_PLAYBOOK = os.path.join(PROJECT, "playbooks", "audit-docker.yml")
HARDEN_PLAYBOOK = os.path.join(PROJECT, "playbooks", "harden-docker.yml")
SCREENSHOT = os.path.join(PROJECT, ".cache", "test-logs", "audit-fleet.png")

ROLES = {"hd-audit-plain": "plain", "hd-audit-hardened": "hardened", "hd-audit-faulty": "faulty",
         "hd-audit-fresh": "fresh"}
# Nothing answers on port 9 of the controller: ssh fails to connect, the host is unreachable.
GHOST = "hd-audit-ghost"
# A test-host container that does not exist. With pipelining (the scenario's
# ansible.cfg) the docker connection's exec fails inside the module run, so
# Ansible reports a failed task, not an unreachable host: the audit reports
# the host as `failed`.
VANISHED = "hd-audit-vanished"
STATUSES = ("pass", "fail", "waived", "not_applicable", "manual", "error")
# Worst first, as the matrix colours a cell.
WORST_FIRST = ("error", "fail", "manual", "waived", "pass", "not_applicable")
HOST_ITEMS = (["1.1.%d" % n for n in range(1, 19)] + ["2.%d" % n for n in range(1, 19)]
              + ["3.%d" % n for n in range(1, 25)])
# Items that only the daemon can answer: an error without it, never a pass.
NEEDS_DAEMON = ("2.1", "2.5", "2.6", "2.9", "2.11", "2.15", "2.17", "2.18")
SENSITIVE = ("/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr")
REMOTE_LOG_DRIVERS = ("gelf", "fluentd", "awslogs", "splunk", "gcplogs", "logentries")
# The faults of hd-audit-faulty: container -> (image, the item it fails)
FAULTY_CONTAINERS = {
    "hd-privileged": ("hd-audit/privileged:1", "5.4"),
    "hd-socket": ("hd-audit/socket:1", "5.31"),
    "hd-hostnet": ("hd-audit/hostnet:1", "5.9"),
}


@pytest.fixture(scope="module")
def name(host):
    return host.backend.get_hostname()


@pytest.fixture(scope="module")
def role(name):
    return ROLES[name]


@pytest.fixture(scope="module")
def waivers(host):
    return dict(host.ansible.get_variables().get("hardening_waivers") or {})


@pytest.fixture(scope="module")
def report(name):
    return _load(os.path.join(AUDIT_DIR, name + ".json"))


@pytest.fixture(scope="module")
def items(report):
    """{id: item} of the host items (the section 5 items are per container)."""
    return {item["id"]: item for item in report["items"] if item["section"] != "5"}


@pytest.fixture(scope="module")
def obs(host):
    return Observed(host)


# --------------------------------------------------------------------------
# What the host shows, item by item (independent of the collection's code)
# --------------------------------------------------------------------------

def _verdict(ok):
    return "pass" if ok else "fail"


def judge_section1(obs):
    expected = {}
    if not obs.exists(obs.data_root):
        expected["1.1.1"] = "error"
    else:
        target, _fstype = obs.mount_of(obs.data_root)
        root_target, _root_fstype = obs.mount_of("/")
        expected["1.1.1"] = _verdict(target != root_target)
    expected["1.1.2"] = "pass" if not obs.group_exists else _verdict(not obs.group_members)
    for item_id, kind, name in AUDIT:
        paths = obs.audit_paths(kind, name)
        if not paths:
            expected[item_id] = "not_applicable"
        elif obs.audit_source == "none":
            expected[item_id] = "fail"
        else:
            expected[item_id] = _verdict(all(watched(obs.audit_text, p) for p in paths))
    return expected


def _log_driver(obs):
    return (obs.info or {}).get("LoggingDriver") or obs.cfg.get("log-driver") or "json-file"


def judge_section2(obs):
    cfg, info = obs.cfg, obs.info
    secopts = list((info or {}).get("SecurityOptions") or [])
    expected = {}
    if info is None:
        for item_id in NEEDS_DAEMON:
            expected[item_id] = "error"
    else:
        expected["2.1"] = "pass" if "name=rootless" in secopts else "manual"
        cidrs = (info.get("RegistryConfig") or {}).get("InsecureRegistryCIDRs") or []
        expected["2.5"] = _verdict(not cfg.get("insecure-registries")
                                   and set(cidrs) <= {"127.0.0.0/8", "::1/128"})
        expected["2.6"] = _verdict(info["Driver"] != "aufs")
        expected["2.9"] = _verdict(any(o.startswith("name=userns") for o in secopts))
        expected["2.11"] = "not_applicable" if info["Driver"] != "devicemapper" else None
        expected["2.15"] = _verdict(info["LiveRestoreEnabled"] is True)
        expected["2.17"] = _verdict(any(o.startswith("name=seccomp") and "profile=unconfined" not in o
                                        for o in secopts))
        expected["2.18"] = _verdict(info.get("ExperimentalBuild") is False)
    if obs.bridge is not None:
        expected["2.2"] = _verdict(obs.bridge.get("com.docker.network.bridge.enable_icc") == "false")
    else:
        expected["2.2"] = _verdict(cfg.get("icc", True) is False)
    expected["2.3"] = _verdict(cfg.get("log-level", "info") == "info")
    expected["2.4"] = _verdict(cfg.get("iptables", True) is not False)
    hosts = cfg.get("hosts") or ["unix:///var/run/docker.sock"]
    tcp = [h for h in hosts if h.startswith("tcp://")]
    tls_ok = cfg.get("tlsverify") is True and all(cfg.get(k) for k in ("tlscacert", "tlscert", "tlskey"))
    expected["2.7"] = _verdict(not tcp or tls_ok)
    expected["2.8"] = _verdict(bool(cfg.get("default-ulimits")))
    expected["2.10"] = _verdict(not cfg.get("cgroup-parent"))
    plugins = list(cfg.get("authorization-plugins") or []) + list(((info or {}).get("Plugins") or {}).get("Authorization") or [])
    expected["2.12"] = _verdict(bool(plugins))
    driver = _log_driver(obs)
    if driver in REMOTE_LOG_DRIVERS:
        expected["2.13"] = "pass"
    elif driver in ("json-file", "local", "none"):
        expected["2.13"] = "fail"
    else:
        expected["2.13"] = None  # syslog/journald/other: the product may say manual; not in this scenario
    expected["2.14"] = _verdict("name=no-new-privileges" in secopts or cfg.get("no-new-privileges") is True)
    expected["2.16"] = _verdict(cfg.get("userland-proxy", True) is False)
    opts = cfg.get("log-opts") or {}
    expected["log-rotation"] = _verdict(driver != "json-file" or bool(opts.get("max-size") and opts.get("max-file")))
    return expected


def judge_section3(obs):
    expected = {}
    for owner_id, mode_id, spec, owner, group, widest in FILES:
        paths = obs.section3_paths(spec)
        if not paths:
            expected[owner_id] = expected[mode_id] = "not_applicable"
            continue
        # (real path, owner, group, mode) of each file, read with stat -L on the host
        files = obs.stat(*paths).values()
        expected[owner_id] = _verdict(all((f[1], f[2]) == (owner, group) for f in files))
        expected[mode_id] = _verdict(all(f[3] & ~widest == 0 for f in files))
    return expected


def _exposes_socket(source):
    source = os.path.normpath(source or "")
    return any(source == s or (source != "/" and s.startswith(source + "/")) for s in DOCKER_SOCKETS)


def _sensitive(source):
    source = os.path.normpath(source or "")
    return any(source == d or (d != "/" and source.startswith(d + "/")) for d in SENSITIVE)


def judge_container(obs, inspect):
    """{item id: status} for one running container, from its `docker inspect`."""
    hc = inspect["HostConfig"]
    mounts = inspect.get("Mounts") or []
    binds = [m for m in mounts if m.get("Type") == "bind"]
    ports = [b for bindings in (hc.get("PortBindings") or {}).values() for b in (bindings or [])]
    health = (inspect["Config"].get("Healthcheck") or {}).get("Test") or []
    return {
        "5.4": _verdict(hc.get("Privileged") is not True),
        "5.5": _verdict(not any(_sensitive(m.get("Source")) for m in binds)),
        "5.9": _verdict(hc.get("NetworkMode") != "host"),
        "5.10": _verdict((hc.get("Memory") or 0) > 0),
        "5.11": _verdict((hc.get("CpuShares") or 0) not in (0, 1024)),
        "5.12": _verdict(hc.get("ReadonlyRootfs") is True),
        "5.13": _verdict(not any((p.get("HostIp") or "") in ("", "0.0.0.0", "::") for p in ports)),
        "5.15": _verdict(hc.get("PidMode") != "host"),
        "5.16": _verdict(hc.get("IpcMode") != "host"),
        # The kernel's word: Seccomp 0 in the container's /proc/PID/status means no filter at all
        # (seccomp=unconfined, or --privileged whatever SecurityOpt says).
        "5.21": _verdict(obs.host.check_output(
            "awk '/^Seccomp:/ {print $2}' /proc/%s/status", str(inspect["State"]["Pid"])) != "0"),
        # The kernel's flag of the running process: the daemon default reaches only containers created after it.
        "5.25": _verdict(obs.host.check_output(
            "awk '/^NoNewPrivs:/ {print $2}' /proc/%s/status", str(inspect["State"]["Pid"])) == "1"),
        "5.26": _verdict(bool(health) and health[0] != "NONE"),
        "5.31": _verdict(not any(_exposes_socket(m.get("Source")) for m in mounts)),
    }


@pytest.fixture(scope="module")
def expected(obs):
    result = judge_section1(obs)
    result.update(judge_section2(obs))
    result.update(judge_section3(obs))
    return result


# --------------------------------------------------------------------------
# The report's shape
# --------------------------------------------------------------------------

def test_report_has_every_item_once(report, name, obs):
    assert report["host"] == name
    assert report["status"] == "ok", report.get("error")
    assert report["benchmark"]
    host_items = [i["id"] for i in report["items"] if i["section"] != "5"]
    assert sorted(host_items) == sorted(HOST_ITEMS + ["log-rotation"])
    section5 = sorted((i["container"], i["id"]) for i in report["items"] if i["section"] == "5")
    running = sorted(c["Name"].lstrip("/") for c in obs.containers)
    assert section5 == sorted((c, i) for c in running for i in CONTAINER_ITEMS)
    for item in report["items"]:
        assert item["status"] in STATUSES, item
        assert item["evidence"], item
        assert item["title"], item
        if item["status"] in ("waived", "not_applicable", "manual", "error"):
            assert item["reason"], item
    counts = {s: sum(1 for i in report["items"] if i["status"] == s) for s in STATUSES}
    assert report["summary"] == counts
    assert report["compliant"] == (counts["fail"] == 0 and counts["error"] == 0)
    assert report["containers"]["running"] == len(obs.containers)


def test_waivers_are_reported_as_waived(items, waivers):
    assert {i for i, item in items.items() if item["status"] == "waived"} == set(waivers)
    for item_id, reason in waivers.items():
        assert items[item_id]["reason"] == reason


@pytest.mark.parametrize("item_id", HOST_ITEMS + ["log-rotation"])
def test_item_agrees_with_the_host(items, waivers, expected, item_id):
    item = items[item_id]
    if item_id in waivers:
        assert item["status"] == "waived", item
        return
    want = expected.get(item_id)
    if want is None:
        pytest.fail("no independent judgement for %s on this host: %s" % (item_id, item))
    assert item["status"] == want, (item, "testinfra says %s" % want)


def test_section5_agrees_with_docker_inspect(report, obs):
    by_key = {(i["container"], i["id"]): i for i in report["items"] if i["section"] == "5"}
    wrong = []
    for inspect in obs.containers:
        container = inspect["Name"].lstrip("/")
        for item_id, want in judge_container(obs, inspect).items():
            item = by_key[(container, item_id)]
            assert item["image"] == inspect["Config"]["Image"], item
            if item["status"] != want:
                wrong.append((container, item_id, item["status"], want, item["evidence"]))
    assert not wrong, wrong
    flagged = {c["name"]: (c["image"], sorted(c["items"])) for c in report["containers"]["flagged"]}
    failing = {}
    for (container, item_id), item in by_key.items():
        if item["status"] == "fail":
            failing.setdefault(container, (item["image"], []))[1].append(item_id)
    assert flagged == {c: (image, sorted(ids)) for c, (image, ids) in failing.items()}


def test_report_facts_agree_with_the_host(host, report, obs):
    engine = report["engine"]
    assert engine["installed"] is host.file("/usr/sbin/dockerd").exists
    assert engine["running"] is (obs.info is not None)
    assert engine["service_manager"] == ("systemd" if obs.systemd else "sysvinit")
    if obs.info is not None:
        assert engine["server_version"] == host.check_output("docker version --format '{{.Server.Version}}'")
        assert report["daemon"]["server_version"] == obs.info["ServerVersion"]
        assert report["daemon"]["storage_driver"] == obs.info["Driver"]
        assert report["daemon"]["data_root"] == obs.info["DockerRootDir"]
        assert report["daemon"]["live_restore"] == obs.info["LiveRestoreEnabled"]
        assert report["daemon"]["tls"] is bool(obs.cfg.get("tlsverify"))
    for package in ("docker.io", "containerd", "runc", "auditd"):
        pkg = host.package(package)
        if pkg.is_installed:
            assert engine["packages"][package] == pkg.version
        else:
            assert package not in engine["packages"]
    if host.file(obs.data_root).exists:
        target, fstype = obs.mount_of(obs.data_root)
        assert report["storage"]["mount_point"] == target
        assert report["storage"]["fstype"] == fstype
    if obs.audit_source == "compiled":
        assert report["audit_evidence"].startswith("compiled rules file /etc/audit/audit.rules")
    elif obs.audit_source == "auditctl -l":
        assert report["audit_evidence"] == "auditctl -l"


# --------------------------------------------------------------------------
# Each host's own story
# --------------------------------------------------------------------------

def _statuses(report, item_id):
    return {i.get("container"): i for i in report["items"] if i["id"] == item_id}


def test_faulty_host_faults_fail(role, host, report, items):
    if role != "faulty":
        pytest.skip("the faults are on hd-audit-faulty")
    assert oct(host.file("/var/run/docker.sock").mode) == "0o666"
    assert oct(host.file("/etc/docker/daemon.json").mode) == "0o666"
    assert not watched(host.file("/etc/audit/audit.rules").content_string, "/etc/docker/daemon.json")
    for item_id in ("3.16", "3.18", "1.1.11"):
        assert items[item_id]["status"] == "fail", items[item_id]
    assert "0666" in items["3.16"]["evidence"] and "0666" in items["3.18"]["evidence"]
    for container, (image, fault) in FAULTY_CONTAINERS.items():
        for item_id in ("5.4", "5.9", "5.31"):
            item = _statuses(report, item_id)[container]
            assert item["image"] == image, item
            assert item["status"] == ("fail" if item_id == fault else "pass"), item
    flagged = {c["name"]: c for c in report["containers"]["flagged"]}
    for container, (image, fault) in FAULTY_CONTAINERS.items():
        assert flagged[container]["image"] == image
        assert fault in flagged[container]["items"]
    assert not report["compliant"]


def test_plain_host_is_judged_as_debian_ships_it(role, host, report, items):
    if role != "plain":
        pytest.skip("hd-audit-plain only")
    assert report["engine"]["server_version"] == host.check_output("docker version --format '{{.Server.Version}}'")
    assert report["engine"]["packages"]["docker.io"] == host.package("docker.io").version
    assert not host.package("auditd").is_installed
    audit_items = ["1.1.%d" % n for n in range(3, 19)]
    # No audit rules at all on a docker.io host: every file that exists fails, the rest does not apply.
    assert {items[i]["status"] for i in audit_items} == {"fail", "not_applicable"}
    assert items["1.1.3"]["status"] == "fail"
    for item_id in ("1.1.2", "2.2", "2.8", "2.14", "2.15", "2.16", "log-rotation"):
        assert items[item_id]["status"] == "fail", items[item_id]
    assert "intruder" in items["1.1.2"]["evidence"]
    assert items["2.9"]["status"] == "fail"
    assert items["3.17"]["status"] == "not_applicable"


def test_hardened_host_fails_only_what_the_role_leaves_to_people(role, report, items):
    if role != "hardened":
        pytest.skip("hd-audit-hardened only")
    assert sorted(i for i, item in items.items() if item["status"] == "fail") == ["2.12", "2.13"]
    assert report["summary"]["error"] == 0
    assert items["2.9"]["status"] == "waived"
    assert all(items[i]["status"] in ("pass", "not_applicable") for i in items if i.startswith(("1.", "3.")))
    assert report["daemon"]["tls"] is True
    assert report["tls"]["min_days_left"] > 0


def test_fresh_host_has_no_engine_and_no_daemon_pass(role, host, report, items):
    if role != "fresh":
        pytest.skip("hd-audit-fresh only")
    assert not host.exists("docker") and not host.package("docker.io").is_installed
    assert report["status"] == "ok"
    assert report["engine"]["installed"] is False
    assert report["engine"]["running"] is False
    for item_id in NEEDS_DAEMON:
        assert items[item_id]["status"] == "error", items[item_id]
        assert items[item_id]["reason"]
    assert not [i for i in report["items"] if i["section"] == "5"]
    assert not report["compliant"]


# --------------------------------------------------------------------------
# The fleet files
# --------------------------------------------------------------------------

def test_fleet_json_lists_every_host():
    fleet = _load(os.path.join(AUDIT_DIR, "fleet.json"))
    assert [h["host"] for h in fleet["hosts"]] == sorted(ROLES)
    for report in fleet["hosts"]:
        assert report == _load(os.path.join(AUDIT_DIR, report["host"] + ".json"))
        assert report["status"] == "ok"
    summary = fleet["summary"]
    assert summary["hosts"] == 4
    assert summary["unreachable"] == 0 and summary["failed"] == 0
    assert summary["compliant"] == sum(1 for r in fleet["hosts"] if r["compliant"])
    assert summary["compliant"] + summary["noncompliant"] == 4
    for status in STATUSES:
        assert summary["items"][status] == sum(r["summary"][status] for r in fleet["hosts"])


def test_junit_xml_has_a_suite_per_host():
    root = ET.parse(os.path.join(AUDIT_DIR, "junit.xml")).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == sorted(ROLES)
    for host, suite in suites.items():
        report = _load(os.path.join(AUDIT_DIR, host + ".json"))
        cases = suite.findall("testcase")
        assert len(cases) == len(report["items"]) == int(suite.get("tests"))
        for case, item in zip(cases, report["items"]):
            assert case.get("name").startswith(item["id"] + " "), (case.get("name"), item["id"])
            if item.get("container"):
                assert item["container"] in case.get("name")
            kinds = {child.tag for child in case} - {"system-out", "system-err"}
            want = {"fail": {"failure"}, "error": {"error"}, "pass": set()}.get(item["status"], {"skipped"})
            assert kinds == want, (host, item["id"], item["status"], kinds)
        assert int(suite.get("failures")) == report["summary"]["fail"]
        assert int(suite.get("errors")) == report["summary"]["error"]
        assert int(suite.get("skipped")) == sum(report["summary"][s] for s in ("waived", "not_applicable", "manual"))


# --------------------------------------------------------------------------
# A host that cannot be reached
# --------------------------------------------------------------------------

def _audit_with_ghost(tmp_dir, *extra):
    inventory = os.path.join(tmp_dir, "ghost.ini")
    with open(inventory, "w") as handle:
        handle.write("[docker_hosts]\n"
                     "%s ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=9 ansible_user=nobody "
                     "ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'\n"
                     "%s ansible_connection=community.docker.docker\n" % (GHOST, VANISHED))
    out = os.path.join(tmp_dir, "reports")
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "-i", inventory, AUDIT_PLAYBOOK,
           "-e", json.dumps({"audit_report_dir": out, "audit_console": False})]
    for extra_vars in extra:
        cmd += ["-e", json.dumps(extra_vars)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          timeout=600, check=False)
    return proc, out


@pytest.fixture(scope="session")
def ghost_runs():
    """The audit with two hosts that cannot be read, with audit_fail_on none (the default) and fail."""
    with tempfile.TemporaryDirectory(prefix="hd-audit-ghost-") as tmp:
        runs = {}
        for mode in ("none", "fail"):
            os.mkdir(os.path.join(tmp, mode))
            proc, out = _audit_with_ghost(os.path.join(tmp, mode), {"audit_fail_on": mode})
            fleet = _load(os.path.join(out, "fleet.json")) if os.path.exists(os.path.join(out, "fleet.json")) else None
            runs[mode] = (proc, fleet, out)
        yield runs


def test_unreachable_host_is_reported_and_does_not_stop_the_others(ghost_runs):
    proc, fleet, out = ghost_runs["none"]
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert fleet is not None, proc.stdout[-4000:]
    by_host = {h["host"]: h for h in fleet["hosts"]}
    assert sorted(by_host) == sorted(list(ROLES) + [GHOST, VANISHED])
    assert by_host[GHOST]["status"] == "unreachable", by_host[GHOST]
    assert by_host[VANISHED]["status"] == "failed", by_host[VANISHED]
    for lost in (GHOST, VANISHED):
        assert by_host[lost]["error"] and not by_host[lost]["items"]
        assert by_host[lost]["compliant"] is False
    for host in ROLES:
        assert by_host[host]["status"] == "ok" and by_host[host]["items"], host
        assert by_host[host]["summary"] == _load(os.path.join(AUDIT_DIR, host + ".json"))["summary"], host
    assert fleet["summary"]["unreachable"] == 1 and fleet["summary"]["failed"] == 1
    suites = {s.get("name"): s for s in ET.parse(os.path.join(out, "junit.xml")).getroot()}
    for lost in (GHOST, VANISHED):
        assert suites[lost].find("testcase/error") is not None
    cells = _matrix_cells(os.path.join(out, "fleet.html"))
    assert cells[(GHOST, "1")] == "unreachable" and cells[(VANISHED, "1")] == "failed"


def test_audit_fail_on_fail_exits_non_zero(ghost_runs):
    proc, fleet, _out = ghost_runs["fail"]
    assert proc.returncode != 0, proc.stdout[-4000:]
    # The reports are written before the play fails.
    assert fleet is not None and len(fleet["hosts"]) == 6
    text = " ".join(proc.stdout.split())
    assert "could not be audited (unreachable)" in text
    assert "could not be audited (failed)" in text
    assert "fails CIS items" in text


# --------------------------------------------------------------------------
# Nothing changed
# --------------------------------------------------------------------------

def _host_hash(host):
    with open(HASH_SCRIPT) as handle:
        script = handle.read()
    return host.check_output("sh -c %s", script)


def _diff(before, now):
    lines = list(difflib.unified_diff(before.splitlines(), now.splitlines(), "before", "now", lineterm="", n=0))
    return "\n".join(lines[:60])


def _before(name):
    with open(os.path.join(BEFORE_DIR, name + ".txt")) as handle:
        return handle.read().rstrip("\n")


def test_the_audits_changed_nothing(host, name, ghost_runs):  # pylint: disable=unused-argument
    # ghost_runs: by now the audit ran four times on every host (converge, idempotence, the two
    # unreachable-host runs).
    before = _before(name)
    now = _host_hash(host).rstrip("\n")
    assert now == before, _diff(before, now)


def test_harden_check_mode_changes_nothing(host, name, role, ghost_runs):  # pylint: disable=unused-argument
    # ghost_runs: after the audits, so that a change is pinned on check mode alone.
    if role not in ("fresh", "hardened"):
        pytest.skip("check mode is proven on the fresh and the hardened host")
    before = _before(name)
    proc = run_playbook(host, HARDEN_PLAYBOOK, options=["--check", "--diff"])
    now = _host_hash(host).rstrip("\n")
    problems = []
    if now != before:
        problems.append("the host changed:\n" + _diff(before, now))
    if proc.returncode != 0:
        errors = [line for line in proc.stdout.splitlines() if line.startswith(("fatal:", "[ERROR]", "failed:"))]
        problems.append("harden-docker.yml --check --diff exited %d:\n%s" % (proc.returncode, "\n".join(errors)))
    if role == "fresh":
        # No engine yet: daemon.json is validated against the version apt would install, not the newest.
        candidate = re.search(r"Candidate: (?:\d+:)?(\d+\.\d+\.\d+)",
                              host.check_output("apt-cache policy docker.io")).group(1)
        if "daemon.json validated against Engine %s" % candidate not in proc.stdout:
            problems.append("the plan did not validate against apt's candidate %s:\n%s" % (
                candidate, "\n".join(line for line in proc.stdout.splitlines() if "validated against" in line)))
    if proc.returncode == 0 and role == "hardened":
        # A converged host: check mode predicts no change at all.
        recap = re.search(r"^%s\s*:.*\bchanged=(\d+)" % re.escape(name), proc.stdout, re.M)
        if not recap or recap.group(1) != "0":
            problems.append("check mode predicts changes on a converged host:\n" + proc.stdout[-3000:])
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# harden-docker.yml plans before it changes anything, and one host does not
# stop the fleet
# --------------------------------------------------------------------------

PLANNED = ("hd-audit-fresh", "hd-audit-hardened")


def _harden(*extra_vars, hosts=PLANNED, inventories=()):
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"]]
    for inventory in inventories:
        cmd += ["-i", inventory]
    cmd += ["--limit", ",".join(hosts), HARDEN_PLAYBOOK]
    for extra in extra_vars:
        cmd += ["-e", json.dumps(extra)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          timeout=900, check=False)
    return proc.returncode, " ".join(proc.stdout.split()), proc.stdout


@pytest.fixture(scope="session")
def bad_input_run(ghost_runs):  # pylint: disable=unused-argument
    # ghost_runs: after the audits and their "nothing changed" check.
    return _harden({"tls_key_type": "rsa", "tls_key_size": 1024,
                    "tls_clients": [{"name": "../../evil"}],
                    "daemon_log_opts": {"max-size": "10zz"}})


def test_bad_input_stops_every_host_before_any_change(host, name, bad_input_run):
    if name not in PLANNED:
        pytest.skip("the plan is run on the fresh and the hardened host")
    rc, text, raw = bad_input_run
    assert rc != 0, raw[-4000:]
    assert "Nothing was changed on any host." in text, raw[-4000:]
    # Every problem of every host is listed, per host, before anything runs.
    # ansible-core's error line carries the message unescaped, up to the task's origin.
    message = text.split("Nothing was changed on any host. ", 1)[1].split(" Origin: ", 1)[0]
    by_host = dict(part.split(": ", 1) for part in message.split(" || "))
    assert sorted(by_host) == sorted(PLANNED), message
    for other in PLANNED:
        listed = by_host[other]
        assert "tls: tls_clients: " in listed and "../../evil" in listed, raw[-4000:]
        assert "RSA keys shorter than 2048 bits" in listed, raw[-4000:]
        assert "10zz" in listed, raw[-4000:]
    # Nothing was installed, written or restarted: the host is as the audit left it.
    before = _before(name)
    now = _host_hash(host).rstrip("\n")
    assert now == before, _diff(before, now)
    if name == "hd-audit-fresh":
        assert host.run("dpkg-query -W -f '${Status}' docker.io").stdout.strip() != "install ok installed"
    assert not os.path.exists(os.path.join(EPHEMERAL, "tls", "clients", "evil"))


def test_an_unreachable_host_does_not_stop_the_others_and_is_named(host, name, bad_input_run, tmp_path_factory):  # pylint: disable=unused-argument
    if name != "hd-audit-hardened":
        pytest.skip("the converged host re-runs next to a host that cannot be reached")
    inventory = tmp_path_factory.mktemp("hd-harden-ghost") / "ghost.ini"
    inventory.write_text("[docker_hosts]\n%s ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=9 "
                         "ansible_user=nobody ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'\n" % GHOST)
    reports = tmp_path_factory.mktemp("hd-harden-ghost-reports")
    rc, text, raw = _harden({"hardening_report_dir": str(reports)}, hosts=(name, GHOST), inventories=(str(inventory),))
    # ansible-playbook exits 4 when a host was unreachable; the converged host still ran every play.
    assert rc == 4, raw[-4000:]
    assert "converged: %s; did not converge (failed or unreachable): %s" % (name, GHOST) in text, raw[-4000:]
    recap = re.search(r"^%s\s*:.*\bchanged=(\d+).*\bfailed=(\d+)" % re.escape(name), raw, re.M)
    assert recap and recap.groups() == ("0", "0"), raw[-4000:]
    # The fleet report names the host that could not be reached, next to the converged one's verdict.
    with open(reports / "fleet.json") as handle:
        fleet = json.load(handle)
    by_host = {h["host"]: h for h in fleet["hosts"]}
    assert sorted(by_host) == sorted([name, GHOST]), fleet
    assert by_host[GHOST]["status"] == "unreachable" and not by_host[GHOST]["compliant"], by_host[GHOST]
    assert by_host[name]["status"] == "ok", by_host[name]
    with open(reports / ("%s.json" % GHOST)) as handle:
        assert json.load(handle)["status"] == "unreachable"
    with open(reports / ("%s.json" % name)) as handle:
        assert "plan" in json.load(handle)


# --------------------------------------------------------------------------
# The HTML page in a real browser
# --------------------------------------------------------------------------

class _Matrix(html.parser.HTMLParser):
    """The cells of table#matrix: {(host, section): data-status}."""

    def __init__(self):
        super().__init__()
        self.cells = {}
        self._in_matrix = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "matrix":
            self._in_matrix = True
        elif tag == "td" and self._in_matrix and "data-host" in attrs:
            self.cells[(attrs["data-host"], attrs["data-section"])] = attrs.get("data-status")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_matrix = False


def _matrix_cells(path):
    parser = _Matrix()
    with open(path) as handle:
        parser.feed(handle.read())
    return parser.cells


def _chromium(*args):
    with tempfile.TemporaryDirectory(prefix="hd-audit-chromium-") as profile:
        cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--user-data-dir=" + profile] + list(args)
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              timeout=180, check=False)


def test_fleet_html_renders_the_matrix_in_chromium():
    page = "file://" + os.path.join(AUDIT_DIR, "fleet.html")
    dom = _chromium("--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    matrix = _Matrix()
    matrix.feed(dom.stdout)
    cells = matrix.cells
    assert {host for host, _section in cells} == set(ROLES)
    for section in ("1", "3", "5"):
        assert cells[("hd-audit-faulty", section)] == "fail", section
    assert cells[("hd-audit-hardened", "3")] not in ("fail", "error")
    # Each cell is the worst status of its section.
    for host in ROLES:
        report = _load(os.path.join(AUDIT_DIR, host + ".json"))
        for section in ("1", "2", "3", "5"):
            present = {i["status"] for i in report["items"] if i["section"] == section}
            worst = next((s for s in WORST_FIRST if s in present), "empty")
            assert cells[(host, section)] == worst, (host, section)
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    if os.path.exists(SCREENSHOT):
        os.unlink(SCREENSHOT)
    shot = _chromium("--screenshot=" + SCREENSHOT, "--window-size=1400,2000", "--hide-scrollbars", page)
    assert shot.returncode == 0, shot.stderr[-2000:]
    with open(SCREENSHOT, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
