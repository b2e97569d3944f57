"""The harden scenario: every CIS item that applies, seen on the host, and the report agrees.

The report is read from the controller directory the role wrote it to
($MOLECULE_EPHEMERAL_DIRECTORY/reports/<host>.json). Each check below judges the
host on its own (getent, stat, the rules files, daemon.json, docker info) and
then compares with the report's status for the same item.
"""

import json
import os
import sys

import pytest

# The item tables are shared with the audit scenario (molecule/shared/tests/cis_observe.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cis_observe import AUDIT, COMPILED, DEFAULT_DATA_ROOT, FILES, RULES_D  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def hostvars(host):
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def waivers(hostvars):
    return dict(hostvars.get("hardening_waivers") or {})


@pytest.fixture(scope="module")
def report(host):
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports", host.backend.get_hostname() + ".json")
    with open(path) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def items(report):
    return {item["id"]: item for item in report["items"]}


@pytest.fixture(scope="module")
def audit_state(host):
    live = host.run("auditctl -l")
    return {
        "rules_d": host.file(RULES_D).content_string.splitlines(),
        "compiled": host.file(COMPILED).content_string,
        "live_rc": live.rc,
        "live_out": live.stdout,
        "live_err": live.stderr,
    }


@pytest.fixture(scope="module")
def daemon_json(host):
    return json.loads(host.file("/etc/docker/daemon.json").content_string)


@pytest.fixture(scope="module")
def info(host):
    return json.loads(host.check_output("docker info --format '{{json .}}'"))


def _systemd(host):
    return host.file("/run/systemd/system").is_directory


def _real(host, path):
    return host.check_output("readlink -f %s", path)


def _containerd_sock(host):
    for candidate in ("/run/containerd/containerd.sock", "/run/docker/containerd/containerd.sock"):
        if host.file(candidate).exists:
            return candidate
    return None


def _resolve(host, kind, name):
    """The real paths of an audit item's file on this host, [] when it is not there."""
    if kind == "bin":
        out = host.run("for d in /usr/sbin /usr/bin; do [ -x $d/%s ] && readlink -f $d/%s; done | sort -u", name, name)
        return [line for line in out.stdout.splitlines() if line]
    if kind == "unit":
        if _systemd(host):
            path = host.check_output("systemctl show -p FragmentPath --value %s", name)
        else:
            path = next((d + "/" + name for d in ("/usr/lib/systemd/system", "/lib/systemd/system")
                         if host.file(d + "/" + name).exists), "")
        return [_real(host, path)] if path else []
    if kind == "containerd_sock":
        sock = _containerd_sock(host)
        return [sock] if sock else []
    if kind == "containerd_dir":
        sock = _containerd_sock(host)
        return [os.path.dirname(sock)] if sock else []
    if kind == "data_root":
        name = DEFAULT_DATA_ROOT
    return [_real(host, name)] if host.file(name).exists else []


STATUSES = ("pass", "fail", "waived", "not_applicable", "manual", "error")


def _agrees(items, waivers, item_id, observed_ok):
    item = items[item_id]
    if item_id in waivers:
        assert item["status"] == "waived", item
        assert item["reason"] == waivers[item_id]
    else:
        assert item["status"] == ("pass" if observed_ok else "fail"), (item, observed_ok)


def _absent(items, waivers, item_id):
    """A file the item names is not on the host: not_applicable (never a pass), or waived."""
    assert items[item_id]["status"] == ("waived" if item_id in waivers else "not_applicable"), items[item_id]
    if item_id not in waivers:
        assert items[item_id]["reason"]


def test_report_lists_every_item_with_evidence(report, items, waivers):
    assert report["host"]
    expected = {"1.1.1", "1.1.2", "log-rotation"} | {a[0] for a in AUDIT} | {"2.%d" % n for n in range(1, 19)}
    expected |= {"3.%d" % n for n in range(1, 25)}
    # No container runs on these hosts, so there is no section 5 item.
    assert set(items) == expected
    assert len(report["items"]) == len(expected)
    for item in report["items"]:
        assert item["status"] in STATUSES
        assert item["evidence"]
    # Waived items show up as waived (with their reason), never as passed.
    assert {i for i, item in items.items() if item["status"] == "waived"} == set(waivers)
    counts = {s: sum(1 for i in report["items"] if i["status"] == s) for s in STATUSES}
    assert report["summary"] == counts
    assert report["compliant"] == (counts["fail"] == 0 and counts["error"] == 0)
    # The daemon answered, so nothing is an error.
    assert counts["error"] == 0


