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
from test_faults import dockerd_pid, needs_systemd, run_role  # noqa: E402  pylint: disable=wrong-import-position

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
