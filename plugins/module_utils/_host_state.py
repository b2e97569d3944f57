# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read a Docker host's state without changing anything.

The one reader behind ``hardened.docker.docker_host_facts``: the engine's
packages and versions, the service manager and the effective dockerd command
line, daemon.json and ``docker info``, containers, files, audit rules, TLS
certificates, the filesystem under data-root, and (for the storage role) block
devices.  The parsers are pure functions with unit tests; :class:`HostReader`
does the I/O through a ``run(argv) -> (rc, stdout, stderr)`` callable so that
the module can hand it ``AnsibleModule.run_command``.

Nothing here writes to the host.  When dockerd is stopped or not installed,
every reader says so and returns empty values instead of failing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fnmatch
import grp
import hashlib
import json
import os
import pwd
import re
import shlex
import stat
import time

from ansible_collections.hardened.docker.plugins.module_utils import _firewall, _port_bridge, daemon_schema

#: Every subset the reader knows; ``all`` is every subset except ``storage_devices`` and ``tls_dir``,
#: which need their own parameters.
SUBSETS = ('engine', 'daemon', 'files', 'audit', 'containers', 'events', 'storage', 'disk_usage', 'network',
           'images', 'tls_dir', 'storage_devices')
ALL_SUBSETS = ('engine', 'daemon', 'files', 'audit', 'containers', 'events', 'storage', 'disk_usage', 'network',
               'images')

#: Packages whose state is always reported (the distributions' and Docker's own names).
ENGINE_PACKAGES = ('docker.io', 'docker-ce', 'docker-ce-cli', 'docker-cli', 'containerd', 'containerd.io', 'runc',
                   'moby-engine', 'docker-buildx-plugin', 'docker-compose-plugin', 'auditd', 'audit',
                   'python3-cryptography', 'python3-apt')

BINARIES = ('dockerd', 'containerd', 'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'runc')
BIN_DIRS = ('/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin')
UNITS = ('docker.service', 'docker.socket')
UNIT_DIRS = ('/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system')
#: Fixed paths of CIS sections 1 and 3, stat'ed beside units, programs, data-root and TLS files.
CIS_PATHS = ('/run/containerd', '/etc/docker', '/run/containerd/containerd.sock', '/etc/default/docker',
             '/etc/docker/daemon.json', '/etc/containerd/config.toml', '/etc/sysconfig/docker',
             '/var/run/docker.sock')
CONTAINERD_SOCKETS = ('/run/containerd/containerd.sock', '/run/docker/containerd/containerd.sock')
#: The environment files of the packaged start scripts, with their variable.
ENV_FILES = (('/etc/default/docker', 'DOCKER_OPTS'), ('/etc/sysconfig/docker', 'OPTIONS'))
CERTS_DIR = '/etc/docker/certs.d'


# --------------------------------------------------------------------------
# Pure parsers
# --------------------------------------------------------------------------

def unescape_mount_field(field):
    """Undo the octal escapes of /proc/self/mounts (``\\040`` is a blank)."""
    return re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text):
    """[{source, target, fstype, options}] from /proc/self/mounts (or /etc/mtab), in table order."""
    table = []
    for line in (text or '').splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        table.append({'source': unescape_mount_field(fields[0]), 'target': unescape_mount_field(fields[1]),
                      'fstype': fields[2], 'options': fields[3].split(',')})
    return table


def mount_for(path, table):
    """The mount entry that holds ``path`` (longest target prefix; the last of equals wins), or None."""
    best, best_len = None, -1
    for entry in table:
        target = entry['target']
        prefix = target.rstrip('/') + '/'
        if (path == target or path.startswith(prefix) or target == '/') and len(target) >= best_len:
            best, best_len = entry, len(target)
    return best


def parse_systemctl_show(text):
    """``systemctl show UNIT...`` output -> [{property: value}], one dict per unit block."""
    blocks = []
    for chunk in re.split(r'\n\s*\n', (text or '').strip()):
        props = {}
        for line in chunk.splitlines():
            if '=' in line:
                key, value = line.split('=', 1)
                props[key] = value
        if props:
            blocks.append(props)
    return blocks


def exec_start_argv(value):
    """The argv of systemd's ExecStart property (``{ path=... ; argv[]=/usr/sbin/dockerd -H fd:// ; ... }``).

    Several commands (a drop-in that adds one without clearing) come as several ``{ ... }`` groups:
    systemd runs only the last for Type=notify, so the last one is returned.
    """
    found = re.findall(r'argv\[\]=(.*?)\s;\s', value or '')
    return found[-1].strip() if found else ''


def unit_file_exec_start(text):
    """The last non-empty ExecStart= of a unit file's text ('' when none)."""
    values = [line.strip().split('=', 1)[1].strip() for line in (text or '').splitlines()
              if line.strip().startswith('ExecStart=')]
    values = [v for v in values if v]
    return values[-1] if values else ''


def operator_exec_start(layers, own_dropin=None):
    """The ExecStart docker.service runs with when the collection's own drop-in is left out.

    ``layers`` are ``(path, text)`` of the unit file and then its drop-ins in the order systemd applies
    them (DropInPaths). Returns ``exec_start`` (the command), ``source`` (the file it comes from) and
    ``after_own``: the operator drop-in that sets ExecStart and sorts after ``own_dropin``, so that it
    overrides the collection's drop-in ('' when none does).
    """
    found = {'exec_start': '', 'source': '', 'after_own': ''}
    seen_own = False
    for path, text in layers:
        if own_dropin and path == own_dropin:
            seen_own = True
            continue
        value = unit_file_exec_start(text)
        if value:
            found['exec_start'], found['source'] = value, path
            if seen_own:
                found['after_own'] = path
    return found


def _entries(path, keep=lambda name: True):
    try:
        return sorted(name for name in os.listdir(path) if keep(name))
    except OSError:
        return []


