"""A rolling run over the scenario's three converged hosts.

harden-docker.yml with harden_docker_serial=1: each batch converges before
the next starts, and (max_fail_percentage 0 in a rolling run) a host that
fails in its batch stops the roll: the hosts after it are not touched, and the
failing host names every host that did not converge (the summary play is
not reached when a roll stops). The failure is real: the
middle host is given an extra package that does not exist, so its apt
transaction fails in the apply play (the plan cannot know that).

Runs after test_harden.py and leaves the hosts as they were (the failed apt
transaction changes nothing).
"""

import datetime
import json
import os
import subprocess

import pytest

PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
PLAYBOOK = os.path.join(PROJECT, "playbooks", "harden-docker.yml")
ORDER = ("hd-harden-debian12", "hd-harden-debian13", "hd-harden-sysvinit")
FAILING = "hd-harden-debian13"
REPORTS = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "reports")


def _generated(name):
    """The `generated` time stamp of a host's report in the scenario's report directory."""
    with open(os.path.join(REPORTS, name + ".json")) as handle:
        return json.load(handle)["generated"]


@pytest.fixture(scope="session")
def rolling(tmp_path_factory):
    extra = tmp_path_factory.mktemp("hd-harden-rolling") / "failing.ini"
    # A second inventory source adds a variable to one host of the scenario's inventory.
    extra.write_text("[docker_hosts]\n%s engine_extra_packages='[\"hd-no-such-package\"]'\n" % FAILING)
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "-i", str(extra), PLAYBOOK,
           "-e", json.dumps({"harden_docker_serial": 1, "hardening_report_console": False})]
    before = {name: _generated(name) for name in ORDER}
    began = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env,
                          timeout=1200, check=False)
    start = 0 if proc.stdout.startswith("{") else proc.stdout.find("\n{") + 1
    result, _end = json.JSONDecoder().raw_decode(proc.stdout[start:])
    proc.reports = {"before": before, "began": began, "after": {name: _generated(name) for name in ORDER}}
    return proc, result


def _apply_batches(result):
    """The hosts of each batch of the apply play, in the order the batches ran."""
    return [sorted({h for task in play["tasks"] for h in task["hosts"]})
            for play in result["plays"] if play["play"]["name"] == "Install, configure and harden the Docker engine"]


def test_each_batch_converges_before_the_next_and_a_failure_stops_the_roll(host, rolling):
    proc, result = rolling
    assert proc.returncode != 0, proc.stdout[-3000:]
    batches = _apply_batches(result)
    # One host per batch, in inventory order; the roll stopped in the failing host's batch.
    assert batches == [[ORDER[0]], [ORDER[1]]], batches
    stats = result["stats"]
    assert stats[ORDER[0]]["failures"] == 0 and stats[ORDER[0]]["changed"] == 0, stats
    assert stats[FAILING]["failures"] > 0, stats
    # The stopped roll never reaches the summary play: the failing host names the hosts in its rescue.
    named = [task["hosts"][FAILING]["msg"] for play in result["plays"] for task in play["tasks"]
             if task["task"]["name"] == "Name the hosts that did not converge, because the rolling run stops here"
             and FAILING in task["hosts"] and "msg" in task["hosts"][FAILING]]
    assert len(named) == 1, named
    message = " ".join(named[0].split())
    assert message.startswith(FAILING + " failed (Install the Docker engine"), message
    assert message.endswith("the rolling run stops. converged: %s; did not converge (failed or unreachable): %s, %s"
                            % (ORDER[0], ORDER[1], ORDER[2])), message
    # The host after the failing batch was not touched by the apply play, and every daemon answers.
    assert host.run("docker version --format '{{.Server.Version}}'").rc == 0


def test_a_stopped_roll_keeps_the_reports_of_the_hosts_it_converged(host, rolling):
    """A rolling run never reaches the summary play when it stops, so each host writes its own report there
    (hardening_report_write); a run that is not rolling leaves that to the summary play."""
    proc, _result = rolling
    reports = proc.reports
    # The host converged in the first batch has a report of this run...
    assert reports["after"][ORDER[0]] >= reports["began"], reports
    # ...the hosts the roll never finished keep the report of the run before (test_harden.py's).
    for name in ORDER[1:]:
        assert reports["after"][name] == reports["before"][name], (name, reports)
