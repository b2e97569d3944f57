"""What an operator set by hand survives the daemon role, and nothing is
merged that the playbook did not pass by name.

Each test runs the scenario's converge again through ansible-playbook with
extra variables, reads the host independently, and leaves the host as the
converge left it (test_daemon.py's expectations).
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

CONVERGE = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "apply-daemon.yml")
CONF = "/etc/docker/daemon.json"
OWN_DROPIN = "/etc/systemd/system/docker.service.d/hardened-docker-hosts.conf"
DROPIN_DIR = "/etc/systemd/system/docker.service.d"


def _systemd(host):
    return host.file("/run/systemd/system").is_directory


def _sum(host, path):
    return host.check_output("sha256sum %s", path).split()[0]


def _conf(host):
    return json.loads(host.file(CONF).content_string)


def _dockerd_pid(host):
    return host.check_output("pidof dockerd")


def _answers(host):
    return host.run("docker version --format '{{.Server.Version}}'").rc == 0


def _write_json(host, path, data):
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    host.check_output("printf '%%s' %s > %s", text, path)


def test_hand_written_keys_are_kept_replace_drops_them_and_pattern_variables_are_never_merged(host):
    if not _systemd(host):
        pytest.skip("the merge is the same code on every service manager: proven on the systemd host")
    wanted = _conf(host)
    hand = dict(wanted, **{"max-concurrent-downloads": 5, "dns": ["192.0.2.53"]})
    hand["log-opts"] = dict(wanted["log-opts"], labels="team")
    _write_json(host, CONF, hand)
    pid = _dockerd_pid(host)
    try:
        # Variables that only match the names the roles used to be collected by.
        rc, out = run_for_text(host, CONVERGE, {"evil_daemon_settings": {"debug": True, "icc": False},
                                                "evil_daemon_restart_reasons": ["restart please"],
                                                "evil_daemon_data_strategy": "fresh"})
        assert rc == 0, out[-3000:]
        assert "kept from the current daemon.json: dns, max-concurrent-downloads" in out, out[-3000:]
        now = _conf(host)
        assert now["max-concurrent-downloads"] == 5 and now["dns"] == ["192.0.2.53"]
        # Nested objects merge key by key: the operator's log option stays next to the role's.
        assert now["log-opts"] == {"labels": "team", "max-size": "10m", "max-file": "3"}
        assert "debug" not in now and "icc" not in now, now
        assert _dockerd_pid(host) == pid, "nothing changed, yet the daemon was restarted"
    finally:
        rc, out = run_for_text(host, CONVERGE, {"daemon_config_mode": "replace"})
    assert rc == 0, out[-3000:]
    assert "dropped from the current daemon.json: dns, max-concurrent-downloads" in out, out[-3000:]
    assert _conf(host) == wanted
    assert _answers(host)


def _operator_drop_in(host, name, extra_flags=""):
    """Write an operator drop-in that sets the packaged unit's ExecStart (plus flags) and make systemd read it."""
    path = DROPIN_DIR + "/" + name
    fragment = host.check_output("systemctl show -p FragmentPath --value docker.service")
    exec_start = [line for line in host.file(fragment).content_string.splitlines()
                  if line.startswith("ExecStart=")][-1]
    host.check_output("printf '[Service]\\nExecStart=\\n%%s\\n' %s > %s", (exec_start + " " + extra_flags).strip(),
                      path)
    host.check_output("systemctl daemon-reload")
    return path


def test_an_operator_drop_in_that_overrides_ours_is_refused_naming_the_file(host):
    if not _systemd(host):
        pytest.skip("drop-ins are systemd's")
    before_conf, before_dropin = _sum(host, CONF), _sum(host, OWN_DROPIN)
    path = _operator_drop_in(host, "zz-operator.conf")
    try:
        rc, out = run_for_text(host, CONVERGE)
    finally:
        host.check_output("rm -f %s && systemctl daemon-reload", path)
    assert rc != 0, out[-3000:]
    assert "'hosts' is also set by the flag" in out and path in out, out[-3000:]
    assert _sum(host, CONF) == before_conf and _sum(host, OWN_DROPIN) == before_dropin
    assert _answers(host)


def test_flags_of_an_operator_drop_in_are_kept_in_our_start_command(host):
    if not _systemd(host):
        pytest.skip("drop-ins are systemd's")
    path = _operator_drop_in(host, "10-operator.conf", "--max-concurrent-uploads=3")
    try:
        rc, out = run_for_text(host, CONVERGE)
        assert rc == 0, out[-3000:]
        ours = [line for line in host.file(OWN_DROPIN).content_string.splitlines() if line.startswith("ExecStart=/")]
        assert ours and "--max-concurrent-uploads=3" in ours[-1] and " -H " not in ours[-1] + " ", ours
        assert "--max-concurrent-uploads=3" in host.check_output("cat /proc/$(pidof dockerd)/cmdline | tr '\\0' ' '")
        assert _answers(host)
    finally:
        host.check_output("rm -f %s && systemctl daemon-reload", path)
        rc, out = run_for_text(host, CONVERGE)
    assert rc == 0, out[-3000:]
    assert "--max-concurrent-uploads" not in host.file(OWN_DROPIN).content_string
    assert _answers(host)
