"""Interruption and rollback (Engine 20.10, no dockerd --validate).

- A run killed with SIGTERM while the daemon restarts: the next run of the
  role converges the host and the daemon answers with the wanted settings.
- A restart asked for by another role (the tls role, for a new server
  certificate) that fails because the server key does not match the
  certificate: the daemon role rolls back, the daemon answers again with the
  files it ran with, daemon.json and the drop-in are byte-identical.

Runs after test_faults.py (file order); each test reads the host's current
data-root and passes it on, so it does not depend on what ran before.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

SCENARIO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAEMON_PLAYBOOK = os.path.join(SCENARIO, "apply-daemon.yml")
TLS_PLAYBOOK = os.path.join(SCENARIO, "apply-tls.yml")
CONF = "/etc/docker/daemon.json"
DROPIN = "/etc/systemd/system/docker.service.d/hardened-docker-hosts.conf"
TLS_DIR = "/etc/docker/tls"
# Kept lean (CI time): the interruption on the sysvinit host, where an
# interrupted `service docker restart` can leave dockerd stopped (systemd
# finishes a restart job on its own); the TLS rollback on the Debian 12
# systemd host, which has the drop-in. The rollback without systemd is
# test_faults.py's test_config_that_stops_dockerd_is_rolled_back on the
# sysvinit host. Debian 13's dockerd --validate refuses these faults before
# any change (test_faults.py shows that path).
SIGTERM_HOST = "hd-faults-sysvinit"
TLS_ROLLBACK_HOST = "hd-faults-debian12"


def name(host):
    return host.backend.get_hostname()


def systemd(host):
    return host.file("/run/systemd/system").is_directory


def only_on(host, wanted):
    if name(host) != wanted:
        pytest.skip("runs on %s only" % wanted)


def sha256(host, path):
    res = host.run("sha256sum %s", path)
    return res.stdout.split()[0] if res.rc == 0 else None


def answers(host):
    return host.run("timeout 20 docker version --format '{{.Server.Version}}'").rc == 0


def data_root(host):
    return host.check_output("docker info --format '{{.DockerRootDir}}'")


def dockerd_pid(host):
    return host.check_output("pidof dockerd")


def test_sigterm_during_the_restart_then_the_next_run_converges(host):
    only_on(host, SIGTERM_HOST)
    wanted = {"daemon_log_driver": "local", "daemon_data_root": data_root(host)}
    assert host.check_output("docker info --format '{{.LoggingDriver}}'") != "local"
    old_pid = dockerd_pid(host)
    # The signal that the restart is under way: the dockerd that ran before
    # the run is gone. A watcher inside the host polls for that every 50 ms
    # (bounded: 120 s) and exits as soon as it sees it.
    watcher = subprocess.Popen(
        ["docker", "exec", name(host), "sh", "-c",
         "for i in $(seq 2400); do kill -0 %s 2>/dev/null || exit 0; sleep 0.05; done; exit 1" % old_pid])
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    run = subprocess.Popen(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "--limit", name(host),
         DAEMON_PLAYBOOK, "-e", json.dumps(wanted)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env)
    try:
        assert watcher.wait(timeout=150) == 0, "the restart never began"
        run.send_signal(signal.SIGTERM)
        out, _err = run.communicate(timeout=60)
    finally:
        for proc in (watcher, run):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert run.returncode != 0, "the run finished before SIGTERM reached it:\n" + out
    # Over SSH the hangup would also end the restart command on the host; the
    # docker connection leaves it running, so end it as a hangup would.
    host.run("for p in $(pgrep -f '^(/bin/sh )?(/usr/sbin/service docker|/etc/init.d/docker)|^systemctl restart docker'); do kill -TERM $p; done")
    time.sleep(1)

    rc, out = run_for_text(host, DAEMON_PLAYBOOK, wanted)
    assert rc == 0, out
    assert answers(host), "the daemon does not answer after the next run"
    assert json.loads(host.file(CONF).content_string)["log-driver"] == "local"
    # The running daemon uses the file, not only the file says so.
    assert host.check_output("docker info --format '{{.LoggingDriver}}'") == "local"
    assert dockerd_pid(host) != old_pid


@pytest.fixture
def tls_vars(host):
    ca_dir = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rollback-ca")
    return {"tls_ca_dir": ca_dir, "tls_client_dir": ca_dir + "-clients", "daemon_data_root": data_root(host)}


def test_broken_server_key_after_the_tls_restart_is_rolled_back(host, tls_vars):
    only_on(host, TLS_ROLLBACK_HOST)
    rc, out = run_for_text(host, TLS_PLAYBOOK, tls_vars)
    assert rc == 0, out
    assert host.socket("tcp://0.0.0.0:2376").is_listening
    files = [CONF, DROPIN] + ["%s/%s" % (TLS_DIR, f) for f in ("ca.pem", "server-cert.pem", "server-key.pem")]
    before = {path: sha256(host, path) for path in files}
    assert (before[DROPIN] is not None) == systemd(host)
    pid = dockerd_pid(host)

    # A SAN change makes the tls role reissue and install the server
    # certificate and ask the daemon role for a restart; the fault replaces
    # the key after the tls role, so dockerd cannot load the pair.
    broken = dict(tls_vars, tls_extra_sans=["DNS:rollback.hd.test"], hd_fault_mismatched_key=True)
    rc, out = run_for_text(host, TLS_PLAYBOOK, broken)
    assert rc != 0, out
    assert "restored" in out, out
    assert "private key does not match public key" in out, out
    assert answers(host), "the daemon does not answer after the rollback"
    assert dockerd_pid(host) != pid, "the restart did not happen"
    after = {path: sha256(host, path) for path in files}
    assert after[CONF] == before[CONF], "daemon.json changed"
    assert after[DROPIN] == before[DROPIN], "the drop-in changed"
    # The daemon came back with the certificate and key it ran with before.
    assert after == before
    assert host.socket("tcp://0.0.0.0:2376").is_listening

    # The next run without the fault installs the new certificate and restarts.
    rc, out = run_for_text(host, TLS_PLAYBOOK, dict(tls_vars, tls_extra_sans=["DNS:rollback.hd.test"]))
    assert rc == 0, out
    assert answers(host)
    assert "rollback.hd.test" in host.check_output(
        "python3 -c 'import sys; from cryptography import x509; "
        "c = x509.load_pem_x509_certificate(open(sys.argv[1], \"rb\").read()); "
        "print(c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)' %s/server-cert.pem", TLS_DIR)
