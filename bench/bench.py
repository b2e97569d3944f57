#!/usr/bin/env python3
"""What a converge and a re-run of harden-docker.yml cost, per host and across a fleet.

Runs on the test harness (disposable Debian 12 systemd test hosts) and writes
bench/results/latest.json and latest.md. All figures come from one run, so
they compare as ratios. Usage: bench/run.sh (or `make bench`).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
TESTHOST = os.path.join(ROOT, "tests", "harness", "testhost.sh")
PLAYBOOK = os.path.join(ROOT, "playbooks", "harden-docker.yml")
KEY_TYPES = [("ecdsa", 256), ("ecdsa", 384), ("ed25519", None), ("rsa", 2048), ("rsa", 3072), ("rsa", 4096)]
TARGETS = {"second_run_max_s": 15, "first_converge_over_floor_max_s": 60, "fleet8_over_fleet1_max_ratio": 3.0}


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run(cmd, env=None, check=True):
    start = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env)
    elapsed = time.monotonic() - start
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("command failed (%d): %s" % (proc.returncode, " ".join(cmd)))
    return proc, elapsed


def hosts_up(names):
    for name in names:
        run([TESTHOST, "up", name])


def hosts_down(names):
    run([TESTHOST, "down"] + list(names), check=False)


def ansible_env():
    env = dict(os.environ)
    env["PATH"] = os.path.join(ROOT, ".venv", "bin") + os.pathsep + env["PATH"]
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(ROOT, ".cache", "collections")
    env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["PROFILE_TASKS_TASK_OUTPUT_LIMIT"] = "all"
    return env


def write_inventory(workdir, names):
    inventory = os.path.join(workdir, "inventory.yml")
    data = {
        "docker_hosts": {
            "hosts": {name: {"ansible_connection": "community.docker.docker"} for name in names},
            "vars": {
                "ansible_pipelining": True,
                "tls_ca_dir": os.path.join(workdir, "ca"),
                "tls_client_dir": os.path.join(workdir, "clients"),
                "hardening_report_dir": os.path.join(workdir, "reports"),
            },
        }
    }
    with open(inventory, "w") as handle:
        json.dump(data, handle)
    return inventory


def converge(workdir, names):
    inventory = write_inventory(workdir, names)
    cmd = ["ansible-playbook", "-i", inventory, PLAYBOOK, "--forks", str(max(5, len(names)))]
    proc, elapsed = run(cmd, env=ansible_env())
    recap = {}
    for host, counts in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", proc.stdout, re.M):
        recap[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
    tasks = [(name.strip(), float(secs)) for name, secs in
             re.findall(r"^(.+?) -{3,}\s*(\d+\.\d+)s$", proc.stdout, re.M)]
    return {"seconds": round(elapsed, 1), "recap": recap, "slowest_tasks": tasks[:10]}


def floor():
    name = "hd-bench-floor"
    hosts_up([name])
    try:
        _, elapsed = run(["docker", "exec", name, "sh", "-c",
                          "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io"
                          " && systemctl enable --now docker.service && docker version"])
    finally:
        hosts_down([name])
    return round(elapsed, 1)


def certificate_issuance(rounds):
    sys.path.insert(0, os.path.join(ROOT, ".cache", "collections"))
    from ansible_collections.hardened.docker.plugins.module_utils import tls

    def issue(params):
        base = {"owner": None, "group": None, "mode": None, "force": False, "digest": "auto",
                "privatekey_passphrase": None, "ca_privatekey_passphrase": None, "organization": None,
                "renew_before_days": 30, "valid_days": None, "privatekey_mode": "0400", "key_size": None,
                "key_type": None, "subject_alt_names": None, "common_name": None, "ca_path": None,
                "ca_privatekey_path": None, "csr_path": None, "privatekey_path": None}
        base.update(params)
        tls.run(tls.spec_from_params(base))

    results = {}
    workdir = tempfile.mkdtemp(prefix="hd-bench-tls-")
    try:
        issue({"kind": "ca", "path": workdir + "/ca.pem", "privatekey_path": workdir + "/ca-key.pem",
               "common_name": "bench CA"})
        for key_type, size in KEY_TYPES:
            label = key_type + (" %d" % size if size else "")
            times = []
            for i in range(rounds if not (key_type == "rsa" and size == 4096) else max(1, rounds // 2)):
                host = "%s/%s-%d" % (workdir, key_type, i)
                start = time.monotonic()
                issue({"kind": "csr", "path": host + ".csr", "privatekey_path": host + "-key.pem",
                       "common_name": "host", "subject_alt_names": ["DNS:host", "IP:192.0.2.1"],
                       "key_type": key_type, "key_size": size})
                issue({"kind": "server", "path": host + "-cert.pem", "csr_path": host + ".csr",
                       "ca_path": workdir + "/ca.pem", "ca_privatekey_path": workdir + "/ca-key.pem"})
                times.append(time.monotonic() - start)
            results[label] = round(statistics.median(times) * 1000, 1)
    finally:
        shutil.rmtree(workdir)
    return results


def markdown(data):
    f = data["figures"]
    lines = [
        "| measurement | result |", "| --- | --- |",
        "| floor: `apt-get install docker.io` + service start, fresh Debian 12 host | %.1f s |" % f["floor_s"],
        "| first converge of harden-docker.yml, fresh Debian 12 host | %.1f s (%+.1f s over the floor; target <= +%d s: %s) |" % (
            f["first_converge_s"], f["first_converge_s"] - f["floor_s"], TARGETS["first_converge_over_floor_max_s"],
            "met" if data["targets_met"]["first_converge"] else "MISSED"),
        "| second run: wall time, tasks, changed | %.1f s, %d tasks, changed=%d (target <= %d s, changed=0: %s) |" % (
            f["second_run_s"], f["second_run_tasks"], f["second_run_changed"], TARGETS["second_run_max_s"],
            "met" if data["targets_met"]["second_run"] else "MISSED"),
    ]
    for n, secs in sorted(f["fleet_s"].items(), key=lambda kv: int(kv[0])):
        lines.append("| fleet: %s fresh hosts at once (forks %s) | %.1f s (%.2fx one host) |" % (
            n, n, secs, secs / f["fleet_s"]["1"]))
    lines.append("| 8 hosts / 1 host target <= %.1fx | %s |" % (
        TARGETS["fleet8_over_fleet1_max_ratio"], "met" if data["targets_met"]["fleet"] else "MISSED"))
    for label, ms in f["certificate_ms"].items():
        lines.append("| certificate issuance per host (key + CSR + signature), %s | %.1f ms |" % (label, ms))
    lines += ["", "Slowest tasks of the first converge (profile_tasks):", "", "| task | seconds |", "| --- | --- |"]
    for name, secs in f["slowest_tasks"]:
        lines.append("| %s | %.2f |" % (name.replace("|", "\\|"), secs))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fleet", default="1,4,8", help="fleet sizes (default 1,4,8)")
    parser.add_argument("--cert-rounds", type=int, default=5)
    args = parser.parse_args()
    os.makedirs(RESULTS, exist_ok=True)
    sizes = [int(n) for n in args.fleet.split(",")]

    log("floor: docker.io alone")
    floor_s = floor()
    log("floor %.1f s" % floor_s)

    fleet = {}
    first = second = None
    for n in sizes:
        names = ["hd-bench-%d-%d" % (n, i) for i in range(n)]
        workdir = tempfile.mkdtemp(prefix="hd-bench-")
        try:
            hosts_up(names)
            log("fleet of %d: converge" % n)
            result = converge(workdir, names)
            fleet[str(n)] = result["seconds"]
            log("fleet of %d: %.1f s" % (n, result["seconds"]))
            if n == 1:
                first = result
                log("second run on one host")
                second = converge(workdir, names)
                log("second run %.1f s" % second["seconds"])
        finally:
            hosts_down(names)
            shutil.rmtree(workdir, ignore_errors=True)

    log("certificate issuance")
    certs = certificate_issuance(args.cert_rounds)
    recap2 = list(second["recap"].values())[0]
    figures = {
        "floor_s": floor_s,
        "first_converge_s": first["seconds"],
        "second_run_s": second["seconds"],
        "second_run_tasks": recap2.get("ok", 0) + recap2.get("changed", 0),
        "second_run_changed": recap2.get("changed", 0),
        "fleet_s": fleet,
        "certificate_ms": certs,
        "slowest_tasks": first["slowest_tasks"],
    }
    data = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count()},
        "targets": TARGETS,
        "targets_met": {
            "second_run": figures["second_run_s"] <= TARGETS["second_run_max_s"] and figures["second_run_changed"] == 0,
            "first_converge": figures["first_converge_s"] - floor_s <= TARGETS["first_converge_over_floor_max_s"],
            "fleet": "8" not in fleet or fleet["8"] / fleet["1"] <= TARGETS["fleet8_over_fleet1_max_ratio"],
        },
        "figures": figures,
    }
    with open(os.path.join(RESULTS, "latest.json"), "w") as handle:
        json.dump(data, handle, indent=2)
    table = markdown(data)
    with open(os.path.join(RESULTS, "latest.md"), "w") as handle:
        handle.write(table)
    print(table)


if __name__ == "__main__":
    main()
