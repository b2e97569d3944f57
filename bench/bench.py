#!/usr/bin/env python
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
import resource
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
AUDIT_PLAYBOOK = os.path.join(ROOT, "playbooks", "audit-docker.yml")
KEY_TYPES = [("ecdsa", 256), ("ecdsa", 384), ("ed25519", None), ("rsa", 2048), ("rsa", 3072), ("rsa", 4096)]
TARGETS = {"second_run_max_s": 15, "first_converge_over_floor_max_s": 15, "fleet8_over_fleet1_max_ratio": 3.0,
           # a no-op re-run of the biggest fleet against one host's, and the side-by-side ratios (issue 17)
           "noop_fleet_over_noop1_max_ratio": 2.0, "sbs_noop_controller_cpu_max_ratio": 1.0,
           "sbs_noop_controller_cpu_stretch_ratio": 0.6, "sbs_noop_wall_max_ratio": 0.6}


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def machine_busy_seconds():
    """CPU seconds spent by the whole machine (all cores, test hosts included) since boot."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd, env=None, check=True):
    """Run cmd; return (proc, wall seconds, cpu) where cpu has the controller's share
    (cmd and its descendants: ansible workers, docker CLI) and the machine's total."""
    busy, own, start = machine_busy_seconds(), children_cpu_seconds(), time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, check=False)
    elapsed = time.monotonic() - start
    cpu = {"controller_s": round(children_cpu_seconds() - own, 1), "machine_s": round(machine_busy_seconds() - busy, 1)}
    if check and proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("command failed (%d): %s" % (proc.returncode, " ".join(cmd)))
    return proc, elapsed, cpu


