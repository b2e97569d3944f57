"""What a Docker host shows for the CIS Docker Benchmark items, read with testinfra alone.

Shared by the scenarios that check a CIS report against the host (the audit
scenario; the harden scenario takes its item tables from here). Not a
test module itself: test files put this directory on sys.path and import it.
Nothing here uses the collection's code: every reading is a plain command on
the host (getent, stat, readlink, findmnt, systemctl, the rules files,
daemon.json, dockerd's command line, docker info / inspect).
"""

import json
import os
import re

RULES_D = "/etc/audit/rules.d/hardened-docker.rules"
COMPILED = "/etc/audit/audit.rules"
DEFAULT_DATA_ROOT = "/var/lib/docker"
DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
# The section 5 items judged per running container (docker-bench-security's numbers).
CONTAINER_ITEMS = ("5.4", "5.5", "5.9", "5.10", "5.11", "5.12", "5.13", "5.15", "5.16", "5.21", "5.25", "5.26",
                   "5.31")


def load_json(path):
    """A JSON file the run wrote on the controller (a report, a recorded state)."""
    with open(path) as handle:
        return json.load(handle)


# 1.1.3-1.1.18: (item, how the file is found, name)
AUDIT = [
    ("1.1.3", "bin", "dockerd"),
    ("1.1.4", "containerd_dir", None),
    ("1.1.5", "data_root", None),
    ("1.1.6", "path", "/etc/docker"),
    ("1.1.7", "unit", "docker.service"),
    ("1.1.8", "containerd_sock", None),
    ("1.1.9", "unit", "docker.socket"),
    ("1.1.10", "path", "/etc/default/docker"),
    ("1.1.11", "path", "/etc/docker/daemon.json"),
    ("1.1.12", "path", "/etc/containerd/config.toml"),
    ("1.1.13", "path", "/etc/sysconfig/docker"),
    ("1.1.14", "bin", "containerd"),
    ("1.1.15", "bin", "containerd-shim"),
    ("1.1.16", "bin", "containerd-shim-runc-v1"),
    ("1.1.17", "bin", "containerd-shim-runc-v2"),
    ("1.1.18", "bin", "runc"),
]
# Section 3: (owner item, mode item, path or how to find it, owner, group, widest mode)
FILES = [
    ("3.1", "3.2", "unit:docker.service", "root", "root", 0o644),
    ("3.3", "3.4", "unit:docker.socket", "root", "root", 0o644),
    ("3.5", "3.6", "/etc/docker", "root", "root", 0o755),
    ("3.7", "3.8", "registry_certs", "root", "root", 0o444),
    ("3.9", "3.10", "tls:tlscacert", "root", "root", 0o444),
    ("3.11", "3.12", "tls:tlscert", "root", "root", 0o444),
    ("3.13", "3.14", "tls:tlskey", "root", "root", 0o400),
    ("3.15", "3.16", "/var/run/docker.sock", "root", "docker", 0o660),
    ("3.17", "3.18", "/etc/docker/daemon.json", "root", "root", 0o644),
    ("3.19", "3.22", "/etc/default/docker", "root", "root", 0o644),
    ("3.21", "3.20", "/etc/sysconfig/docker", "root", "root", 0o644),
    ("3.23", "3.24", "containerd_sock", "root", "root", 0o660),
]

# dockerd flags -> daemon.json keys (the ones the CIS items read).
_FLAG_KEYS = {
    "-H": "hosts", "--host": "hosts", "-l": "log-level", "--log-level": "log-level", "--icc": "icc",
    "--iptables": "iptables", "--userland-proxy": "userland-proxy", "--no-new-privileges": "no-new-privileges",
    "--live-restore": "live-restore", "--insecure-registry": "insecure-registries",
    "--default-ulimit": "default-ulimits", "--cgroup-parent": "cgroup-parent",
    "--authorization-plugin": "authorization-plugins", "--tlsverify": "tlsverify", "--tls": "tls",
    "--tlscacert": "tlscacert", "--tlscert": "tlscert", "--tlskey": "tlskey", "--userns-remap": "userns-remap",
    "--log-driver": "log-driver", "--log-opt": "log-opts", "-s": "storage-driver", "--storage-driver": "storage-driver",
    "--storage-opt": "storage-opts", "--data-root": "data-root", "--experimental": "experimental",
}
_BOOL_KEYS = {"icc", "iptables", "userland-proxy", "no-new-privileges", "live-restore", "tlsverify", "tls",
              "experimental"}
_LIST_KEYS = {"hosts", "insecure-registries", "authorization-plugins", "storage-opts", "default-ulimits"}


