"""A run stopped after it wrote daemon.json but before the restart that applies it
(SIGTERM, a lost connection) leaves the note <daemon.json>.pending; the next run
restarts although the file already matches, and removes the note.

The stopped run is reproduced exactly: the file the role would write, plus its note,
with the daemon left running on the old configuration.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_faults import PLAYBOOK, conf_sum, dockerd_pid, needs_systemd, run_role  # noqa: E402  pylint: disable=wrong-import-position
from playbook_helper import run_for_changed  # noqa: E402  pylint: disable=wrong-import-position

CONF = "/etc/docker/daemon.json"


def test_a_change_written_but_not_applied_is_applied_by_the_next_run(host):
    needs_systemd(host)
    before = host.check_output("docker info --format '{{.LoggingDriver}}'")
    # Where the earlier tests left data-root and the driver, given explicitly (the role drops
    # keys it wrote earlier once the inventory no longer sets them).
    stay = {"daemon_data_root": host.check_output("docker info --format '{{.DockerRootDir}}'"),
            "daemon_storage_driver": host.check_output("docker info --format '{{.Driver}}'")}
    other = "local" if before != "local" else "json-file"
    conf = json.loads(host.file(CONF).content_string)
    conf["log-driver"] = other  # json-file's max-size and max-file are the local driver's too
    # What the stopped run left: the new file and its note; the daemon still runs the old one.
    host.check_output("printf '%%s' %s > %s", json.dumps(conf, indent=2, sort_keys=True) + "\n", CONF)
    host.check_output("printf 'restart: log-driver\\n' > %s.pending", CONF)
    pid = dockerd_pid(host)
    try:
        rc, out = run_role(host, daemon_log_driver=other, **stay)
        assert rc == 0, out[-3000:]
        assert "a previous run was stopped before it applied its change" in out, out[-3000:]
        assert dockerd_pid(host) != pid, "the next run did not restart"
        assert host.check_output("docker info --format '{{.LoggingDriver}}'") == other
        assert not host.file(CONF + ".pending").exists
    finally:
        rc, out = run_role(host, **stay)
    assert rc == 0, out[-3000:]
    assert host.check_output("docker info --format '{{.LoggingDriver}}'") == before


def test_a_port_bridge_a_stopped_run_left_is_removed_by_the_next_run(host):
    """A run stopped during a restart leaves the port bridge's chains; the next run, with nothing
    else to apply, removes them and touches nothing else."""
    stay = {"daemon_data_root": host.check_output("docker info --format '{{.DockerRootDir}}'"),
            "daemon_storage_driver": host.check_output("docker info --format '{{.Driver}}'")}
    rc, out = run_role(host, **stay)  # whatever an earlier test left is applied first
    assert rc == 0, out[-3000:]
    host.check_output("iptables -w -t nat -N HARDENED-DOCKER-BRIDGE"
                      " && iptables -w -t nat -A HARDENED-DOCKER-BRIDGE -p tcp --dport 65000 -j RETURN")
    pid, before = dockerd_pid(host), conf_sum(host)
    changed = run_for_changed(host, PLAYBOOK, stay)
    assert host.run("iptables -w -t nat -S HARDENED-DOCKER-BRIDGE").rc != 0, "the leftover bridge is still there"
    assert changed == ["hardened.docker.daemon : Remove the port bridge a stopped run left behind"], changed
    assert (dockerd_pid(host), conf_sum(host)) == (pid, before)