def test_docker_group_holds_only_trusted_users(host, hostvars, items, waivers):
    trusted = set(hostvars["hardening_docker_users"])
    members = set(filter(None, host.check_output("getent group docker | cut -d: -f4").split(",")))
    assert trusted <= members
    if hostvars.get("hardening_docker_group_remove_untrusted"):
        assert "intruder" not in members
    else:
        # Not opted in: the untrusted member stays and 1.1.2 fails, without hiding the other items.
        assert "intruder" in members
        assert len(items) > 50
    _agrees(items, waivers, "1.1.2", members <= trusted)


@pytest.mark.parametrize("item_id,kind,name", AUDIT)
def test_audit_rule(host, report, items, waivers, audit_state, item_id, kind, name):
    # 1.1.5: the configured data-root, which also holds a remapped daemon's directory (test_data_root).
    paths = _resolve(host, kind, name)
    rules_d = audit_state["rules_d"]
    compiled = audit_state["compiled"]
    if audit_state["live_rc"] == 0:
        assert report["audit_evidence"] == "auditctl -l"
        seen = audit_state["live_out"]
    else:
        assert "Operation not permitted" in audit_state["live_err"]
        assert report["audit_evidence"].startswith("compiled rules file /etc/audit/audit.rules (auditctl not permitted")
        seen = compiled
    if not paths:
        _absent(items, waivers, item_id)
        return
    for path in paths:
        rule = "-w %s -p rwxa -k docker" % path
        if item_id not in waivers:
            assert rule in rules_d
            assert rule in compiled.splitlines()
    ok = all(("-w %s " % p) in seen or ("-w %s/ " % p) in seen for p in paths)
    _agrees(items, waivers, item_id, ok)
    assert all(p in items[item_id]["evidence"] for p in paths)


def test_auditd_installed_and_honest_about_running(host, report):
    assert host.package("auditd").is_installed
    if host.run("auditctl -s").rc == 0:
        assert host.service("auditd").is_running
    else:
        assert "auditctl not permitted" in report["audit_evidence"]


def test_daemon_json_hardened_values(hostvars, daemon_json, waivers):
    expected = {
        "2.2": ("icc", False),
        "2.3": ("log-level", "info"),
        "2.8": ("default-ulimits", {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 65536}}),
        "2.14": ("no-new-privileges", True),
        "2.15": ("live-restore", True),
        "2.16": ("userland-proxy", False),
        "log-rotation": ("log-opts", {"max-size": "10m", "max-file": "3"}),
    }
    for item_id, (key, value) in expected.items():
        if item_id in waivers:
            assert key not in daemon_json, key
        else:
            assert daemon_json[key] == value, key
    assert daemon_json.get("userns-remap") == (hostvars.get("hardening_userns_remap") or None)


def test_section2_items_agree_with_the_daemon(host, info, daemon_json, items, waivers):
    icc = host.check_output("docker network inspect bridge --format '{{index .Options \"com.docker.network.bridge.enable_icc\"}}'")
    _agrees(items, waivers, "2.2", icc == "false")
    _agrees(items, waivers, "2.3", daemon_json.get("log-level", "info") == "info")
    _agrees(items, waivers, "2.8", bool(daemon_json.get("default-ulimits")))
    _agrees(items, waivers, "2.9", any(o.startswith("name=userns") for o in info["SecurityOptions"]))
    _agrees(items, waivers, "2.14", daemon_json.get("no-new-privileges") is True)
    _agrees(items, waivers, "2.15", info["LiveRestoreEnabled"] is True)
    _agrees(items, waivers, "2.16", daemon_json.get("userland-proxy") is False)
    _agrees(items, waivers, "2.17", any(o.startswith("name=seccomp") for o in info["SecurityOptions"]))
    _agrees(items, waivers, "2.18", info.get("ExperimentalBuild") is False)
    assert info["LiveRestoreEnabled"] is ("2.15" not in waivers)
    assert any(o.startswith("name=seccomp") for o in info["SecurityOptions"])
    if int(info["ServerVersion"].split(".")[0]) >= 23:
        # Engine 23+ lists the daemon-wide no-new-privileges among the security options.
        assert "name=no-new-privileges" in info["SecurityOptions"]


def test_report_daemon_facts(report, info, daemon_json):
    daemon = report["daemon"]
    assert daemon["server_version"] == info["ServerVersion"]
    assert daemon["storage_driver"] == info["Driver"]
    assert daemon["data_root"] == info["DockerRootDir"]
    assert daemon["live_restore"] == info["LiveRestoreEnabled"]
    assert daemon["tls"] == bool(daemon_json.get("tlsverify"))