def data_on_disk(root):
    """What a data-root holds on disk, read without the daemon (it may be down).

    ``images``, ``containers`` and ``volumes`` count the image configs of every storage driver
    (``image/<driver>/imagedb/content/sha256``), the container directories and the named volumes;
    ``drivers`` lists the storage drivers that have image metadata there. A userns-remap daemon keeps
    its data under ``<root>/<uid>.<gid>/``: ``remapped`` lists those directories, and their data counts
    too. Missing directories count as empty.
    """
    found = {'root': root, 'exists': os.path.isdir(root), 'images': 0, 'containers': 0, 'volumes': 0,
             'drivers': [], 'remapped': []}
    remapped = _entries(root, lambda name: re.match(r'^\d+\.\d+$', name) is not None)
    found['remapped'] = remapped
    for base in [root] + [os.path.join(root, name) for name in remapped]:
        for driver in _entries(os.path.join(base, 'image')):
            images = _entries(os.path.join(base, 'image', driver, 'imagedb', 'content', 'sha256'))
            if driver not in found['drivers']:
                found['drivers'].append(driver)
            found['images'] += len(images)
        found['containers'] += len(_entries(os.path.join(base, 'containers'),
                                            lambda name: os.path.isdir(os.path.join(base, 'containers', name))))
        found['volumes'] += len(_entries(os.path.join(base, 'volumes'),
                                         lambda name: os.path.isdir(os.path.join(base, 'volumes', name))))
    found['drivers'] = sorted(found['drivers'])
    return found


#: Next to daemon.json, the daemon role's record of the keys it wrote (a JSON list).
MANAGED_KEYS_SUFFIX = '.hardened-docker-keys'


def managed_keys(text):
    """The daemon role's record of the daemon.json keys it wrote: a sorted list, or None (no usable record)."""
    if text is None:
        return None
    try:
        keys = json.loads(text)
    except ValueError:
        return None
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        return None
    return sorted(keys)


def parse_env_assignments(text):
    """KEY=value assignments of a shell-style environment file (comments, ``export`` and quotes handled)."""
    values = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('export '):
            line = line[len('export '):].strip()
        match = re.match(r'^([A-Za-z_][A-Za-z0-9_]*)=(.*)$', line)
        if not match:
            continue
        try:
            parts = shlex.split(match.group(2), comments=True)
        except ValueError:
            parts = [match.group(2)]
        values[match.group(1)] = ' '.join(parts)
    return values


def parse_unit_environment(value):
    """systemd's ``Environment`` property (``A=1 "B=two words"``) as a dict."""
    try:
        words = shlex.split(value or '')
    except ValueError:
        words = (value or '').split()
    return dict(word.split('=', 1) for word in words if '=' in word)


#: The variables dockerd's HTTP client reads its proxy from (upper case wins over lower case, as in Go).
PROXY_VARIABLES = ('HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY')
#: The marker of the daemon role's proxy block in the init script's environment file.
PROXY_BLOCK_MARKER = 'hardened.docker.daemon: proxy'


def proxy_environment(env):
    """The proxy variables of a start environment, by their upper-case names (empty values left out)."""
    found = {}
    for name in PROXY_VARIABLES:
        value = env.get(name) or env.get(name.lower())
        if value:
            found[name] = value
    return found


def file_with_mode(path):
    """``{'content', 'mode'}`` of a small text file, mode as ``<octal>:<uid>:<gid>``; both None when unreadable."""
    try:
        st = os.stat(path)
    except OSError:
        return {'content': None, 'mode': None}
    return {'content': read_text(path), 'mode': '%o:%d:%d' % (st.st_mode & 0o7777, st.st_uid, st.st_gid)}


def expand_variables(text, env):
    """Replace ``$VAR`` and ``${VAR}`` in a unit's command line by ``env``'s values ('' when unset)."""
    return re.sub(r'\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)',
                  lambda m: env.get(m.group(1) or m.group(2), ''), text or '')


def flag_args(text):
    """The argv words of a dockerd command line's flags (binary and variables left out), in order."""
    parsed = daemon_schema.parse_dockerd_flags(text)
    return [parsed.words[index] for flag in parsed.flags for index in flag.tokens]


def parse_json_lines(text):
    """One JSON document per line (``--format '{{json .}}'`` of list commands); bad lines are skipped."""
    docs = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            docs.append(json.loads(line))
        except ValueError:
            continue
    return docs


_SENSITIVE_SECOPT = re.compile(r'^(seccomp|apparmor|label|no-new-privileges)')


def container_summary(inspect):
    """The section-5 runtime settings of one ``docker inspect`` document."""
    config = inspect.get('Config') or {}
    hostcfg = inspect.get('HostConfig') or {}
    state = inspect.get('State') or {}
    health = config.get('Healthcheck') or {}
    test = health.get('Test') or []
    bindings = []
    for port, entries in sorted((hostcfg.get('PortBindings') or {}).items()):
        for entry in entries or [{}]:
            bindings.append({'container_port': port, 'host_ip': (entry or {}).get('HostIp', ''),
                             'host_port': (entry or {}).get('HostPort', '')})
    mounts = [{'type': m.get('Type', ''), 'source': m.get('Source', ''), 'destination': m.get('Destination', ''),
               'rw': bool(m.get('RW', True))} for m in inspect.get('Mounts') or []]
    restart = (hostcfg.get('RestartPolicy') or {}).get('Name', '')
    return {
        'id': (inspect.get('Id') or '')[:12],
        'name': (inspect.get('Name') or '').lstrip('/'),
        'image': config.get('Image', ''),
        'image_id': inspect.get('Image', ''),
        'privileged': bool(hostcfg.get('Privileged')),
        'network_mode': hostcfg.get('NetworkMode', ''),
        'pid_mode': hostcfg.get('PidMode', ''),
        'ipc_mode': hostcfg.get('IpcMode', ''),
        'memory': int(hostcfg.get('Memory') or 0),
        'cpu_shares': int(hostcfg.get('CpuShares') or 0),
        'readonly_rootfs': bool(hostcfg.get('ReadonlyRootfs')),
        'security_opt': list(hostcfg.get('SecurityOpt') or []),
        'cap_add': list(hostcfg.get('CapAdd') or []),
        'mounts': mounts,
        'port_bindings': bindings,
        'healthcheck': bool(test) and test[0] != 'NONE',
        'health_status': (state.get('Health') or {}).get('Status', ''),
        'restart_policy': restart or 'no',
        'user': config.get('User', ''),
        'pid': int(state.get('Pid') or 0),
        'started_at': state.get('StartedAt', ''),
    }


