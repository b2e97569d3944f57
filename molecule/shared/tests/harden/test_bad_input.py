"""The variables added by the last stops, given values of the wrong type, are refused by harden-docker.yml's plan
before anything on the host changes: hardening_report_write (the hardening role's `settings` entry point) and
engine_allow_switch_stop (the engine role's `check`). One run on the converged Debian 12 host; its daemon.json,
its dockerd and the report directory must be as they were."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

HOST = "hd-harden-debian12"

PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
PLAYBOOK = os.path.join(PROJECT, "playbooks", "harden-docker.yml")
REPORT = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "reports", "hd-harden-debian12.json")


def _state(host):
    with open(REPORT, "rb") as handle:
        report = handle.read()
    return (host.run("sha256sum /etc/docker/daemon.json").stdout.split()[0],
            host.run("pidof dockerd").stdout.strip(), report)


def test_wrong_types_are_refused_before_any_change(host):
    if host.backend.get_hostname() != HOST:
        pytest.skip("one run, on %s" % HOST)
    before = _state(host)
    rc, text = run_for_text(host, PLAYBOOK, {"hardening_report_write": "maybe", "engine_allow_switch_stop": "perhaps"})
    assert rc != 0, text[-3000:]
    assert "Nothing was changed on any host." in text, text[-3000:]
    assert "hardening: " in text and "hardening_report_write" in text, text[-3000:]
    assert "engine: " in text and "engine_allow_switch_stop" in text, text[-3000:]
    assert _state(host) == before
