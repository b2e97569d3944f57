"""Run a real playbook from a testinfra test against the scenario's host.

Shared by the scenarios whose tests run the roles again with other variables
(fault cases, refusals, reissues, check mode). Not a test module itself; test
files put this directory on sys.path and import it.
"""

import json
import os
import subprocess


def run_playbook(host, playbook, *extra_vars, options=(), callback=None):
    """ansible-playbook against MOLECULE_INVENTORY_FILE, limited to ``host``.

    Each dict in ``extra_vars`` is one ``-e`` (later ones win). Returns the
    CompletedProcess; without ``callback`` stderr is folded into stdout.
    """
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    if callback:
        env["ANSIBLE_STDOUT_CALLBACK"] = callback
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "--limit", host.backend.get_hostname(),
           playbook] + list(options)
    for extra in extra_vars:
        cmd += ["-e", json.dumps(extra)]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE if callback else subprocess.STDOUT,
                          universal_newlines=True, env=env, check=False)


def run_for_text(host, playbook, *extra_vars, options=()):
    """(rc, the whole output with whitespace squashed to single blanks, for `in` checks)."""
    proc = run_playbook(host, playbook, *extra_vars, options=options)
    return proc.returncode, " ".join(proc.stdout.split())


def run_for_changed(host, playbook, *extra_vars, options=()):
    """Run, require success, and return the names of the tasks that reported changed."""
    proc = run_playbook(host, playbook, *extra_vars, options=options, callback="ansible.posix.json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # Warnings may precede the callback's JSON document, other callbacks'
    # output may follow it.
    start = 0 if proc.stdout.startswith("{") else proc.stdout.find("\n{") + 1
    result, _end = json.JSONDecoder().raw_decode(proc.stdout[start:])
    return [task["task"]["name"] for play in result["plays"] for task in play["tasks"]
            if any(r.get("changed") for r in task["hosts"].values())]