def process_no_new_privs(pid, proc='/proc'):
    """The kernel's no_new_privs flag of a process: True/False, or None when it cannot be read.

    A container started before the daemon's ``no-new-privileges`` default was set does not have it, whatever the
    daemon says now; the process's own flag (``NoNewPrivs`` in ``/proc/PID/status``, Linux 4.10+) is the truth.
    """
    if not pid:
        return None
    for line in (read_text('%s/%s/status' % (proc, pid)) or '').splitlines():
        if line.startswith('NoNewPrivs:'):
            value = line.split(':', 1)[1].strip()
            return {'1': True, '0': False}.get(value)
    return None


#: The xfs mount options that turn project quota on (overlay2.size needs one of them).
PROJECT_QUOTA_OPTIONS = ('prjquota', 'pquota', 'pqnoenforce')


def kernel_filesystems(text):
    """The filesystem types the running kernel knows, from the text of /proc/filesystems."""
    return sorted(set(line.split()[-1] for line in (text or '').splitlines() if line.strip()))


def xfs_quota_in_kernel(xfs_proc_dir, xqm_file):
    """Whether the kernel's xfs has quota support: True, False, or None when xfs is not loaded yet.

    The xfs module creates /proc/fs/xfs when it loads, and /proc/fs/xfs/xqm only when it was built with
    CONFIG_XFS_QUOTA. Without it a ``pquota`` mount fails ("quota support not available in this kernel")."""
    if not xfs_proc_dir:
        return None
    return bool(xqm_file)


def storage_quota(entry):
    """What can limit a container's writable layer on a mount (an entry of :func:`parse_mounts`): 'btrfs qgroups',
    'xfs project quota' or 'none'. dockerd's btrfs driver turns quota groups on by itself at the first
    ``--storage-opt size`` (and off again when it stops), so a btrfs data-root can always limit."""
    options = entry.get('options') or []
    if isinstance(options, str):
        options = options.split(',')
    if entry.get('fstype') == 'btrfs':
        return 'btrfs qgroups'
    if entry.get('fstype') == 'xfs' and set(options) & set(PROJECT_QUOTA_OPTIONS):
        return 'xfs project quota'
    return 'none'


PRUNE_TIMER = '/etc/systemd/system/hardened-docker-prune.timer'
PRUNE_CRON = '/etc/cron.d/hardened-docker-prune'
PRUNE_LAST_RUN = '/var/lib/hardened-docker/prune-last.json'


def read_prune_schedule(timer=PRUNE_TIMER, cron=PRUNE_CRON, last_run=PRUNE_LAST_RUN):
    """The prune schedule of the collection's prune role and its last run (read from its files)."""
    result = {'scheduled': False, 'via': '', 'schedule': '', 'last_run': None}
    for line in (read_text(timer) or '').splitlines():
        if line.startswith('OnCalendar='):
            result.update(scheduled=True, via='systemd timer', schedule=line.split('=', 1)[1].strip())
    if not result['scheduled']:
        for line in (read_text(cron) or '').splitlines():
            fields = line.split()
            if len(fields) > 6 and not line.startswith('#') and '=' not in fields[0]:
                result.update(scheduled=True, via='cron', schedule=' '.join(fields[:5]))
    try:
        last = json.loads(read_text(last_run) or 'null')
    except ValueError:
        last = None
    result['last_run'] = last if isinstance(last, dict) else None
    return result


def summarize_events(docs):
    """``docker events --format '{{json .}}'`` documents -> {'died': [...], 'oom': [...]}."""
    died, oom = [], []
    for doc in docs:
        if doc.get('Type', 'container') != 'container':
            continue
        action = doc.get('Action') or doc.get('status') or ''
        attrs = (doc.get('Actor') or {}).get('Attributes') or {}
        when = doc.get('time')
        entry = {'name': attrs.get('name', ''), 'image': attrs.get('image', doc.get('from', '')),
                 'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(when)) if isinstance(when, int) else ''}
        if action == 'die':
            entry['exit_code'] = attrs.get('exitCode', '')
            died.append(entry)
        elif action == 'oom':
            oom.append(entry)
    return {'died': died, 'oom': oom}


def cert_summary(decoded, now=None):
    """Expiry and SANs of a certificate decoded by :func:`decode_certificate`."""
    now = time.time() if now is None else now
    not_after = decoded.get('not_after_epoch')
    sans = ['%s:%s' % (kind if kind != 'IP Address' else 'IP', value) for kind, value in decoded.get('sans') or []]
    return {
        'not_after': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(not_after)) if not_after is not None else None,
        'days_left': int((not_after - now) // 86400) if not_after is not None else None,
        'subject_alt_names': sans,
    }


def decode_certificate(path):
    """{'not_after_epoch', 'sans'} of a PEM certificate, with the standard library only (no cryptography)."""
    import ssl  # pylint: disable=import-outside-toplevel
    decoded = ssl._ssl._test_decode_cert(path)  # pylint: disable=protected-access
    return {'not_after_epoch': ssl.cert_time_to_seconds(decoded['notAfter']),
            'sans': list(decoded.get('subjectAltName', ()))}


def registry_trust(certs_dir, now=None):
    """What dockerd trusts per registry: ``certs_dir/<host[:port]>/`` with its CA (``*.crt``) and client pair."""
    found = []
    try:
        names = sorted(os.listdir(certs_dir))
    except OSError:
        return found
    for name in names:
        directory = os.path.join(certs_dir, name)
        if not os.path.isdir(directory):
            continue
        files = sorted(os.listdir(directory))
        entry = {'address': name, 'ca_files': [f for f in files if f.endswith('.crt')],
                 'client_certificate': any(f.endswith('.cert') for f in files),
                 'ca_not_after': None, 'ca_days_left': None, 'error': ''}
        expiries = []
        for ca_file in entry['ca_files']:
            try:
                expiries.append(cert_summary(decode_certificate(os.path.join(directory, ca_file)), now))
            except (OSError, ValueError) as exc:
                entry['error'] = '%s: %s' % (ca_file, exc)
        if expiries:
            first = min(expiries, key=lambda summary: summary['days_left'])
            entry['ca_not_after'], entry['ca_days_left'] = first['not_after'], first['days_left']
        found.append(entry)
    return found


def unix_socket_from_hosts(hosts):
    """The first unix:// path of daemon.json's ``hosts`` (or the default socket)."""
    for entry in hosts or []:
        if isinstance(entry, str) and entry.startswith('unix://'):
            return entry[len('unix://'):] or '/var/run/docker.sock'
    return '/var/run/docker.sock'


def matches_skeleton(rel, pattern):
    """fnmatch per path component: ``*`` never crosses a ``/``."""
    parts, wanted = rel.split('/'), pattern.split('/')
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted))


