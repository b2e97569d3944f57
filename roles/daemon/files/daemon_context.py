#!/usr/bin/python3
"""Print, as JSON, what the daemon role needs to know about a Docker host.

Read-only: the engine version, the packaged unit's ExecStart, DOCKER_OPTS
(or OPTIONS) from the environment file, and what the running daemon reports.
The role runs it with the host's Python reading it on stdin (one remote call,
no file transfer); the arguments are the environment file, its variable and
the role's drop-in.
"""
import json
import os
import shutil
import subprocess
import sys


def run(argv):
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def unit_exec_start():
    """ExecStart of the packaged docker.service (not of our drop-ins)."""
    if not shutil.which("systemctl"):
        return None
    fragment = run(["systemctl", "show", "-p", "FragmentPath", "--value", "docker.service"])
    if not fragment or not os.path.exists(fragment):
        return None
    with open(fragment) as unit:
        lines = [line.strip() for line in unit if line.strip().startswith("ExecStart=")]
    values = [line.split("=", 1)[1] for line in lines if line.split("=", 1)[1]]
    return values[-1] if values else None


def env_opts(path, variable):
    if not os.path.exists(path):
        return None
    return run(["sh", "-c", '. "$0" >/dev/null 2>&1; printf "%s" "$' + variable + '"', path])


def file_state(path):
    """Content and owner/mode of a small text file, or None when absent."""
    try:
        with open(path) as handle:
            content = handle.read()
        st = os.stat(path)
    except OSError:
        return {"content": None, "mode": None}
    return {"content": content, "mode": "%o:%d:%d" % (st.st_mode & 0o7777, st.st_uid, st.st_gid)}


def main():
    env_file, variable, dropin = sys.argv[1], sys.argv[2], sys.argv[3]
    dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
    version = run([dockerd, "--version"]) if os.path.exists(dockerd) else None
    info = run(["docker", "info", "--format", "{{json .}}"])
    images = run(["docker", "images", "--all", "--quiet", "--no-trunc"])
    print(json.dumps({
        "dockerd_version": version,
        "exec_start": unit_exec_start(),
        "docker_opts": env_opts(env_file, variable),
        "info": json.loads(info) if info else None,
        "image_ids": sorted(set(images.split())) if images else [],
        "dropin": file_state(dropin),
        "socket_unit": bool(shutil.which("systemctl")) and run(
            ["systemctl", "show", "-p", "LoadState", "--value", "docker.socket"]) == "loaded",
    }))


if __name__ == "__main__":
    main()