def _bool(text):
    return str(text).strip().lower() in ("1", "t", "true", "yes", "on")


def parse_dockerd_args(args):
    """{daemon.json key: value} for the flags of dockerd's argv (argv[0] excluded) that the CIS items read."""
    settings = {}
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("-"):
            continue
        name, equals, value = arg.partition("=")
        key = _FLAG_KEYS.get(name)
        if key in _BOOL_KEYS:
            settings[key] = _bool(value) if equals else True
            continue
        if not equals:
            if index >= len(args):
                break
            value = args[index]
            index += 1
        if key is None:
            continue
        if key in _LIST_KEYS:
            settings.setdefault(key, []).append(value)
        elif key == "log-opts":
            opt, _sep, opt_value = value.partition("=")
            settings.setdefault(key, {})[opt] = opt_value
        else:
            settings[key] = value
    return settings


def watched(text, path):
    """Whether an audit rules text (auditctl -l or a rules file) has a watch on ``path``."""
    pattern = r"(^|\s)(-w\s+%s/?(\s|$)|-F\s+(path|dir)=%s/?(\s|$))" % (re.escape(path), re.escape(path))
    return any(re.search(pattern, line) for line in text.splitlines() if not line.lstrip().startswith("#"))


class Observed:
    """One host's readings, each taken once."""

    def __init__(self, host):
        self.host = host
        self._binaries = None
        self._units = {}
        self._stats = {}
        self.name = host.backend.get_hostname()
        self.systemd = host.file("/run/systemd/system").is_directory
        self.docker_cli = host.exists("docker")
        self.info = self._docker_info()
        self.daemon_json_exists = host.file("/etc/docker/daemon.json").exists
        self.daemon_json = json.loads(host.file("/etc/docker/daemon.json").content_string) if self.daemon_json_exists else {}
        self.dockerd_args = self._dockerd_args()
        self.flags = parse_dockerd_args(self.dockerd_args)
        self.cfg = dict(self.daemon_json)
        self.cfg.update(self.flags)
        self.bridge = self._bridge_options()
        self.containers = self._containers()
        self.group_exists, self.group_members = self._group()
        self.audit_source, self.audit_text = self._audit()
        self.data_root = (self.info or {}).get("DockerRootDir") or self.cfg.get("data-root") or DEFAULT_DATA_ROOT
        # userns-remap: DockerRootDir is <data-root>/<uid>.<gid>; 1.1.5 watches <data-root>, which holds it.
        remapped = any(o.startswith("name=userns") for o in (self.info or {}).get("SecurityOptions") or [])
        self.configured_data_root = (os.path.dirname(self.data_root)
                                     if remapped and re.search(r"/\d+\.\d+$", self.data_root) else self.data_root)
        # Every fixed path the items name, read at once (the lookups below hit this cache).
        self.stat(*([n for _i, kind, n in AUDIT if kind == "path"]
                    + [spec for _o, _m, spec, _u, _g, _w in FILES if spec.startswith("/")]
                    + [self.cfg[k] for k in ("tlscacert", "tlscert", "tlskey") if self.cfg.get(k)]
                    + [self.data_root, self.configured_data_root, "/run/containerd", "/run/containerd/containerd.sock",
                       "/run/docker/containerd/containerd.sock"]))
        socks = self.stat("/run/containerd/containerd.sock", "/run/docker/containerd/containerd.sock")
        self.containerd_sock = next((p for p, state in socks.items() if state), None)

    # -- readings ----------------------------------------------------------
    def _docker_info(self):
        if not self.docker_cli:
            return None
        out = self.host.run("docker info --format '{{json .}}'")
        if out.rc != 0:
            return None
        info = json.loads(out.stdout)
        # An answer without a server part means the daemon did not answer.
        return info if info.get("ServerVersion") else None

    def _dockerd_args(self):
        out = self.host.run("pid=$(pidof dockerd) && tr '\\0' '\\n' < /proc/$pid/cmdline")
        return [a for a in out.stdout.split("\n")[1:] if a] if out.rc == 0 else []

    def _bridge_options(self):
        if self.info is None:
            return None
        out = self.host.run("docker network inspect bridge --format '{{json .Options}}'")
        return json.loads(out.stdout) if out.rc == 0 else None

    def _containers(self):
        if self.info is None:
            return []
        ids = self.host.check_output("docker ps -q --no-trunc").split()
        if not ids:
            return []
        return json.loads(self.host.check_output("docker inspect %s" % " ".join(ids)))

    def _group(self):
        out = self.host.run("getent group docker")
        if out.rc != 0:
            return False, set()
        _name, _pw, gid, members = out.stdout.strip().split(":", 3)
        names = set(filter(None, members.split(",")))
        primary = self.host.check_output("getent passwd | awk -F: '$4 == %s {print $1}'" % gid).split()
        return True, names | set(primary)

    def _audit(self):
        """('auditctl -l' | 'compiled' | 'none', the rules text that counts)."""
        if self.host.exists("auditctl"):
            live = self.host.run("auditctl -l")
            if live.rc == 0:
                return "auditctl -l", live.stdout
        if self.host.file(COMPILED).exists:
            return "compiled", self.host.file(COMPILED).content_string
        return "none", ""

    # -- paths -------------------------------------------------------------
    def stat(self, *paths):
        """{path: None (absent) or (real path, owner, group, mode)}; what is not cached yet in one remote call."""
        missing = [p for p in dict.fromkeys(paths) if p not in self._stats]
        if missing:
            self._stats.update(self._stat(missing))
        return {p: self._stats[p] for p in paths}

    def _stat(self, paths):
        script = ('for p in "$@"; do if [ -e "$p" ]; then printf "%s\\t%s\\t%s\\n" "$p" "$(readlink -f "$p")" '
                  '"$(stat -L -c "%U %G %a" "$p")"; else printf "%s\\t-\\n" "$p"; fi; done')
        cmd = "sh -c %s sh" + " %s" * len(paths)
        result = {}
        for line in self.host.check_output(cmd, script, *paths).splitlines():
            fields = line.split("\t")
            if fields[1] == "-":
                result[fields[0]] = None
            else:
                user, group, mode = fields[2].split()
                result[fields[0]] = (fields[1], user, group, int(mode, 8))
        return result

    def exists(self, path):
        return self.stat(path)[path] is not None

    def real(self, path):
        state = self.stat(path)[path]
        return state[0] if state else None

    def binaries(self, name):
        """The real paths of the executables called ``name`` in the usual directories."""
        if self._binaries is None:
            names = sorted({n for _i, kind, n in AUDIT if kind == "bin"})
            script = ('for n in %s; do for d in %s; do [ -f "$d/$n" ] && [ -x "$d/$n" ] && '
                      'printf "%%s %%s\\n" "$n" "$(readlink -f "$d/$n")"; done; done; true'
                      % (" ".join(names), " ".join(BIN_DIRS)))
            self._binaries = {}
            for line in self.host.check_output("sh -c %s", script).splitlines():
                program, real = line.split(" ", 1)
                found = self._binaries.setdefault(program, [])
                if real not in found:
                    found.append(real)
        return list(self._binaries.get(name, []))

    def unit_path(self, unit):
        """The real path of a unit's file, None when the unit is not there."""
        if unit not in self._units:
            if self.systemd:
                path = self.host.check_output("systemctl show -p FragmentPath --value %s", unit)
            else:
                found = self.stat(*["%s/%s" % (d, unit) for d in ("/etc/systemd/system", "/usr/lib/systemd/system",
                                                                  "/lib/systemd/system")])
                path = next((p for p, state in found.items() if state), "")
            self._units[unit] = self.real(path) if path else None
        return self._units[unit]

    def audit_paths(self, kind, name):
        """The real paths, existing on the host, an audit item covers ([] = nothing to audit)."""
        if kind == "bin":
            return self.binaries(name)
        if kind == "unit":
            path = self.unit_path(name)
            return [path] if path else []
        if kind == "containerd_sock":
            return [self.containerd_sock] if self.containerd_sock else []
        if kind == "containerd_dir":
            name = os.path.dirname(self.containerd_sock) if self.containerd_sock else "/run/containerd"
        elif kind == "data_root":
            name = self.configured_data_root
        real = self.real(name)
        return [real] if real else []

    def section3_paths(self, spec):
        """The existing files of a section 3 item."""
        if spec.startswith("unit:"):
            path = self.unit_path(spec[5:])
            return [path] if path else []
        if spec.startswith("tls:"):
            value = self.cfg.get(spec[4:])
            return [value] if value and self.exists(value) else []
        if spec == "registry_certs":
            return sorted(self.host.check_output("find /etc/docker/certs.d -type f 2>/dev/null; true").split())
        if spec == "containerd_sock":
            return [self.containerd_sock] if self.containerd_sock else []
        return [spec] if self.exists(spec) else []

    # -- mounts ------------------------------------------------------------
    def mount_of(self, path):
        """(mount target, fstype) of the filesystem holding ``path``."""
        target, fstype = self.host.check_output("findmnt -n -o TARGET,FSTYPE --target %s", path).split()
        return target, fstype