def hosts_up(names):
    procs = [subprocess.Popen([TESTHOST, "up", name]) for name in names]
    if any(p.wait() != 0 for p in procs):
        raise SystemExit("could not start the test hosts %s" % ", ".join(names))


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
    proc, elapsed, cpu = run(cmd, env=ansible_env())
    recap = {}
    for host, counts in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", proc.stdout, re.M):
        recap[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
    tasks = [(name.strip(), float(secs)) for name, secs in
             re.findall(r"^(.+?) -{3,}\s*(\d+\.\d+)s$", proc.stdout, re.M)]
    return {"seconds": round(elapsed, 1), "cpu": cpu, "recap": recap, "slowest_tasks": tasks[:10]}


def audit(workdir, names):
    """The read-only audit playbook on hosts that run Docker: wall time, controller CPU, tasks per host."""
    inventory = write_inventory(workdir, names)
    cmd = ["ansible-playbook", "-i", inventory, AUDIT_PLAYBOOK, "--forks", str(max(5, len(names))),
           "-e", json.dumps({"audit_report_dir": os.path.join(workdir, "audit"), "audit_console": False})]
    env = ansible_env()
    env.pop("ANSIBLE_CALLBACKS_ENABLED")
    proc, elapsed, cpu = run(cmd, env=env)
    recap = [{k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
             for _host, counts in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", proc.stdout, re.M)]
    with open(os.path.join(workdir, "audit", "fleet.json")) as handle:
        statuses = sorted(set(h["status"] for h in json.load(handle)["hosts"]))
    return {"seconds": round(elapsed, 1), "cpu": cpu, "hosts": len(names), "statuses": statuses,
            "controller_s_per_host": round(cpu["controller_s"] / len(names), 2),
            "tasks_per_host": max(r.get("ok", 0) + r.get("changed", 0) for r in recap) if recap else 0}


def audit_only(sizes):
    """The audit on n hosts that only have docker.io (installed as in the floor), for each n."""
    results = {}
    names = ["hd-bench-audit-%d" % i for i in range(max(sizes))]
    workdir = tempfile.mkdtemp(prefix="hd-bench-audit-")
    hosts_up(names)
    try:
        run(["sh", "-c", " & ".join("docker exec %s sh -c '%s' >/dev/null 2>&1" % (name, FLOOR_SCRIPT)
                                    for name in names) + " & wait"])
        audit(workdir, names[:1])  # warm-up: Python byte-code caches on the controller and the hosts
        for n in sizes:
            results[str(n)] = audit(workdir, names[:n])
            log("audit of %d host(s): %.1f s, controller CPU %.1f s" % (n, results[str(n)]["seconds"],
                                                                        results[str(n)]["cpu"]["controller_s"]))
    finally:
        hosts_down(names)
        shutil.rmtree(workdir, ignore_errors=True)
    return results


FLOOR_SCRIPT = ("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io"
                " && systemctl enable --now docker.service && docker version")


def floor(n):
    """`apt-get install docker.io` and a service start alone, on n fresh hosts at once."""
    names = ["hd-bench-floor-%d" % i for i in range(n)]
    hosts_up(names)
    try:
        cmd = ["sh", "-c", " & ".join("docker exec %s sh -c '%s' >/dev/null 2>&1" % (name, FLOOR_SCRIPT)
                                      for name in names) + " & wait"]
        _output, elapsed, cpu = run(cmd)
        for name in names:  # every host must have ended up with a running engine
            run(["docker", "exec", name, "docker", "version"])
    finally:
        hosts_down(names)
    return {"seconds": round(elapsed, 1), "cpu": cpu}


def certificate_issuance(rounds):
    sys.path.insert(0, os.path.join(ROOT, ".cache", "collections"))
    from ansible_collections.hardened.docker.plugins.module_utils._tls import flow, options

    def issue(params):
        base = {"owner": None, "group": None, "mode": None, "force": False, "digest": "auto",
                "privatekey_passphrase": None, "ca_privatekey_passphrase": None, "organization": None,
                "renew_before_days": 30, "valid_days": None, "privatekey_mode": "0400", "key_size": None,
                "key_type": None, "subject_alt_names": None, "common_name": None, "ca_path": None,
                "ca_privatekey_path": None, "csr_path": None, "privatekey_path": None}
        base.update(params)
        flow.run(options.spec_from_params(base))

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


ANCHOR_ROLE = "geerlingguy.docker"
# What the reference role needs to install Debian's docker.io and stay idempotent (../shared/anchors/README.md);
# docker_obsolete_packages must be an extra var: role vars outrank play vars.
ANCHOR_VARS = {"docker_add_repo": False, "docker_packages": ["docker.io"], "docker_install_compose_plugin": False}
ANCHOR_EXTRA = {"docker_obsolete_packages": []}


def find_anchor_role():
    """The directory of geerlingguy.docker on ANSIBLE_ROLES_PATH, or None."""
    for directory in (os.environ.get("ANSIBLE_ROLES_PATH") or "").split(os.pathsep):
        if directory and os.path.isdir(os.path.join(directory, ANCHOR_ROLE, "tasks")):
            return directory
    return None


def playbook_run(workdir, names, playbook, extra=None):
    """One ansible-playbook run: wall time, controller CPU and the recap of the first host."""
    inventory = write_inventory(workdir, names)
    cmd = ["ansible-playbook", "-i", inventory, playbook, "--forks", str(max(5, len(names)))]
    if extra:
        cmd += ["-e", json.dumps(extra)]
    env = ansible_env()
    env.pop("ANSIBLE_CALLBACKS_ENABLED")
    proc, elapsed, cpu = run(cmd, env=env)
    recaps = [{k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
              for _host, counts in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", proc.stdout, re.M)]
    recap = recaps[0] if recaps else {}
    return {"seconds": elapsed, "controller_s": cpu["controller_s"], "recap": recap,
            "task_results": recap.get("ok", 0) + recap.get("changed", 0) + recap.get("skipped", 0)}


def side_by_side(rounds):
    """harden-docker.yml and geerlingguy.docker, each on its own fresh host: a first converge, a warm-up re-run,
    then `rounds` alternating no-op re-runs. Medians and ratios from this one run; None without the role."""
    roles_dir = find_anchor_role()
    if roles_dir is None:
        log("side by side: %s is not on ANSIBLE_ROLES_PATH; comparison skipped" % ANCHOR_ROLE)
        return None
    names = {"harden": "hd-bench-sbs-harden", "anchor": "hd-bench-sbs-anchor"}
    workdir = tempfile.mkdtemp(prefix="hd-bench-sbs-")
    anchor_playbook = os.path.join(workdir, "anchor.yml")
    with open(anchor_playbook, "w") as handle:
        json.dump([{"name": "geerlingguy.docker", "hosts": "all", "gather_facts": True,
                    "roles": [{"role": ANCHOR_ROLE, "vars": ANCHOR_VARS}]}], handle)
    runs = {"harden": lambda: playbook_run(workdir, [names["harden"]], PLAYBOOK),
            "anchor": lambda: playbook_run(workdir, [names["anchor"]], anchor_playbook, ANCHOR_EXTRA)}
    samples = {"harden": [], "anchor": []}
    first = {}
    try:
        hosts_up(list(names.values()))
        for key in ("harden", "anchor"):
            log("side by side: first converge, %s" % key)
            first[key] = runs[key]()
            log("side by side: warm-up re-run, %s" % key)
            runs[key]()
        for i in range(rounds):
            for key in (("harden", "anchor") if i % 2 == 0 else ("anchor", "harden")):
                samples[key].append(runs[key]())
        log("side by side: %d alternating re-runs each" % rounds)
    finally:
        hosts_down(list(names.values()))
        shutil.rmtree(workdir, ignore_errors=True)

    def summary(key):
        runs_ = samples[key]
        return {"first_converge_s": round(first[key]["seconds"], 1),
                "noop_wall_s": round(statistics.median(r["seconds"] for r in runs_), 2),
                "noop_controller_s": round(statistics.median(r["controller_s"] for r in runs_), 2),
                "task_results": runs_[-1]["task_results"], "recap": runs_[-1]["recap"],
                "changed": max(r["recap"].get("changed", 0) for r in runs_)}
    result = {"rounds": rounds, "anchor_vars": ANCHOR_VARS, "anchor_extra_vars": ANCHOR_EXTRA,
              "harden": summary("harden"), "anchor": summary("anchor")}
    result["ratios"] = {
        "noop_wall": round(result["harden"]["noop_wall_s"] / result["anchor"]["noop_wall_s"], 2),
        "noop_controller_cpu": round(result["harden"]["noop_controller_s"] / result["anchor"]["noop_controller_s"], 2),
    }
    return result


def side_by_side_markdown(sbs):
    h, a, r = sbs["harden"], sbs["anchor"], sbs["ratios"]

    def recap(x):
        return "%d (%d ok, %d skipped), changed=%d" % (
            x["task_results"], x["recap"].get("ok", 0), x["recap"].get("skipped", 0), x["changed"])
    return "\n".join([
        "No-op re-run of one converged Debian 12 host, medians of %d alternating runs after a warm-up:" % sbs["rounds"],
        "",
        "| | harden-docker.yml | geerlingguy.docker (docker.io) | ratio | target |",
        "| --- | --- | --- | --- | --- |",
        "| task results | %s | %s | | changed=0 |" % (recap(h), recap(a)),
        "| wall time | %.2f s | %.2f s | %.2f | <= %.1f: %s |" % (
            h["noop_wall_s"], a["noop_wall_s"], r["noop_wall"], TARGETS["sbs_noop_wall_max_ratio"],
            verdict(r["noop_wall"] <= TARGETS["sbs_noop_wall_max_ratio"])),
        "| controller CPU (ansible-playbook and its children) | %.2f s | %.2f s | %.2f | <= %.1f (stretch %.1f): %s |" % (
            h["noop_controller_s"], a["noop_controller_s"], r["noop_controller_cpu"],
            TARGETS["sbs_noop_controller_cpu_max_ratio"], TARGETS["sbs_noop_controller_cpu_stretch_ratio"],
            verdict(r["noop_controller_cpu"] <= TARGETS["sbs_noop_controller_cpu_max_ratio"])),
        "| first converge | %.1f s | %.1f s | | |" % (h["first_converge_s"], a["first_converge_s"]),
    ]) + "\n"


def verdict(ok):
    return "met" if ok else "MISSED"


def markdown(data):
    f, t, met = data["figures"], data["targets"], data["targets_met"]
    cores = data["machine"]["cores"]
    floor1, conv1 = f["floor_s"]["1"], f["fleet_s"]["1"]
    lines = [
        "| measurement | result |", "| --- | --- |",
        "| floor: `apt-get install docker.io` + service start, one fresh Debian 12 host | %.1f s |" % floor1,
        "| first converge of harden-docker.yml, one fresh Debian 12 host | %.1f s (floor %+.1f s; target <= +%d s: %s) |" % (
            conv1, conv1 - floor1, t["first_converge_over_floor_max_s"], verdict(met["first_converge"])),
        "| second run: wall time, tasks, changed | %.1f s, %d tasks, changed=%d (target <= %d s and changed=0: %s) |" % (
            f["second_run_s"], f["second_run_tasks"], f["second_run_changed"], t["second_run_max_s"],
            verdict(met["second_run"])),
    ]
    for n, secs in sorted(f["fleet_s"].items(), key=lambda kv: int(kv[0])):
        lines.append("| fleet: %s fresh hosts at once (forks %s) | %.1f s (%.2fx one host) |" % (n, n, secs, secs / conv1))
    biggest = max(f["fleet_s"], key=int)
    if biggest != "1":
        lines.append("| %s hosts / 1 host, target <= %.1fx | %.2fx: %s |" % (
            biggest, t["fleet8_over_fleet1_max_ratio"], f["fleet_s"][biggest] / conv1, verdict(met["fleet"])))
        if biggest in f["floor_s"]:
            lines.append("| floor on %s hosts at once (docker.io alone, same test hosts) | %.1f s (%.2fx the floor on one) |" % (
                biggest, f["floor_s"][biggest], f["floor_s"][biggest] / floor1))
    nf = f.get("noop_fleet")
    if nf:
        lines.append(("| no-op re-run of the %d converged hosts (forks %d): wall time / controller CPU (per host), "
                      "target <= %.1fx one host's no-op | %.1f s (%.2fx one host's %.1f s) / %.1f s (%.2f s; "
                      "one host: %.1f s), changed=%d: %s |") % (
            nf["hosts"], nf["hosts"], t["noop_fleet_over_noop1_max_ratio"], nf["seconds"], nf["seconds"] / f["second_run_s"],
            f["second_run_s"], nf["cpu"]["controller_s"], nf["controller_s_per_host"],
            f["cpu_second_run"]["controller_s"], nf["changed"], verdict(met["noop_fleet"])))
    lines += [
        "| CPU time of one first converge: whole machine (test host included) / controller (ansible-playbook, workers, docker CLI) | %.1f s / %.1f s |" % (
            f["cpu_first_converge"]["machine_s"], f["cpu_first_converge"]["controller_s"]),
        "| CPU time of one second run: whole machine / controller | %.1f s / %.1f s |" % (
            f["cpu_second_run"]["machine_s"], f["cpu_second_run"]["controller_s"]),
    ]
    if biggest != "1":
        lines.append("| lower bound for %s hosts on this machine's %d cores (%s x one converge's CPU time / cores) | %.1f s (%.2fx one host) |" % (
            biggest, cores, biggest, int(biggest) * f["cpu_first_converge"]["machine_s"] / cores,
            int(biggest) * f["cpu_first_converge"]["machine_s"] / cores / conv1))
    for n, a in sorted(f.get("audit", {}).items(), key=lambda kv: int(kv[0])):
        lines.append("| audit-docker.yml on %s converged host(s): wall time / controller CPU (per host) / tasks per host | %.1f s / %.1f s (%.2f s) / %d |" % (
            n, a["seconds"], a["cpu"]["controller_s"], a["controller_s_per_host"], a["tasks_per_host"]))
    for label, ms in f["certificate_ms"].items():
        lines.append("| certificate issuance per host (key + CSR + signature), %s | %.1f ms |" % (label, ms))
    lines += ["", "Slowest tasks of the first converge (profile_tasks):", "", "| task | seconds |", "| --- | --- |"]
    for name, secs in f["slowest_tasks"]:
        lines.append("| %s | %.2f |" % (name.replace("|", "\\|"), secs))
    return "\n".join(lines) + "\n"


def compare(before_path, after_path):
    """A before/after table of two result files."""
    with open(before_path) as handle:
        before = json.load(handle)
    with open(after_path) as handle:
        after = json.load(handle)

    def rows(data):
        f = data["figures"]
        out = [("floor, 1 host", "%.1f s" % f["floor_s"]["1"]),
               ("first converge, 1 host", "%.1f s" % f["fleet_s"]["1"]),
               ("second run", "%.1f s, %d tasks, changed=%d" % (
                   f["second_run_s"], f["second_run_tasks"], f["second_run_changed"]))]
        for n in sorted(f["fleet_s"], key=int)[1:]:
            out.append(("fleet of %s" % n, "%.1f s (%.2fx)" % (f["fleet_s"][n], f["fleet_s"][n] / f["fleet_s"]["1"])))
        for n in sorted(f["floor_s"], key=int)[1:]:
            out.append(("floor on %s hosts" % n, "%.1f s (%.2fx)" % (f["floor_s"][n], f["floor_s"][n] / f["floor_s"]["1"])))
        out.append(("CPU of one first converge (machine / controller)", "%.1f s / %.1f s" % (
            f["cpu_first_converge"]["machine_s"], f["cpu_first_converge"]["controller_s"])))
        out.append(("CPU of one second run (machine / controller)", "%.1f s / %.1f s" % (
            f["cpu_second_run"]["machine_s"], f["cpu_second_run"]["controller_s"])))
        return out

    lines = ["| measurement | before (%s, %s) | after (%s, %s) |" % (
        before.get("commit", "?"), before["date"][:10], after.get("commit", "?"), after["date"][:10]),
        "| --- | --- | --- |"]
    after_rows = dict(rows(after))
    for name, value in rows(before):
        lines.append("| %s | %s | %s |" % (name, value, after_rows.get(name, "")))
    return "\n".join(lines) + "\n"


def git_commit():
    proc = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, universal_newlines=True, check=False)
    return proc.stdout.strip() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fleet", default="1,4,8", help="fleet sizes (default 1,4,8; 1 is always measured)")
    parser.add_argument("--cert-rounds", type=int, default=5)
    parser.add_argument("--audit-only", metavar="SIZES",
                        help="only time the audit playbook on this many docker.io hosts (e.g. 1,8) and exit")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="print a before/after table of two result files and exit")
    parser.add_argument("--rounds", type=int, default=5, help="alternating no-op re-runs per role side by side")
    parser.add_argument("--side-by-side-only", action="store_true",
                        help="only compare harden-docker.yml with geerlingguy.docker (when found), and exit")
    args = parser.parse_args()
    if args.compare:
        print(compare(*args.compare))
        return
    if args.side_by_side_only:
        os.makedirs(RESULTS, exist_ok=True)
        sbs = side_by_side(args.rounds)
        if sbs is not None:
            sbs.update(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                       commit=git_commit())
            with open(os.path.join(RESULTS, "side-by-side.json"), "w") as handle:
                json.dump(sbs, handle, indent=2)
            print(side_by_side_markdown(sbs))
        return
    if args.audit_only:
        print(json.dumps(audit_only(sorted(int(n) for n in args.audit_only.split(","))), indent=2))
        return
    os.makedirs(RESULTS, exist_ok=True)
    sizes = sorted(set([1] + [int(n) for n in args.fleet.split(",")]))

    floors = {}
    for n in sorted(set([1, sizes[-1]])):
        log("floor: docker.io alone on %d host(s) at once" % n)
        floors[str(n)] = floor(n)
        log("floor on %d: %.1f s" % (n, floors[str(n)]["seconds"]))

    fleet = {}
    audits = {}
    first = second = noop_fleet = None
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
            elif n == sizes[-1]:
                log("no-op re-run of the fleet of %d" % n)
                noop_fleet = converge(workdir, names)
                log("no-op re-run of %d hosts: %.1f s, controller CPU %.1f s" % (
                    n, noop_fleet["seconds"], noop_fleet["cpu"]["controller_s"]))
            if n in (1, sizes[-1]):
                audits[str(n)] = audit(workdir, names)
                log("audit of %d host(s): %.1f s" % (n, audits[str(n)]["seconds"]))
        finally:
            hosts_down(names)
            shutil.rmtree(workdir, ignore_errors=True)

    sbs = side_by_side(args.rounds)
    log("certificate issuance")
    certs = certificate_issuance(args.cert_rounds)
    recap2 = list(second["recap"].values())[0]
    figures = {
        "floor_s": dict((n, v["seconds"]) for n, v in floors.items()),
        "cpu_floor": dict((n, v["cpu"]) for n, v in floors.items()),
        "first_converge_s": first["seconds"],
        "cpu_first_converge": first["cpu"],
        "second_run_s": second["seconds"],
        "cpu_second_run": second["cpu"],
        "second_run_tasks": recap2.get("ok", 0) + recap2.get("changed", 0),
        "second_run_changed": recap2.get("changed", 0),
        "fleet_s": fleet,
        "certificate_ms": certs,
        "audit": audits,
        "slowest_tasks": first["slowest_tasks"],
    }
    if noop_fleet is not None:
        figures["noop_fleet"] = {
            "hosts": sizes[-1], "seconds": noop_fleet["seconds"], "cpu": noop_fleet["cpu"],
            "changed": max(r.get("changed", 0) for r in noop_fleet["recap"].values()),
            "controller_s_per_host": round(noop_fleet["cpu"]["controller_s"] / sizes[-1], 2)}
    biggest = str(sizes[-1])
    data = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cores": os.cpu_count()},
        "targets": TARGETS,
        "targets_met": {
            "second_run": figures["second_run_s"] <= TARGETS["second_run_max_s"] and figures["second_run_changed"] == 0,
            "first_converge": fleet["1"] - floors["1"]["seconds"] <= TARGETS["first_converge_over_floor_max_s"],
            "fleet": fleet[biggest] / fleet["1"] <= TARGETS["fleet8_over_fleet1_max_ratio"],
        },
        "figures": figures,
        "side_by_side": sbs,
    }
    if noop_fleet is not None:
        data["targets_met"]["noop_fleet"] = (
            figures["noop_fleet"]["seconds"] / figures["second_run_s"] <= TARGETS["noop_fleet_over_noop1_max_ratio"]
            and figures["noop_fleet"]["changed"] == 0)
    if sbs is not None:
        data["targets_met"]["sbs_noop_controller_cpu"] = (
            sbs["ratios"]["noop_controller_cpu"] <= TARGETS["sbs_noop_controller_cpu_max_ratio"])
        data["targets_met"]["sbs_noop_wall"] = sbs["ratios"]["noop_wall"] <= TARGETS["sbs_noop_wall_max_ratio"]
    for name in ("latest.json", "%s.json" % data["commit"]):
        with open(os.path.join(RESULTS, name), "w") as handle:
            json.dump(data, handle, indent=2)
    skipped = "Side by side: %s not found on ANSIBLE_ROLES_PATH; skipped.\n" % ANCHOR_ROLE
    table = markdown(data) + "\n" + (side_by_side_markdown(sbs) if sbs else skipped)
    with open(os.path.join(RESULTS, "latest.md"), "w") as handle:
        handle.write(table)
    print(table)


if __name__ == "__main__":
    main()