# --------------------------------------------------------------------------
# The reader (I/O)
# --------------------------------------------------------------------------

def owner_and_group(st):
    """The names of the owner and group of a stat result (their numbers, as text, when they have no name)."""
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return owner, group


def stat_path(path):
    """Owner, mode and kind of ``path`` (following links), or {'exists': False}."""
    try:
        st = os.stat(path)
    except OSError:
        return {'exists': False}
    owner, group = owner_and_group(st)
    if stat.S_ISDIR(st.st_mode):
        kind = 'directory'
    elif stat.S_ISSOCK(st.st_mode):
        kind = 'socket'
    elif stat.S_ISREG(st.st_mode):
        kind = 'file'
    elif stat.S_ISBLK(st.st_mode):
        kind = 'block'
    else:
        kind = 'other'
    return {'exists': True, 'realpath': os.path.realpath(path), 'uid': st.st_uid, 'gid': st.st_gid,
            'owner': owner, 'group': group, 'mode': '%04o' % stat.S_IMODE(st.st_mode), 'kind': kind}


def read_text(path, limit=1048576):
    try:
        with open(path, 'rb') as handle:
            return handle.read(limit).decode('utf-8', 'replace')
    except (IOError, OSError):
        return None


class HostReader(object):
    """Reads the subsets of the host state; ``run(argv)`` returns (rc, stdout, stderr)."""

    def __init__(self, run, params, which):
        self._run = run
        self.params = params
        self._which = which
        self.state = {}
        self._mounts = None
        self._running_flags = None

    # -- helpers ------------------------------------------------------------
    def run(self, argv):
        if not os.path.isabs(argv[0]) and self._which(argv[0]) is None:
            return 127, '', '%s: command not found' % argv[0]
        return self._run(argv)

    def docker(self, *args):
        socket = self.params.get('docker_socket') or '/var/run/docker.sock'
        return self.run(['docker', '--host', 'unix://' + socket] + list(args))

    def running_flags(self):
        """The running dockerd's command line, parsed once."""
        if self._running_flags is None:
            self._running_flags = daemon_schema.parse_dockerd_argv(self.state['dockerd']['args'])
        return self._running_flags

    def mounts(self):
        if self._mounts is None:
            self._mounts = parse_mounts(read_text('/proc/self/mounts') or '')
        return self._mounts

    @property
    def systemd(self):
        return os.path.isdir('/run/systemd/system') and self._which('systemctl') is not None

    # -- always read --------------------------------------------------------
    def read_base(self):
        state = self.state
        state['collected_at'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        state['service_manager'] = 'systemd' if self.systemd else (
            'sysvinit' if os.path.exists('/etc/init.d/docker') or os.path.isdir('/etc/init.d') else 'other')
        path = self.params.get('daemon_config_path') or daemon_schema.DEFAULT_CONFIG_PATH
        text = read_text(path)
        settings, error = {}, None
        if text is not None and text.strip():
            try:
                settings = json.loads(text)
            except ValueError as exc:
                error = str(exc)
            if not isinstance(settings, dict):
                settings, error = {}, 'daemon.json is not a JSON object'
        state['daemon_json'] = {'path': path, 'exists': text is not None, 'settings': settings, 'error': error,
                                'managed_keys': managed_keys(read_text(path + MANAGED_KEYS_SUFFIX)),
                                # The daemon role's note that a run changed the files but was stopped
                                # before the restart or reload that applies them.
                                'pending': read_text(path + '.pending')}
        dockerd = self._which('dockerd') or ''
        engine = {'installed': bool(dockerd), 'running': False, 'server_version': '', 'error': '',
                  'dockerd_version': '', 'containerd_version': '', 'runc_version': ''}
        info_rc, info_out, info_err = (127, '', 'docker: command not found')
        if self._which('docker') is not None:
            info_rc, info_out, info_err = self.docker('info', '--format', '{{json .}}')
        info = {}
        if info_rc == 0 and info_out.strip():
            try:
                info = json.loads(info_out)
            except ValueError:
                info = {}
        # `docker info` exits 0 with ServerErrors when the CLI works and the daemon does not.
        server_errors = info.get('ServerErrors') or []
        if server_errors or not info.get('ServerVersion'):
            info_err = '; '.join(server_errors) or info_err.strip() or 'docker info gave no server answer'
            info = {}
        state['docker_info'] = info
        state['docker_info_error'] = '' if info else info_err.strip()
        engine['running'] = bool(info)
        engine['server_version'] = info.get('ServerVersion', '')
        engine['error'] = state['docker_info_error']
        state['engine'] = engine
        state['dockerd'] = self._dockerd_process()
        state['data_root'], state['data_root_source'] = self._data_root()
        # Under userns-remap data_root is the remapped directory <data-root>/<uid>.<gid>; this is <data-root>.
        state['configured_data_root'] = daemon_schema.configured_data_root(
            state['data_root'], info.get('SecurityOptions')) or state['data_root']
        counts = {'images': None, 'containers': None, 'running': None, 'volumes': None}
        if info:
            counts.update(images=int(info.get('Images') or 0), containers=int(info.get('Containers') or 0),
                          running=int(info.get('ContainersRunning') or 0))
        state['counts'] = counts

    def _dockerd_process(self):
        for pid in os.listdir('/proc'):
            if not pid.isdigit():
                continue
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                    args = [a.decode('utf-8', 'replace') for a in handle.read().split(b'\0') if a]
                uid = os.stat('/proc/%s' % pid).st_uid
            except (IOError, OSError):
                continue
            if args and os.path.basename(args[0]) == 'dockerd':
                return {'pid': int(pid), 'uid': uid, 'args': args[1:]}
        return {'pid': None, 'uid': None, 'args': []}

    def _data_root(self):
        info_root = self.state['docker_info'].get('DockerRootDir')
        if info_root:
            return info_root, 'docker info'
        settings = self.state['daemon_json']['settings']
        for key in ('data-root', 'graph'):
            if isinstance(settings.get(key), str) and settings[key]:
                return settings[key], 'daemon.json'
        running = self.running_flags()
        for key in ('data-root', 'graph'):
            values = [v for v in running.values(key) if v]
            if values:
                return values[-1], 'dockerd command line'
        return daemon_schema.DEFAULT_DATA_ROOT, 'default'

    # -- engine -------------------------------------------------------------
    def read_engine(self):
        engine = self.state['engine']
        for name, key in (('dockerd', 'dockerd_version'), ('containerd', 'containerd_version'),
                          ('runc', 'runc_version')):
            if self._which(name) is None:
                continue
            rc, out, _err = self.run([name, '--version'])
            if rc == 0:
                engine[key] = (out.strip().splitlines() or [''])[0]
        wanted = sorted(set(ENGINE_PACKAGES) | set(self.params.get('packages') or []))
        self.state['packages'] = self._packages(wanted)
        units = {}
        if self.systemd:
            rc, out, _err = self.run(['systemctl', 'show', '--property=UnitFileState,ActiveState'] + list(UNITS))
            if rc == 0:
                # systemd's own property names, so that a role compares them with what it wants.
                for unit, props in zip(UNITS, parse_systemctl_show(out)):
                    units[unit] = {'UnitFileState': props.get('UnitFileState', ''),
                                   'ActiveState': props.get('ActiveState', '')}
        self.state['unit_states'] = units

    def _packages(self, names):
        found = dict((name, {'installed': False, 'version': ''}) for name in names)
        if self._which('dpkg-query') is not None:
            # Unknown names make dpkg-query exit 1 but still list the known ones.
            _rc, out, _err = self.run(['dpkg-query', '--show', '--showformat',
                                       '${Package}\t${db:Status-Status}\t${Version}\n'] + names)
            for line in out.splitlines():
                parts = line.split('\t')
                if len(parts) == 3 and parts[0] in found:
                    found[parts[0]] = {'installed': parts[1] == 'installed', 'version': parts[2]}
        elif self._which('rpm') is not None:
            _rc, out, _err = self.run(['rpm', '-q', '--queryformat', '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\n']
                                      + names)
            for line in out.splitlines():
                parts = line.split('\t')
                if len(parts) == 2 and parts[0] in found:
                    found[parts[0]] = {'installed': True, 'version': parts[1].replace('(none):', '')}
        return found

    # -- daemon: unit, environment file, effective command line --------------
    def read_daemon(self):
        state = self.state
        unit = {'fragment_path': '', 'dropin_paths': [], 'exec_start': '', 'fragment_exec_start': '',
                'operator_exec_start': '', 'operator_exec_start_source': '', 'exec_start_after_own_dropin': '',
                'environment_files': [], 'socket_loaded': False}
        env_path, env_var = self._env_file()
        env_text = read_text(env_path) if env_path else None
        env_values = parse_env_assignments(env_text) if env_text is not None else {}
        if self.systemd:
            rc, out, _err = self.run(['systemctl', 'show', '--property=FragmentPath,DropInPaths,ExecStart,'
                                      'EnvironmentFiles,Environment', 'docker.service'])
            props = (parse_systemctl_show(out) or [{}])[0] if rc == 0 else {}
            unit['fragment_path'] = props.get('FragmentPath', '')
            unit['dropin_paths'] = (props.get('DropInPaths') or '').split()
            unit['exec_start'] = exec_start_argv(props.get('ExecStart', ''))
            unit['environment_files'] = [re.sub(r'\s*\(ignore_errors=\w+\)$', '', f.strip())
                                         for f in re.split(r'\s+(?=/|-/)', props.get('EnvironmentFiles', '').strip())
                                         if f.strip()]
            if unit['fragment_path']:
                unit['fragment_exec_start'] = unit_file_exec_start(read_text(unit['fragment_path']) or '')
            layers = [(path, read_text(path) or '') for path in [unit['fragment_path']] + unit['dropin_paths'] if path]
            operator = operator_exec_start(layers, self.params.get('dropin_path'))
            unit['operator_exec_start'] = operator['exec_start']
            unit['operator_exec_start_source'] = operator['source']
            unit['exec_start_after_own_dropin'] = operator['after_own']
            rc, out, _err = self.run(['systemctl', 'show', '-p', 'LoadState', '--value', 'docker.socket'])
            unit['socket_loaded'] = rc == 0 and out.strip() == 'loaded'
        state['unit'] = unit
        state['env_file'] = {'path': env_path or '', 'variable': env_var or '', 'exists': env_text is not None,
                             'value': env_values.get(env_var) if env_var else None}
        # What dockerd's environment holds: the unit's Environment (and the environment file when the unit reads
        # it) with systemd; the init script's environment file, which it sources, without.
        start_env = dict(env_values) if not self.systemd else {}
        if unit['exec_start']:
            env = dict(env_values) if self._reads_env_file(unit, env_path) else {}
            env.update(parse_unit_environment(props.get('Environment', '')))
            start_env = env
            text = expand_variables(unit['exec_start'], env)
            source = 'systemctl show'
        elif not self.systemd and state['env_file']['value'] is not None:
            text, source = state['env_file']['value'], 'environment file'
        elif not self.systemd and os.path.exists('/etc/init.d/docker'):
            text, source = '', 'environment file'
        else:
            text, source = '', 'none'
        state['effective_flags'] = {'source': source, 'text': text.strip(), 'args': flag_args(text)}
        # A port bridge the daemon role put up for a restart is still there: a run was stopped before it removed it.
        state['port_bridge'] = any(self.run(['iptables', '-w', '-t', table, '-S', _port_bridge.BRIDGE_CHAIN])[0] == 0
                                   for table in _port_bridge.TABLES)
        dropin = self.params.get('dropin_path')
        if dropin:
            state['dropin'] = file_with_mode(dropin)
        proxy_dropin = self.params.get('proxy_dropin_path')
        state['proxy'] = {'environment': proxy_environment(start_env),
                          'dropin': file_with_mode(proxy_dropin) if proxy_dropin else None,
                          'env_file_block': PROXY_BLOCK_MARKER in (env_text or '')}

    @staticmethod
    def _reads_env_file(unit, env_path):
        return any(f.lstrip('-') == env_path for f in unit['environment_files'])

    def _env_file(self):
        wanted = self.params.get('env_file')
        if wanted:
            return wanted, self.params.get('env_variable') or 'DOCKER_OPTS'
        for path, variable in ENV_FILES:
            if os.path.exists(path):
                return path, variable
        return ENV_FILES[0] if os.path.isdir('/etc/default') else ENV_FILES[1]

    # -- network, images, containers, events --------------------------------
    def read_network(self):
        options = None
        if self.state['docker_info']:
            rc, out, _err = self.docker('network', 'inspect', 'bridge', '--format', '{{json .Options}}')
            if rc == 0 and out.strip():
                try:
                    options = json.loads(out)
                except ValueError:
                    options = None
        self.state['bridge_options'] = options
        self.state['firewall'] = self._firewall()

    def _firewall(self):
        """The tls role's allow-list as the kernel has it (``nft list table inet hardened_docker``)."""
        found = dict(_firewall.parse_table_listing(None), table=False)
        rc, out, _err = self.run(['nft', 'list', 'table', 'inet', _firewall.DEFAULT_TABLE])
        if rc == 0:
            found.update(_firewall.parse_table_listing(out), table=True)
        return found

    def read_images(self):
        ids, volumes = [], None
        if self.state['docker_info']:
            rc, out, _err = self.docker('images', '--all', '--quiet', '--no-trunc')
            ids = sorted(set(out.split())) if rc == 0 else []
            rc, out, _err = self.docker('volume', 'ls', '--quiet')
            volumes = len(out.split()) if rc == 0 else None
        self.state['image_ids'] = ids
        self.state['counts']['volumes'] = volumes
        # Counted from the configured data-root: the remapped daemon's directory is one of its subdirectories.
        self.state['data_on_disk'] = data_on_disk(self.state['configured_data_root'])

    def read_containers(self):
        containers = []
        if self.state['docker_info'] and self.state['counts'].get('running'):
            rc, out, _err = self.docker('ps', '--quiet', '--no-trunc')
            ids = out.split() if rc == 0 else []
            if ids:
                rc, out, _err = self.docker('inspect', *ids)
                if rc == 0:
                    try:
                        containers = [container_summary(doc) for doc in json.loads(out)]
                    except ValueError:
                        containers = []
        for container in containers:
            container['no_new_privs'] = process_no_new_privs(container['pid'])
        self.state['containers'] = sorted(containers, key=lambda c: c['name'])

    def read_events(self):
        since = self.params.get('events_since') or '24h'
        events = {'since': since, 'error': '', 'died': [], 'oom': []}
        if not self.state['docker_info']:
            events['error'] = 'docker did not answer'
        else:
            rc, out, err = self.docker('events', '--since', since, '--until', str(int(time.time())), '--filter',
                                       'type=container', '--filter', 'event=die', '--filter', 'event=oom',
                                       '--format', '{{json .}}')
            if rc == 0:
                events.update(summarize_events(parse_json_lines(out)))
            else:
                events['error'] = err.strip() or 'docker events exited %s' % rc
        self.state['events'] = events

    # -- storage --------------------------------------------------------------
    def read_storage(self):
        root = self.state['data_root']
        entry = mount_for(os.path.realpath(root), self.mounts()) if os.path.exists(root) else None
        slash = mount_for('/', self.mounts())
        storage = {'data_root': root, 'exists': os.path.isdir(root), 'fstype': '', 'mount_point': '', 'source': '',
                   'separate_mount': None, 'size_bytes': None, 'free_bytes': None, 'quota': 'none'}
        if entry is not None:
            storage.update(fstype=entry['fstype'], mount_point=entry['target'], source=entry['source'],
                           separate_mount=entry['target'] != '/' and entry is not slash)
            storage['quota'] = storage_quota(entry)
            try:
                vfs = os.statvfs(root)
                storage.update(size_bytes=vfs.f_frsize * vfs.f_blocks, free_bytes=vfs.f_frsize * vfs.f_bavail)
            except OSError:
                pass
        self.state['storage'] = storage
        self.state['prune'] = read_prune_schedule()

    def read_disk_usage(self):
        # `docker system df` sizes every layer: seconds on a host with many images, so a subset of its own.
        system_df = []
        if self.state['docker_info']:
            rc, out, _err = self.docker('system', 'df', '--format', '{{json .}}')
            if rc == 0:
                system_df = parse_json_lines(out)
        self.state['system_df'] = system_df

    # -- files of CIS sections 1 and 3 ----------------------------------------
    def read_files(self):
        state = self.state
        settings = state['daemon_json']['settings']
        users = self.params.get('trusted_users') or []
        group = {'exists': False, 'gid': None, 'members': [], 'primary_members': []}
        try:
            entry = grp.getgrnam('docker')
        except KeyError:
            entry = None
        if entry is not None:
            group.update(exists=True, gid=entry.gr_gid, members=sorted(entry.gr_mem),
                         primary_members=sorted(p.pw_name for p in pwd.getpwall() if p.pw_gid == entry.gr_gid))
        known = set(p.pw_name for p in pwd.getpwall())
        group['missing_users'] = sorted(u for u in users if u not in known)
        state['group'] = group

        binaries = {}
        for name in BINARIES:
            found = []
            for directory in BIN_DIRS:
                candidate = os.path.join(directory, name)
                if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                    real = os.path.realpath(candidate)
                    if real not in found:
                        found.append(real)
            binaries[name] = found
        state['binaries'] = binaries

        units = {}
        fragments = {}
        if self.systemd:
            rc, out, _err = self.run(['systemctl', 'show', '--property=Id,FragmentPath'] + list(UNITS))
            if rc == 0:
                for unit, props in zip(UNITS, parse_systemctl_show(out)):
                    fragments[unit] = props.get('FragmentPath', '')
        for unit in UNITS:
            path = fragments.get(unit, '')
            source = 'systemctl show -p FragmentPath'
            if not path:
                source = 'unit directories'
                path = next((os.path.join(d, unit) for d in UNIT_DIRS if os.path.isfile(os.path.join(d, unit))), '')
            units[unit] = {'path': os.path.realpath(path) if path else '', 'source': source}
        state['units'] = units

        sock = settings.get('containerd') if isinstance(settings.get('containerd'), str) else ''
        for value in self.running_flags().values('containerd'):
            sock = value or sock
        if not sock:
            sock = next((c for c in CONTAINERD_SOCKETS if os.path.exists(c)), CONTAINERD_SOCKETS[0])
        state['containerd_socket'] = sock
        state['containerd_dir'] = os.path.dirname(sock)

        registry_certs = []
        if os.path.isdir(CERTS_DIR):
            for root, _dirs, files in os.walk(CERTS_DIR):
                registry_certs += [os.path.join(root, name) for name in sorted(files)]
        state['registry_certs'] = sorted(registry_certs)
        state['registries'] = registry_trust(CERTS_DIR)

        wanted = list(CIS_PATHS) + [state['daemon_json']['path']]
        wanted += [u['path'] for u in units.values() if u['path']]
        wanted += [p for paths in binaries.values() for p in paths]
        wanted += [state['data_root'], state['configured_data_root'], sock, state['containerd_dir'],
                   unix_socket_from_hosts(settings.get('hosts'))] + registry_certs
        tls_files = {}
        for key in daemon_schema.TLS_FILE_KEYS:
            path = settings.get(key) if isinstance(settings.get(key), str) else ''
            if not path:
                values = self.running_flags().values(key)
                path = values[-1] if values else ''
            if not path:
                continue
            wanted.append(path)
            info = {'path': path, 'exists': os.path.isfile(path)}
            if info['exists'] and key != 'tlskey':
                try:
                    info.update(cert_summary(decode_certificate(path)))
                    info['error'] = ''
                except Exception as exc:  # pylint: disable=broad-except
                    info.update(not_after=None, days_left=None, subject_alt_names=[], error=str(exc))
            tls_files[key] = info
        state['tls'] = {'files': tls_files}
        cert = tls_files.get('tlscert') or {}
        state['tls_server_certificate'] = (
            dict((k, cert.get(k)) for k in ('path', 'not_after', 'days_left', 'subject_alt_names'))
            if cert.get('not_after') else None)
        state['stat'] = dict((path, stat_path(path)) for path in wanted if path)

    # -- audit rules ----------------------------------------------------------
    def read_audit(self):
        compiled_path = self.params.get('audit_compiled_path') or '/etc/audit/audit.rules'
        rules_file = self.params.get('audit_rules_file') or '/etc/audit/rules.d/hardened-docker.rules'
        service = self.params.get('audit_service') or 'auditd'
        compiled = read_text(compiled_path)
        auditctl = self._which('auditctl') or ''
        rc, out, err = self.run(['auditctl', '-l']) if auditctl else (127, '', 'auditctl: command not found')
        not_permitted = rc != 0 and bool(re.search('not permitted', err, re.I))
        if rc == 0:
            source = 'auditctl -l'
        elif compiled is not None:
            source = 'compiled rules file'
        else:
            source = 'none'
        status = {'enabled': None, 'active': None}
        if self.systemd:
            rc2, out2, _err = self.run(['systemctl', 'show', '--property=UnitFileState,ActiveState',
                                        service + '.service'])
            props = (parse_systemctl_show(out2) or [{}])[0] if rc2 == 0 else {}
            status = {'enabled': props.get('UnitFileState') == 'enabled', 'active': props.get('ActiveState') == 'active'}
        self.state['audit'] = {
            'auditctl': auditctl, 'augenrules': self._which('augenrules') or '',
            'auditctl_rc': rc, 'auditctl_out': out, 'auditctl_err': err.strip(), 'not_permitted': not_permitted,
            'compiled_path': compiled_path, 'compiled': compiled, 'source': source,
            'rules_file': dict(stat_path(rules_file), content=read_text(rules_file)),
            'service': status,
        }

    # -- the tls role's directory --------------------------------------------
    def read_tls_dir(self):
        directory = self.params.get('tls_dir')
        try:
            import cryptography  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
            has_crypto = True
        except ImportError:
            has_crypto = False

        def describe(path):
            info = stat_path(path)
            if not info['exists']:
                return None
            return dict((k, info[k]) for k in ('mode', 'uid', 'gid', 'kind'))

        files = {}
        for name in self.params.get('tls_dir_files') or []:
            path = os.path.join(directory, name)
            info = describe(path)
            if info is not None and info['kind'] == 'file':
                with open(path, 'rb') as handle:
                    info['sha1'] = hashlib.sha1(handle.read()).hexdigest()
            files[name] = info
        self.state['tls_dir'] = {'cryptography': has_crypto, 'dir': describe(directory) or {'kind': 'missing'},
                                 'files': files, 'firewall': self._firewall()}

    # -- the storage role's devices --------------------------------------------
    def read_storage_devices(self):
        table = self.mounts()
        devices = [self._device(path, table) for path in self.params.get('storage_devices') or []]
        uuids = sorted(set(d['signature']['UUID'] for d in devices
                           if d.get('signature', {}).get('TYPE') == 'btrfs' and d['signature'].get('UUID')))
        mount_point = self.params.get('storage_mount_point') or daemon_schema.DEFAULT_DATA_ROOT
        entries = [m for m in table if m['target'] == mount_point]
        mount = None
        if entries:
            last = entries[-1]
            uuid = ''
            if last['source'].startswith('/dev/') and os.path.exists(last['source']):
                uuid = self._blkid(last['source']).get('UUID', '')
            mount = {'source': last['source'], 'fstype': last['fstype'], 'options': last['options'], 'uuid': uuid}
        docker = None
        info = self.state['docker_info']
        if info:
            rc, out, _err = self.docker('volume', 'ls', '--quiet')
            rc2, out2, _err = self.docker('network', 'ls', '--format', '{{.Name}}')
            docker = {'root': info.get('DockerRootDir', ''), 'driver': info.get('Driver', ''),
                      'images': int(info.get('Images') or 0), 'containers': int(info.get('Containers') or 0),
                      'volumes': len(out.split()) if rc == 0 else 0,
                      'networks': [n for n in (out2.split() if rc2 == 0 else [])
                                   if n not in ('bridge', 'host', 'none')]}
        self.state['storage_devices'] = {
            'devices': devices,
            'btrfs_members': dict((uuid, self._btrfs_members(uuid)) for uuid in uuids),
            'mount': mount,
            'docker': docker,
            'content': self._content(mount_point, self.params.get('storage_skeleton') or []),
            'filesystems': kernel_filesystems(read_text('/proc/filesystems')),
            'xfs_quota_in_kernel': xfs_quota_in_kernel(os.path.isdir('/proc/fs/xfs'), os.path.exists('/proc/fs/xfs/xqm')),
        }

    def _blkid(self, path):
        """The signatures on a device: {} when blank (blkid -p exits 2)."""
        rc, out, _err = self.run(['blkid', '-p', '-o', 'export', path])
        if rc == 2:
            return {}
        if rc != 0:
            return {'PROBE_ERROR': 'blkid -p exited %s' % rc}
        return dict(line.split('=', 1) for line in out.splitlines() if '=' in line)

    def _device(self, path, table):
        info = {'path': path, 'exists': os.path.exists(path)}
        if not info['exists']:
            return info
        real = os.path.realpath(path)
        st = os.stat(real)
        info.update(real=real, is_block=stat.S_ISBLK(st.st_mode))
        if not info['is_block']:
            return info
        mounted = []
        for entry in table:
            source = entry['source']
            try:
                if source.startswith('/dev/') and os.path.exists(source) and stat.S_ISBLK(os.stat(source).st_mode) \
                        and os.stat(source).st_rdev == st.st_rdev:
                    mounted.append(entry['target'])
            except OSError:
                continue
        info['mounted_at'] = mounted
        # An O_EXCL open fails with EBUSY when the device is mounted in any mount namespace or held by md/dm/btrfs.
        try:
            fd = os.open(real, os.O_RDONLY | os.O_EXCL)
            os.close(fd)
            info['busy'] = False
        except OSError as exc:
            info['busy'] = exc.errno == errno.EBUSY
        info['signature'] = self._blkid(real)
        return info

    def _btrfs_members(self, uuid):
        if self._which('btrfs') is None:
            return None
        self.run(['btrfs', 'device', 'scan'])
        rc, out, _err = self.run(['btrfs', 'filesystem', 'show', uuid])
        if rc != 0:
            return None
        return sorted(os.path.realpath(line.split(' path ', 1)[1].strip())
                      for line in out.splitlines() if ' path ' in line and 'devid' in line)

    @staticmethod
    def _content(mount_point, skeleton, max_listed=20):
        found = []
        if not os.path.isdir(mount_point):
            return {'exists': os.path.exists(mount_point), 'data': found, 'count': 0}
        count = 0
        top_dev = os.lstat(mount_point).st_dev
        for root, dirs, files in os.walk(mount_point):
            # Stay on one filesystem: what is mounted below is not ours to judge.
            dirs[:] = [d for d in dirs if os.lstat(os.path.join(root, d)).st_dev == top_dev]
            for name in dirs + files:
                rel = os.path.relpath(os.path.join(root, name), mount_point)
                if not any(matches_skeleton(rel, pattern) for pattern in skeleton):
                    count += 1
                    if len(found) < max_listed:
                        found.append(rel)
        return {'exists': True, 'data': sorted(found), 'count': count}


#: The order in which subsets are read (later ones use what earlier ones found).
_READERS = (('engine', 'read_engine'), ('daemon', 'read_daemon'), ('network', 'read_network'),
            ('images', 'read_images'), ('containers', 'read_containers'), ('events', 'read_events'),
            ('storage', 'read_storage'), ('disk_usage', 'read_disk_usage'), ('files', 'read_files'), ('audit', 'read_audit'),
            ('tls_dir', 'read_tls_dir'), ('storage_devices', 'read_storage_devices'))


def expand_subsets(requested):
    """The subsets to read for ``gather_subset`` (``all`` expands; ``!name`` removes)."""
    chosen = set()
    for name in requested or ['all']:
        if name == 'all':
            chosen.update(ALL_SUBSETS)
        elif not name.startswith('!'):
            chosen.add(name)
    for name in requested or []:
        if name.startswith('!'):
            chosen.discard(name[1:])
    return chosen


def read_host(run, which, params):
    """The host state for ``params`` (the module's options); never changes anything."""
    reader = HostReader(run, params, which)
    subsets = expand_subsets(params.get('gather_subset'))
    reader.read_base()
    for name, method in _READERS:
        if name in subsets:
            getattr(reader, method)()
    reader.state['gathered'] = sorted(subsets)
    return reader.state