def test_tls_listener(host, report, items, waivers, daemon_json):
    if daemon_json.get("tlsverify"):
        assert host.socket("tcp://0.0.0.0:2376").is_listening
        assert report["daemon"]["tls"] is True
        assert "tcp://0.0.0.0:2376" in report["daemon"]["listeners"]
        assert report["daemon"]["tls_certificate_days_left"] > 0
        _agrees(items, waivers, "2.7", True)
    else:
        assert not host.socket("tcp://0.0.0.0:2376").is_listening
        assert not host.socket("tcp://0.0.0.0:2375").is_listening
        assert report["daemon"]["tls"] is False
        assert report["daemon"]["tls_certificate_days_left"] is None
        _agrees(items, waivers, "2.7", True)


def _file_path(host, spec, daemon_json):
    if spec.startswith("unit:"):
        paths = _resolve(host, "unit", spec[5:])
        return paths[0] if paths else None
    if spec.startswith("tls:"):
        return daemon_json.get(spec[4:])
    if spec == "containerd_sock":
        return _containerd_sock(host)
    if spec == "registry_certs":
        # The harden hosts trust no registry: nothing under /etc/docker/certs.d.
        assert host.run("find /etc/docker/certs.d -type f 2>/dev/null").stdout.split() == []
        return None
    return spec if host.file(spec).exists else None


@pytest.mark.parametrize("owner_id,mode_id,spec,owner,group,widest", FILES)
def test_file_owner_and_mode(host, items, waivers, daemon_json, owner_id, mode_id, spec, owner, group, widest):
    path = _file_path(host, spec, daemon_json)
    if path is None or not host.file(path).exists:
        _absent(items, waivers, owner_id)
        _absent(items, waivers, mode_id)
        return
    f = host.file(path)
    owner_ok = (f.user, f.group) == (owner, group)
    mode_ok = f.mode & ~widest == 0
    if owner_id not in waivers:
        assert owner_ok, (path, f.user, f.group)
    if mode_id not in waivers:
        assert mode_ok, (path, oct(f.mode))
    _agrees(items, waivers, owner_id, owner_ok)
    _agrees(items, waivers, mode_id, mode_ok)


def _busybox(host):
    """A tiny image from the host's own busybox (no registry), imported into the daemon's current root."""
    host.check_output(
        "set -e; docker image inspect hd/busybox:local >/dev/null 2>&1 || { d=$(mktemp -d); mkdir -p $d/bin; "
        "cp /bin/busybox $d/bin/; tar -C $d -c . | docker import - hd/busybox:local >/dev/null; rm -rf $d; }"
    )
    return "hd/busybox:local"


def test_containers_get_rotated_logs(host, items, waivers):
    _busybox(host)
    cid = host.check_output("docker create hd/busybox:local /bin/busybox true")
    try:
        config = json.loads(host.check_output("docker inspect --format '{{json .HostConfig}}' %s", cid))
    finally:
        host.run("docker rm -f %s", cid)
    assert config["LogConfig"]["Config"] == {"max-file": "3", "max-size": "10m"}
    _agrees(items, waivers, "log-rotation", True)


def test_new_items_agree_with_the_host(host, info, daemon_json, items, waivers):
    # 1.1.1: data-root is a mount of its own (the scenario gives it a volume); a remapped
    # daemon's directory lies inside it (test_data_root).
    target = host.check_output("findmnt -n -o TARGET --target %s", info["DockerRootDir"])
    assert target == DEFAULT_DATA_ROOT
    _agrees(items, waivers, "1.1.1", target == DEFAULT_DATA_ROOT)
    # 2.1: dockerd runs as root here; rootless mode is a person's decision.
    assert not any(o.startswith("name=rootless") for o in info["SecurityOptions"])
    assert items["2.1"]["status"] == "manual" and items["2.1"]["reason"]
    # 2.11: only devicemapper has a base device.
    assert info["Driver"] != "devicemapper"
    assert items["2.11"]["status"] == "not_applicable"
    # 2.12: no authorization plugin is configured.
    plugins = (info.get("Plugins") or {}).get("Authorization") or []
    _agrees(items, waivers, "2.12", bool(plugins or daemon_json.get("authorization-plugins")))
    # 2.13: containers log locally (json-file), nothing goes to a remote collector.
    assert info["LoggingDriver"] == "json-file"
    _agrees(items, waivers, "2.13", False)


