"""Print, as JSON, what a brownfield Docker host looks like: dockerd, containers, images, volumes, files.

Read with the docker CLI and /proc only (nothing of the collection), so that prepare (before the
converge) and verify (after it) compare two readings of the same kind.
"""
import hashlib
import json
import os
import subprocess

FILES = ("/etc/docker/daemon.json", "/etc/systemd/system/docker.service.d/override.conf", "/etc/default/docker")


def docker(*args):
    return subprocess.run(("docker",) + args, check=True, capture_output=True, text=True).stdout


def start_time(pid):
    """The process's start time in seconds since the epoch (field 22 of /proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as handle:
        ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/stat") as handle:
        btime = next(int(line.split()[1]) for line in handle if line.startswith("btime "))
    return btime + ticks / os.sysconf("SC_CLK_TCK")


def dockerd():
    for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                args = [a.decode() for a in handle.read().split(b"\0") if a]
        except OSError:
            continue
        if args and os.path.basename(args[0]) == "dockerd":
            return {"pid": pid, "started": start_time(pid), "args": args[1:]}
    return {"pid": None, "started": None, "args": []}


def sha256(path):
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def main():
    ids = docker("ps", "--all", "--quiet", "--no-trunc").split()
    containers = {}
    for doc in json.loads(docker("inspect", *ids)) if ids else []:
        containers[doc["Name"].lstrip("/")] = {
            "id": doc["Id"], "image": doc["Config"]["Image"], "image_id": doc["Image"],
            "running": doc["State"]["Running"], "pid": doc["State"]["Pid"], "started_at": doc["State"]["StartedAt"],
            "restart_policy": doc["HostConfig"]["RestartPolicy"]["Name"],
            "volumes": sorted(m["Name"] for m in doc.get("Mounts") or [] if m.get("Type") == "volume"),
        }
    print(json.dumps({
        "dockerd": dockerd(),
        "containers": containers,
        "images": sorted(set(docker("images", "--all", "--quiet", "--no-trunc").split())),
        "tags": sorted(docker("images", "--format", "{{.Repository}}:{{.Tag}}").split()),
        "volumes": sorted(docker("volume", "ls", "--quiet").split()),
        "sha256": {path: sha256(path) for path in FILES},
    }, sort_keys=True))


main()