# --- 2.9 userns-remap, read without the collection's code ---------------------------------------

def _subids(host, path):
    """[(name, start, count)] of /etc/subuid or /etc/subgid ([] when the file is not there)."""
    out = host.run("cat %s", path)
    entries = []
    for line in out.stdout.splitlines() if out.rc == 0 else []:
        if line.strip() and not line.startswith("#"):
            name, start, count = line.strip().split(":")
            entries.append((name, int(start), int(count)))
    return entries


def _range_of(entries, name):
    ranges = [(start, count) for user, start, count in entries if user == name]
    assert len(ranges) == 1, (name, entries)
    return ranges[0]


def test_data_root(host, hostvars, info):
    """dockerd's root directory: /var/lib/docker, or <data-root>/<uid>.<gid> of the remapped root."""
    if not hostvars.get("hardening_userns_remap"):
        assert info["DockerRootDir"] == DEFAULT_DATA_ROOT
        return
    uid, _count = _range_of(_subids(host, "/etc/subuid"), "dockremap")
    gid, _count = _range_of(_subids(host, "/etc/subgid"), "dockremap")
    assert info["DockerRootDir"] == "%s/%d.%d" % (DEFAULT_DATA_ROOT, uid, gid)
    assert host.file(info["DockerRootDir"]).is_directory
    # 1.1.5 watches the data-root that holds it (test_audit_rule), not the remapped directory.
    assert info["DockerRootDir"] not in host.file(RULES_D).content_string


def test_userns_remap(host, hostvars, info, items, waivers):
    remap = hostvars.get("hardening_userns_remap")
    userns = [o for o in info["SecurityOptions"] if o.startswith("name=userns")]
    if not remap:
        # Not asked for: off, and 2.9 is waived (never a pass).
        assert userns == [] and "2.9" in waivers
        assert host.run("getent passwd dockremap").rc == 2
        _agrees(items, waivers, "2.9", False)
        return
    assert remap == "default" and "2.9" not in waivers
    assert userns == ["name=userns"], info["SecurityOptions"]
    # The remap user and group exist, each with exactly one subordinate range that
    # overlaps no other user's range.
    assert host.run("getent passwd dockremap").rc == 0
    assert host.run("getent group dockremap").rc == 0
    for path in ("/etc/subuid", "/etc/subgid"):
        entries = _subids(host, path)
        start, count = _range_of(entries, "dockremap")
        assert start >= 100000 and count == 65536, (path, entries)
        for user, other_start, other_count in entries:
            if user != "dockremap":
                assert other_start + other_count <= start or start + count <= other_start, (path, entries)
    uid, uid_count = _range_of(_subids(host, "/etc/subuid"), "dockremap")
    gid, gid_count = _range_of(_subids(host, "/etc/subgid"), "dockremap")
    # A container's root is not the host's root: its process runs, as seen from the
    # host's /proc, with ids inside the subordinate ranges.
    # Test-host adaptation (as in the brownfield scenario): a hard nofile limit below the
    # hardened default-ulimits (65536) cannot be raised here, so the container asks for the
    # hard limit the machine has; otherwise runc fails to set RLIMIT_NOFILE, userns or not.
    hard = host.check_output("sh -c 'ulimit -Hn'")
    ulimit = "--ulimit nofile=1024:%s" % hard if hard != "unlimited" and int(hard) < 65536 else ""
    name = "hd-harden-userns-probe"
    host.run("docker rm -f %s", name)
    cid = host.check_output("docker run -d --name %s %s %s /bin/busybox sleep 300" % (name, ulimit, _busybox(host)))
    try:
        assert host.check_output("docker exec %s /bin/busybox id -u", cid) == "0"
        pid = host.check_output("docker inspect --format '{{.State.Pid}}' %s", cid)
        status = host.file("/proc/%s/status" % pid).content_string
        uids = [int(v) for v in next(l for l in status.splitlines() if l.startswith("Uid:")).split()[1:]]
        gids = [int(v) for v in next(l for l in status.splitlines() if l.startswith("Gid:")).split()[1:]]
        assert uids == [uid] * 4, status
        assert gids == [gid] * 4, status
        assert all(uid <= u < uid + uid_count for u in uids) and all(gid <= g < gid + gid_count for g in gids)
        assert host.check_output("ps -o uid= -p %s", pid).strip() == str(uid)
    finally:
        host.run("docker rm -f %s", name)
    # The report judges 2.9 pass, as this test does.
    assert items["2.9"]["status"] == "pass", items["2.9"]
    _agrees(items, waivers, "2.9", True)
