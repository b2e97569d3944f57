# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CIS Docker Benchmark (v1.6 numbering) judgement of one host, as pure functions.

Input: the host state of ``hardened.docker.docker_host_facts`` (or the older output of
roles/hardening/files/hardening_probe.py, of which it is a superset). Every check judges what
the host really shows - ``docker info``, the bridge network's options, daemon.json overlaid with
dockerd's command line, the docker group, the audit rules, a stat of every file, the running
containers - never what a role meant to do.

Statuses (a closed set):

* ``pass`` / ``fail``: judged from evidence that was read;
* ``waived``: the operator waived the item (``reason`` = the waiver);
* ``not_applicable``: nothing to check here (``reason`` says why; never counted as a pass);
* ``manual``: a person must decide (``reason`` says what to check);
* ``error``: the evidence could not be read (never a pass).

Standard library only (plus the collection's daemon_schema); Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
import re

from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema

PASS = 'pass'
FAIL = 'fail'
WAIVED = 'waived'
NOT_APPLICABLE = 'not_applicable'
MANUAL = 'manual'
ERROR = 'error'
STATUSES = (PASS, FAIL, WAIVED, NOT_APPLICABLE, MANUAL, ERROR)

BENCHMARK = 'CIS Docker Benchmark v1.6'
HOST_STATUSES = ('ok', 'unreachable', 'failed')

# 1.1.3 - 1.1.18: audit watch rules. `kind`: path (fixed), unit (docker.service/socket),
# bin (program found on the host), data_root (dockerd's data-root), containerd_dir / containerd_sock.
AUDIT_ITEMS = (
    ('1.1.3', 'bin', 'dockerd'),
    ('1.1.4', 'containerd_dir', '/run/containerd'),
    ('1.1.5', 'data_root', '/var/lib/docker'),
    ('1.1.6', 'path', '/etc/docker'),
    ('1.1.7', 'unit', 'docker.service'),
    ('1.1.8', 'containerd_sock', '/run/containerd/containerd.sock'),
    ('1.1.9', 'unit', 'docker.socket'),
    ('1.1.10', 'path', '/etc/default/docker'),
    ('1.1.11', 'path', '/etc/docker/daemon.json'),
    ('1.1.12', 'path', '/etc/containerd/config.toml'),
    ('1.1.13', 'path', '/etc/sysconfig/docker'),
    ('1.1.14', 'bin', 'containerd'),
    ('1.1.15', 'bin', 'containerd-shim'),
    ('1.1.16', 'bin', 'containerd-shim-runc-v1'),
    ('1.1.17', 'bin', 'containerd-shim-runc-v2'),
    ('1.1.18', 'bin', 'runc'),
)

UNITS = ('docker.service', 'docker.socket')

# Section 3: (owner item, mode item, what, kind, owner, group, widest mode allowed).
FILE_ITEMS = (
    ('3.1', '3.2', 'docker.service', 'unit', 'root', 'root', 0o644),
    ('3.3', '3.4', 'docker.socket', 'unit', 'root', 'root', 0o644),
    ('3.5', '3.6', '/etc/docker', 'path', 'root', 'root', 0o755),
    ('3.7', '3.8', 'registry certificates', 'registry_certs', 'root', 'root', 0o444),
    ('3.9', '3.10', 'tlscacert', 'tls', 'root', 'root', 0o444),
    ('3.11', '3.12', 'tlscert', 'tls', 'root', 'root', 0o444),
    ('3.13', '3.14', 'tlskey', 'tls', 'root', 'root', 0o400),
    ('3.15', '3.16', '/var/run/docker.sock', 'path', 'root', 'docker', 0o660),
    ('3.17', '3.18', '/etc/docker/daemon.json', 'path', 'root', 'root', 0o644),
    ('3.19', '3.22', '/etc/default/docker', 'path', 'root', 'root', 0o644),
    ('3.21', '3.20', '/etc/sysconfig/docker', 'path', 'root', 'root', 0o644),
    ('3.23', '3.24', 'containerd.sock', 'containerd_sock', 'root', 'root', 0o660),
)

# Section 2 items the hardening role contributes to daemon.json (waiving one leaves it out).
SETTING_ITEMS = {
    '2.2': ('icc',),
    '2.3': ('log-level',),
    '2.8': ('default-ulimits',),
    '2.9': ('userns-remap',),
    '2.14': ('no-new-privileges',),
    '2.15': ('live-restore',),
    '2.16': ('userland-proxy',),
    'log-rotation': ('log-opts',),
}

# Section 5: one item per running container.
CONTAINER_ITEMS = ('5.4', '5.5', '5.9', '5.10', '5.11', '5.12', '5.13', '5.15', '5.16', '5.21', '5.25', '5.26',
                   '5.31')

SENSITIVE_HOST_DIRS = ('/', '/boot', '/dev', '/etc', '/lib', '/proc', '/sys', '/usr')
DOCKER_SOCKETS = ('/var/run/docker.sock', '/run/docker.sock')
ALL_INTERFACES = ('', '0.0.0.0', '::')

# 2.13: log drivers that ship logs off the host, and those that keep them local.
REMOTE_LOG_DRIVERS = ('gelf', 'fluentd', 'awslogs', 'splunk', 'gcplogs', 'logentries')
LOCAL_LOG_DRIVERS = ('json-file', 'local', 'none')
REMOTE_SYSLOG_SCHEMES = ('tcp', 'udp', 'tcp+tls')

TITLES = {
    '1.1.1': 'A separate partition for containers has been created (data-root on its own filesystem)',
    '1.1.2': 'Only trusted users are allowed to control the Docker daemon (docker group)',
    '1.1.3': 'Auditing is configured for the Docker daemon (dockerd)',
    '1.1.4': 'Auditing is configured for /run/containerd',
    '1.1.5': 'Auditing is configured for the data-root (/var/lib/docker)',
    '1.1.6': 'Auditing is configured for /etc/docker',
    '1.1.7': 'Auditing is configured for docker.service',
    '1.1.8': 'Auditing is configured for containerd.sock',
    '1.1.9': 'Auditing is configured for docker.socket',
    '1.1.10': 'Auditing is configured for /etc/default/docker',
    '1.1.11': 'Auditing is configured for /etc/docker/daemon.json',
    '1.1.12': 'Auditing is configured for /etc/containerd/config.toml',
    '1.1.13': 'Auditing is configured for /etc/sysconfig/docker',
    '1.1.14': 'Auditing is configured for containerd',
    '1.1.15': 'Auditing is configured for containerd-shim',
    '1.1.16': 'Auditing is configured for containerd-shim-runc-v1',
    '1.1.17': 'Auditing is configured for containerd-shim-runc-v2',
    '1.1.18': 'Auditing is configured for runc',
    '2.1': 'The Docker daemon runs as a non-root user, if possible (rootless mode)',
    '2.2': 'Network traffic is restricted between containers on the default bridge (icc false)',
    '2.3': 'The logging level is set to info',
    '2.4': 'Docker is allowed to make changes to iptables',
    '2.5': 'Insecure registries are not used',
    '2.6': 'aufs storage driver is not used',
    '2.7': 'TLS authentication for the Docker daemon is configured (TCP only with tlsverify)',
    '2.8': 'The default ulimit is configured',
    '2.9': 'User namespace support is enabled (userns-remap)',
    '2.10': 'The default cgroup usage has been confirmed (no cgroup-parent)',
    '2.11': 'Base device size is not changed until needed (devicemapper dm.basesize)',
    '2.12': 'Authorization for Docker client commands is enabled (authorization plugin)',
    '2.13': 'Centralized and remote logging is configured',
    '2.14': 'Containers are restricted from acquiring new privileges (no-new-privileges)',
    '2.15': 'Live restore is enabled',
    '2.16': 'Userland proxy is disabled',
    '2.17': 'A daemon-wide seccomp profile is applied',
    '2.18': 'Experimental features are not used in production',
    '5.4': 'Privileged containers are not used',
    '5.5': 'Sensitive host system directories are not mounted in containers',
    '5.9': "The host's network namespace is not shared",
    '5.10': 'Memory usage for the container is limited',
    '5.11': 'CPU priority is set appropriately on the container (CPU shares)',
    '5.12': "The container's root filesystem is mounted as read only",
    '5.13': 'Incoming container traffic is bound to a specific host interface',
    '5.15': "The host's process namespace is not shared",
    '5.16': "The host's IPC namespace is not shared",
    '5.21': 'The default seccomp profile is not disabled',
    '5.25': 'The container is restricted from acquiring additional privileges (no-new-privileges)',
    '5.26': 'Container health is checked at runtime (HEALTHCHECK)',
    '5.31': 'The Docker socket is not mounted inside any containers',
    'log-rotation': 'Container logs are rotated (max-size, max-file; collection baseline, not a CIS item)',
}


def _file_titles():
    titles = {}
    for owner_id, mode_id, what, _kind, owner, group, widest in FILE_ITEMS:
        titles[owner_id] = '%s ownership is set to %s:%s' % (what, owner, group)
        titles[mode_id] = '%s permissions are set to %04o or more restrictive' % (what, widest)
    return titles


TITLES.update(_file_titles())


def _sort_key(item_id):
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in item_id.split('.')]


ITEM_IDS = tuple(sorted(TITLES, key=_sort_key))


def item_ids():
    """Every item id (the valid keys of a waiver map), sorted numerically; 'log-rotation' last."""
    return list(ITEM_IDS)


def section(item_id):
    """'1', '2', '3' or '5'; the non-CIS 'log-rotation' item belongs to section '2'."""
    return item_id.split('.')[0] if item_id[:1].isdigit() else '2'


# --------------------------------------------------------------------------
# Effective daemon configuration: daemon.json plus dockerd's command line
# --------------------------------------------------------------------------

_LIST_KINDS = (daemon_schema.STR_LIST, daemon_schema.IP_LIST, daemon_schema.KV_LIST, daemon_schema.URL_LIST,
               daemon_schema.HOST_LIST, daemon_schema.ADDRESS_POOLS, daemon_schema.RUNTIMES,
               daemon_schema.STR_MAP_MAP)


def _bool(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('1', 't', 'true', 'yes', 'on')


def _flag_args(state):
    """(dockerd's flags as a list, where they come from): effective_flags.args, else dockerd.args."""
    effective = state.get('effective_flags') or {}
    args = list(effective.get('args') or [])
    if args:
        return args, effective.get('source') or 'effective flags'
    args = list((state.get('dockerd') or {}).get('args') or [])
    return args, ('running process' if args else '')


def dockerd_flags(state):
    """daemon_schema's parse of the dockerd command line the host state shows."""
    args, _source = _flag_args(state)
    return daemon_schema.parse_dockerd_argv(args)


def flag_settings(state):
    """The daemon.json keys dockerd's command line sets, with values typed like daemon.json's."""
    flagged = {}
    for parsed in dockerd_flags(state).flags:
        value = parsed.value
        for key in parsed.keys:
            if key.startswith('proxies.'):
                flagged.setdefault('proxies', {})[key.split('.', 1)[1]] = value
                continue
            kind = daemon_schema.key_kind(key)
            if kind == daemon_schema.BOOL:
                flagged[key] = True if value == '' else _bool(value)
            elif kind == daemon_schema.STR_MAP:
                if '=' in value:
                    name, val = value.split('=', 1)
                    flagged.setdefault(key, {})[name] = val
                else:
                    flagged.setdefault(key, {})
            elif kind == daemon_schema.BOOL_MAP:
                name, equals, val = value.partition('=')
                flagged.setdefault(key, {})[name] = _bool(val) if equals else True
            elif kind == daemon_schema.ULIMITS:
                flagged.setdefault(key, {})[value.split('=', 1)[0]] = value
            elif kind in _LIST_KINDS:
                flagged.setdefault(key, []).append(value)
            else:
                flagged[key] = value
    return flagged


def daemon_json_error(state):
    """Why daemon.json's settings could not be read ('' when they could, or the file is absent)."""
    daemon_json = state.get('daemon_json') or {}
    if daemon_json.get('error'):
        return str(daemon_json['error'])
    if not isinstance(daemon_json.get('settings') or {}, dict):
        return 'daemon.json does not hold a JSON object'
    return ''


def effective_config(state):
    """daemon.json's settings overlaid with the flags dockerd runs with (daemon_schema's parser)."""
    settings = (state.get('daemon_json') or {}).get('settings') or {}
    config = dict(settings) if isinstance(settings, dict) else {}
    for key, value in flag_settings(state).items():
        if key == 'proxies' and isinstance(config.get(key), dict):
            merged = dict(config[key])
            merged.update(value)
            config[key] = merged
        else:
            config[key] = value
    return config


def _storage_opt(config, name):
    """The value of ``name=value`` in storage-opts ('' when not set)."""
    for opt in _storage_opts(config):
        key, _sep, value = opt.partition('=')
        if key.strip().lower() == name:
            return value.strip()
    return ''


def metrics_exposure(addr):
    """Where dockerd's unauthenticated metrics endpoint answers: 'off', 'loopback' or 'network'."""
    if not addr or not isinstance(addr, str):
        return 'off'
    return 'loopback' if daemon_schema.is_loopback_host(addr.rpartition(':')[0].strip('[]')) else 'network'


def listeners(config):
    hosts = config.get('hosts') or []
    if isinstance(hosts, str):
        hosts = [hosts]
    return list(hosts) or ['unix:///var/run/docker.sock']


def _where(state):
    _args, source = _flag_args(state)
    return 'daemon.json + dockerd flags (%s)' % source if source else 'daemon.json + dockerd flags'


# --------------------------------------------------------------------------
# Paths on the host
# --------------------------------------------------------------------------

def _stat(state, path):
    return (state.get('stat') or {}).get(path) or {'exists': False}


def _stat_read(state, path):
    """Whether the host state holds a stat of `path` at all (absent = not read, not 'missing')."""
    return path in (state.get('stat') or {})


def _audit_candidates(state, kind, name):
    if kind == 'bin':
        return list((state.get('binaries') or {}).get(name) or [])
    if kind == 'unit':
        path = ((state.get('units') or {}).get(name) or {}).get('path') or ''
        return [path] if path else []
    if kind == 'data_root':
        # 1.1.5 watches the configured data-root; under userns-remap it holds the remapped directory.
        return [state.get('configured_data_root') or state.get('data_root') or name]
    if kind == 'containerd_dir':
        return [state.get('containerd_dir') or name]
    if kind == 'containerd_sock':
        return [state.get('containerd_socket') or name]
    return [name]


def _real_existing(state, paths):
    real = []
    for path in paths:
        st = _stat(state, path)
        if st.get('exists'):
            target = st.get('realpath') or path
            if target not in real:
                real.append(target)
    return real


def audit_targets(state):
    """{item id: [real paths that exist]} for 1.1.3-1.1.18; [] where the file is not on the host."""
    return dict((item_id, _real_existing(state, _audit_candidates(state, kind, name)))
                for item_id, kind, name in AUDIT_ITEMS)


def _waived(waivers, item_id):
    return item_id in (waivers or {})


def cis_audit_watches(state, waivers=None, key='docker'):
    """The audit rule lines for every item that is not waived and whose file exists."""
    lines = []
    for item_id, paths in sorted(audit_targets(state).items(), key=lambda kv: _sort_key(kv[0])):
        if _waived(waivers, item_id):
            continue
        for path in paths:
            line = '-w %s -p rwxa -k %s' % (path, key)
            if line not in lines:
                lines.append(line)
    return lines


def _file_candidates(state, kind, what, config):
    if kind == 'unit':
        path = ((state.get('units') or {}).get(what) or {}).get('path') or ''
        return [path] if path else []
    if kind == 'containerd_sock':
        return [state.get('containerd_socket') or '/run/containerd/containerd.sock']
    if kind == 'registry_certs':
        return list(state.get('registry_certs') or [])
    if kind == 'tls':
        value = config.get(what)
        return [value] if isinstance(value, str) and value else []
    return [what]


def file_targets(state):
    """[(owner id, mode id, what, [paths that exist], owner, group, widest mode)] for section 3."""
    config = effective_config(state)
    result = []
    for owner_id, mode_id, what, kind, owner, group, widest in FILE_ITEMS:
        paths = [p for p in _file_candidates(state, kind, what, config) if _stat(state, p).get('exists')]
        result.append((owner_id, mode_id, what, paths, owner, group, widest))
    return result


def cis_file_fixes(state, waivers=None):
    """[{path, owner, group, mode}] for existing files whose owner or mode is off; never widens a mode."""
    fixes = []
    for owner_id, mode_id, _what, paths, owner, group, widest in file_targets(state):
        fix_owner = not _waived(waivers, owner_id)
        fix_mode = not _waived(waivers, mode_id)
        for path in paths:
            st = _stat(state, path)
            mode = int(st['mode'], 8)
            want = {'path': path, 'owner': st['owner'], 'group': st['group'], 'mode': st['mode']}
            if fix_owner:
                want['owner'], want['group'] = owner, group
            if fix_mode:
                want['mode'] = '%04o' % (mode & widest)
            if (want['owner'], want['group'], want['mode']) != (st['owner'], st['group'], st['mode']):
                fixes.append(want)
    return fixes


# --------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------

def _item(item_id, status, evidence, reason=''):
    return {'id': item_id, 'section': section(item_id), 'title': TITLES[item_id], 'status': status,
            'evidence': evidence or '(no evidence text)', 'reason': reason}


def _verdict(ok):
    return PASS if ok else FAIL


def _info_error(state):
    return 'docker info failed: %s' % (_first_line(state.get('docker_info_error'), 'no answer'))


def _first_line(text, default):
    lines = [line for line in (text or '').splitlines() if line.strip()]
    return lines[0].strip() if lines else default


def _json_error_item(item_id, state, evidence):
    """The item when daemon.json's settings could not be parsed: error, the judged evidence kept."""
    error = daemon_json_error(state)
    text = 'daemon.json %s unreadable (%s)' % ((state.get('daemon_json') or {}).get('path') or '', error)
    return _item(item_id, ERROR, '%s; %s' % (text, evidence), 'daemon.json could not be parsed: %s' % error)


def _config_item(item_id, state, ok, evidence):
    """An item judged from daemon.json + flags: error when daemon.json could not be parsed."""
    if daemon_json_error(state):
        return _json_error_item(item_id, state, evidence)
    return _item(item_id, _verdict(ok), evidence)


def _info_missing_item(item_id, state, what):
    error = _info_error(state)
    return _item(item_id, ERROR, '%s; %s' % (error, what), 'docker info could not be read: %s' % error)


def _check_storage(state):
    storage = state.get('storage') or {}
    data_root = storage.get('data_root') or state.get('data_root') or daemon_schema.DEFAULT_DATA_ROOT
    separate = storage.get('separate_mount')
    if not storage or not isinstance(separate, bool):
        return _item('1.1.1', ERROR, 'the filesystem of data-root %s was not read' % data_root,
                     'the storage facts (mount of data-root) could not be read')
    if storage.get('exists') is False:
        return _item('1.1.1', ERROR, 'data-root %s does not exist' % data_root,
                     'data-root %s does not exist: its filesystem could not be read' % data_root)
    where = 'data-root %s on %s (%s) mounted at %s' % (data_root, storage.get('source') or '?',
                                                       storage.get('fstype') or '?',
                                                       storage.get('mount_point') or '?')
    if separate:
        return _item('1.1.1', PASS, '%s: a filesystem of its own' % where)
    return _item('1.1.1', FAIL, '%s: the same filesystem as /' % where)


def _check_group(state, trusted):
    group = state.get('group') or {}
    if not group.get('exists'):
        return _item('1.1.2', PASS, 'group docker does not exist: nobody but root reaches the socket')
    members = sorted(set(group.get('members') or []) | set(group.get('primary_members') or []))
    untrusted = sorted(set(members) - set(trusted or []))
    evidence = 'getent group docker: members [%s]; trusted [%s]' % (', '.join(members), ', '.join(sorted(trusted or [])))
    if untrusted:
        evidence += '; untrusted: %s' % ', '.join(untrusted)
    if group.get('primary_members'):
        evidence += '; docker is the primary group of: %s' % ', '.join(group['primary_members'])
    return _item('1.1.2', _verdict(not untrusted), evidence)


def _auditctl_reason(audit):
    if not audit.get('auditctl'):
        return 'auditctl not installed'
    if audit.get('not_permitted'):
        return 'auditctl not permitted: %s' % _first_line(audit.get('auditctl_err'), 'Operation not permitted')
    return 'auditctl failed: %s' % _first_line(audit.get('auditctl_err'), 'rc=%s' % audit.get('auditctl_rc'))


def audit_source(state):
    """(kind, label, rules text): kind 'auditctl', 'compiled' or 'none'.

    ``audit.source`` of the host state decides; without it (the old probe) auditctl -l is used when it
    answered, else the compiled rules file, else nothing.
    """
    audit = state.get('audit') or {}
    source = audit.get('source')
    if source not in ('auditctl -l', 'compiled rules file', 'none'):
        if audit.get('auditctl_rc') == 0:
            source = 'auditctl -l'
        elif audit.get('compiled') is not None:
            source = 'compiled rules file'
        else:
            source = 'none'
    if source == 'auditctl -l':
        return 'auditctl', 'auditctl -l', audit.get('auditctl_out') or ''
    reason = _auditctl_reason(audit)
    if source == 'compiled rules file' and audit.get('compiled') is not None:
        return 'compiled', 'compiled rules file %s (%s)' % (audit.get('compiled_path'), reason), audit['compiled']
    return 'none', 'no audit rules readable (%s; compiled rules file %s is missing)' % (
        reason, audit.get('compiled_path') or '?'), ''


def _watched(text, path):
    """Whether `text` (auditctl -l output or a rules file) watches `path`."""
    pattern = r'(^|\s)(-w\s+%s/?(\s|$)|-F\s+(path|dir)=%s/?(\s|$))' % (re.escape(path), re.escape(path))
    return any(re.search(pattern, line) for line in text.splitlines() if not line.lstrip().startswith('#'))


def cis_unwatched(watch_lines, text):
    """The rule lines of `watch_lines` whose path `text` (auditctl -l or a rules file) does not watch."""
    missing = []
    for line in watch_lines or []:
        parts = line.split()
        if len(parts) >= 2 and not _watched(text or '', parts[1]):
            missing.append(line)
    return missing


def _check_audit(state):
    kind, label, text = audit_source(state)
    where = label.split(' (')[0]
    items = []
    for item_id, item_kind, name in AUDIT_ITEMS:
        candidates = _audit_candidates(state, item_kind, name)
        unread = [p for p in candidates if not _stat_read(state, p)]
        paths = _real_existing(state, candidates)
        if unread:
            items.append(_item(item_id, ERROR, 'no stat of %s in the host state' % ', '.join(unread),
                               'whether %s exists was not read' % ', '.join(unread)))
        elif not paths:
            if candidates:
                evidence = '%s: not present on this host' % ', '.join(candidates)
            elif item_kind == 'bin':
                evidence = 'program %s not found on this host' % name
            else:
                evidence = 'unit %s not found on this host' % name
            items.append(_item(item_id, NOT_APPLICABLE, evidence,
                               'not present on this host: CIS audits it only where it exists, no rule needed'))
        elif kind == 'none':
            items.append(_item(item_id, FAIL, '%s: no watch on %s can be shown' % (label, ', '.join(paths))))
        else:
            missing = [p for p in paths if not _watched(text, p)]
            if missing:
                evidence = 'no watch on %s in %s' % (', '.join(missing), where)
            else:
                evidence = 'watch on %s in %s' % (', '.join(paths), where)
            items.append(_item(item_id, _verdict(not missing), evidence))
    return items


def _ulimits_text(value):
    if isinstance(value, dict):
        parts = []
        for name in sorted(value):
            limit = value[name]
            if isinstance(limit, dict):
                parts.append('%s=%s:%s' % (name, limit.get('Soft'), limit.get('Hard')))
            else:
                parts.append(str(limit))
        return ', '.join(parts)
    return str(value)


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _storage_opts(cfg):
    opts = cfg.get('storage-opts')
    if isinstance(opts, dict):
        return ['%s=%s' % kv for kv in sorted(opts.items())]
    return [str(o) for o in _as_list(opts)]


def _nnp_daemon(state, cfg, secopts):
    """(daemon default no-new-privileges: True/False/None = unknown, evidence)."""
    if 'name=no-new-privileges' in secopts:
        return True, 'docker info SecurityOptions: name=no-new-privileges'
    nnp = cfg.get('no-new-privileges', False)
    if nnp is True:
        return True, '%s: no-new-privileges=true' % _where(state)
    if daemon_json_error(state):
        return None, 'daemon.json unreadable (%s)' % daemon_json_error(state)
    return False, '%s: no-new-privileges=%s' % (_where(state), nnp)


def _log_driver(state, cfg, info):
    if info.get('LoggingDriver'):
        return info['LoggingDriver'], 'docker info LoggingDriver'
    if cfg.get('log-driver'):
        return cfg['log-driver'], _where(state)
    return 'json-file', '%s: log-driver unset (dockerd default json-file)' % _where(state)


def _check_daemon(state):
    cfg = effective_config(state)
    info = state.get('docker_info') or {}
    where = _where(state)
    json_error = daemon_json_error(state)
    secopts = [str(o) for o in (info.get('SecurityOptions') or [])]
    items = []

    # 2.1: rootless
    if not info:
        items.append(_info_missing_item('2.1', state, 'SecurityOptions unknown'))
    elif 'name=rootless' in secopts:
        items.append(_item('2.1', PASS, 'docker info SecurityOptions: name=rootless'))
    else:
        uid = (state.get('dockerd') or {}).get('uid')
        items.append(_item('2.1', MANUAL, 'docker info SecurityOptions=%s (no name=rootless)%s' % (
            secopts, '; dockerd uid %s' % uid if uid is not None else ''),
            'dockerd runs as root: decide whether rootless mode fits this host'))

    # 2.2: icc
    bridge = state.get('bridge_options')
    if isinstance(bridge, dict) and 'com.docker.network.bridge.enable_icc' in bridge:
        icc = bridge['com.docker.network.bridge.enable_icc']
        items.append(_item('2.2', _verdict(str(icc).lower() == 'false'),
                           'docker network inspect bridge: com.docker.network.bridge.enable_icc=%s' % icc))
    else:
        icc = cfg.get('icc', True)
        items.append(_config_item('2.2', state, icc is False,
                                  '%s: icc=%s (bridge network not inspectable)' % (where, icc)))

    level = cfg.get('log-level')
    items.append(_config_item('2.3', state, level in (None, 'info'),
                              '%s: log-level=%s' % (where, level if level is not None else
                                                    'unset (dockerd default info)')))

    iptables = cfg.get('iptables', True)
    items.append(_config_item('2.4', state, iptables is not False, '%s: iptables=%s' % (where, iptables)))

    # 2.5: insecure registries (config) and InsecureRegistryCIDRs (docker info)
    insecure = _as_list(cfg.get('insecure-registries'))
    cidrs = list(((info.get('RegistryConfig') or {}).get('InsecureRegistryCIDRs')) or [])
    extra_cidrs = [c for c in cidrs if c not in ('127.0.0.0/8', '::1/128')]
    evidence = '%s: insecure-registries=%s; docker info InsecureRegistryCIDRs=%s' % (
        where, insecure, cidrs if info else '?')
    if insecure or extra_cidrs:
        items.append(_item('2.5', FAIL, evidence))
    elif not info:
        items.append(_info_missing_item('2.5', state, evidence))
    else:
        items.append(_config_item('2.5', state, True, evidence))

    # 2.6: aufs
    if info:
        driver = info.get('Driver') or ''
        items.append(_item('2.6', _verdict(bool(driver) and driver != 'aufs'), 'docker info Driver=%s' % (driver or '?')))
    elif cfg.get('storage-driver') == 'aufs':
        items.append(_item('2.6', FAIL, '%s: storage-driver=aufs; %s' % (where, _info_error(state))))
    else:
        items.append(_info_missing_item('2.6', state, 'storage driver in use unknown'))

    # 2.7: TLS on tcp listeners
    hosts = listeners(cfg)
    tcp = [h for h in hosts if str(h).startswith('tcp://')]
    tls_files = [k for k in daemon_schema.TLS_FILE_KEYS if cfg.get(k)]
    tls_ok = cfg.get('tlsverify') is True and len(tls_files) == 3
    if tcp:
        evidence = 'tcp listeners %s; tlsverify=%s; %s set' % (', '.join(tcp), cfg.get('tlsverify', False),
                                                               ', '.join(tls_files) or 'no TLS files')
    else:
        evidence = 'no tcp listener (%s)' % ', '.join(hosts)
    items.append(_config_item('2.7', state, not tcp or tls_ok, evidence))

    ulimits = cfg.get('default-ulimits')
    items.append(_config_item('2.8', state, bool(ulimits), '%s: default-ulimits=%s' % (
        where, _ulimits_text(ulimits) if ulimits else 'unset')))

    # 2.9: userns
    if not info:
        items.append(_info_missing_item('2.9', state, 'SecurityOptions unknown'))
    else:
        userns = [o for o in secopts if o.startswith('name=userns')]
        items.append(_item('2.9', _verdict(bool(userns)), 'docker info SecurityOptions=%s' % secopts))

    parent = cfg.get('cgroup-parent')
    items.append(_config_item('2.10', state, not parent, '%s: cgroup-parent=%s' % (where, parent or 'unset (default)')))

    # 2.11: devicemapper base device size
    driver = info.get('Driver') or cfg.get('storage-driver') or ''
    driver_from = 'docker info Driver' if info.get('Driver') else '%s: storage-driver' % where
    if not driver:
        if info:
            items.append(_item('2.11', ERROR, 'docker info shows no storage driver',
                               'the storage driver in use could not be read'))
        else:
            items.append(_info_missing_item('2.11', state, 'storage driver in use unknown'))
    elif driver != 'devicemapper':
        items.append(_item('2.11', NOT_APPLICABLE, '%s=%s' % (driver_from, driver),
                           'storage driver %s is not devicemapper: there is no base device' % driver))
    else:
        basesize = [o for o in _storage_opts(cfg) if o.split('=', 1)[0].strip() == 'dm.basesize']
        evidence = '%s=devicemapper; %s: storage-opts %s' % (driver_from, where,
                                                             ', '.join(basesize) or 'without dm.basesize')
        items.append(_config_item('2.11', state, not basesize, evidence))

    # 2.12: authorization plugin
    authz_cfg = [str(p) for p in _as_list(cfg.get('authorization-plugins')) if p]
    authz_info = [str(p) for p in _as_list((info.get('Plugins') or {}).get('Authorization')) if p]
    evidence = '%s: authorization-plugins=%s; docker info Plugins.Authorization=%s' % (
        where, authz_cfg, authz_info if info else '?')
    if authz_cfg or authz_info:
        items.append(_item('2.12', PASS, evidence))
    else:
        items.append(_config_item('2.12', state, False, evidence))

    # 2.13: centralized remote logging
    log_driver, log_from = _log_driver(state, cfg, info)
    opts = cfg.get('log-opts') if isinstance(cfg.get('log-opts'), dict) else {}
    log_evidence = '%s: log driver %s' % (log_from, log_driver)
    if log_driver in REMOTE_LOG_DRIVERS:
        items.append(_item('2.13', PASS, '%s ships logs off the host' % log_evidence))
    elif log_driver == 'syslog':
        address = str(opts.get('syslog-address') or '')
        scheme = address.split('://', 1)[0] if '://' in address else ''
        evidence = '%s; log-opts syslog-address=%s' % (log_evidence, address or 'unset (local syslog)')
        if scheme in REMOTE_SYSLOG_SCHEMES:
            items.append(_item('2.13', PASS, evidence))
        elif json_error:
            items.append(_json_error_item('2.13', state, evidence))
        else:
            items.append(_item('2.13', MANUAL, evidence,
                               'syslog logs to this host: check that the host forwards them to a central log server'))
    elif log_driver == 'journald':
        items.append(_item('2.13', MANUAL, log_evidence,
                           'journald keeps logs on this host: check that the journal is forwarded to a central '
                           'log server'))
    elif log_driver in LOCAL_LOG_DRIVERS:
        if not info and json_error:
            items.append(_json_error_item('2.13', state, log_evidence))
        else:
            items.append(_item('2.13', FAIL, '%s keeps logs on this host only' % log_evidence))
    else:
        items.append(_item('2.13', MANUAL, log_evidence,
                           'log driver %s: check that it ships logs to a central log server' % log_driver))

    # 2.14: no-new-privileges
    nnp, evidence = _nnp_daemon(state, cfg, secopts)
    if nnp is None:
        items.append(_json_error_item('2.14', state, '%s: no-new-privileges unknown' % where))
    else:
        items.append(_item('2.14', _verdict(nnp), evidence))

    if not info:
        items.append(_info_missing_item('2.15', state, 'LiveRestoreEnabled unknown'))
    else:
        live = info.get('LiveRestoreEnabled')
        items.append(_item('2.15', _verdict(live is True), 'docker info LiveRestoreEnabled=%s' % live))

    proxy = cfg.get('userland-proxy', True)
    items.append(_config_item('2.16', state, proxy is False, '%s: userland-proxy=%s' % (where, proxy)))

    if not info:
        items.append(_info_missing_item('2.17', state, 'SecurityOptions unknown'))
    else:
        seccomp = [o for o in secopts if o.startswith('name=seccomp')]
        items.append(_item('2.17', _verdict(bool(seccomp) and not any('profile=unconfined' in o for o in seccomp)),
                           'docker info SecurityOptions: %s' % (', '.join(seccomp) or 'no seccomp')))

    if not info:
        items.append(_info_missing_item('2.18', state, 'ExperimentalBuild unknown'))
    else:
        experimental = info.get('ExperimentalBuild', False)
        items.append(_item('2.18', _verdict(experimental is False), 'docker info ExperimentalBuild=%s' % experimental))

    # log-rotation (collection baseline)
    if log_driver == 'json-file':
        ok = bool(opts.get('max-size')) and bool(opts.get('max-file'))
        evidence = '%s; log-opts max-size=%s max-file=%s' % (log_evidence, opts.get('max-size'), opts.get('max-file'))
        items.append(_config_item('log-rotation', state, ok, evidence))
    elif log_driver == 'local':
        items.append(_item('log-rotation', PASS, 'log driver local rotates by itself (max-size=%s max-file=%s)' % (
            opts.get('max-size', '20m'), opts.get('max-file', '5'))))
    else:
        items.append(_item('log-rotation', PASS, 'log driver %s does not write local log files' % log_driver))
    return items


def _mode_ok(mode, widest):
    return int(mode, 8) & ~widest == 0


def _absent_reason(kind, what):
    if kind == 'tls':
        return '%s is not configured: no TLS file to check' % what
    if kind == 'registry_certs':
        return 'no registry certificates under /etc/docker/certs.d'
    return '%s is not present on this host: nothing to check' % what


def _check_files(state):
    config = effective_config(state)
    json_error = daemon_json_error(state)
    items = []
    for owner_id, mode_id, what, kind, owner, group, widest in FILE_ITEMS:
        candidates = _file_candidates(state, kind, what, config)
        unread = [p for p in candidates if not _stat_read(state, p)]
        paths = [p for p in candidates if _stat(state, p).get('exists')]
        if kind == 'tls' and not candidates and json_error:
            for item_id in (owner_id, mode_id):
                items.append(_json_error_item(item_id, state, '%s: path unknown' % what))
            continue
        if unread:
            for item_id in (owner_id, mode_id):
                items.append(_item(item_id, ERROR, 'no stat of %s in the host state' % ', '.join(unread),
                                   'owner and mode of %s were not read' % ', '.join(unread)))
            continue
        if not paths:
            if candidates:
                evidence = '%s: not present on this host' % ', '.join(candidates)
            elif kind == 'tls':
                evidence = '%s: not configured (%s)' % (what, _where(state))
            elif kind == 'registry_certs':
                evidence = 'no files under /etc/docker/certs.d'
            else:
                evidence = 'unit %s not found on this host' % what
            for item_id in (owner_id, mode_id):
                items.append(_item(item_id, NOT_APPLICABLE, evidence, _absent_reason(kind, what)))
            continue
        stats = [(p, _stat(state, p)) for p in paths]
        owners = ['%s %s:%s' % (p, s.get('owner'), s.get('group')) for p, s in stats]
        modes = ['%s %s' % (p, s.get('mode')) for p, s in stats]
        items.append(_item(owner_id, _verdict(all((s.get('owner'), s.get('group')) == (owner, group)
                                                  for _p, s in stats)), '; '.join(owners)))
        items.append(_item(mode_id, _verdict(all(_mode_ok(s['mode'], widest) for _p, s in stats)), '; '.join(modes)))
    return items


# --------------------------------------------------------------------------
# Section 5: running containers
# --------------------------------------------------------------------------

def _norm(path):
    path = posixpath.normpath(str(path or ''))
    return '/' if path in ('//', '') else path


def _sensitive(source):
    source = _norm(source)
    for directory in SENSITIVE_HOST_DIRS:
        if source == directory or (directory != '/' and source.startswith(directory + '/')):
            return True
    return False


def _daemon_sockets(cfg):
    sockets = list(DOCKER_SOCKETS)
    for host in listeners(cfg):
        host = str(host)
        if host.startswith('unix://'):
            path = _norm(host[len('unix://'):])
            if path not in sockets:
                sockets.append(path)
    return sockets


def _socket_exposed(source, sockets):
    """The docker socket `source` exposes (itself or a directory holding it, '/' aside), or ''."""
    source = _norm(source)
    for sock in sockets:
        if source == sock or (source != '/' and sock.startswith(source + '/')):
            return sock
    return ''


def _mount_text(mount):
    return '%s:%s%s' % (mount.get('source') or '?', mount.get('destination') or '?',
                        '' if mount.get('rw', True) else ' (read-only)')


def _nnp_container(opts):
    """True (set), False (explicitly off) or None (not given) for a container's security_opt."""
    result = None
    for opt in opts:
        match = re.match(r'^no-new-privileges(?:[:=](.*))?$', opt)
        if match:
            result = True if not match.group(1) else _bool(match.group(1))
    return result


def _check_container(container, nnp_daemon, sockets):
    name = container.get('name') or container.get('id') or '?'
    image = container.get('image') or '?'
    mounts = [m for m in (container.get('mounts') or []) if isinstance(m, dict)]
    binds = [m for m in mounts if m.get('type', 'bind') in ('bind', '', None) and m.get('source')]
    opts = [str(o) for o in (container.get('security_opt') or [])]
    items = []

    def add(item_id, ok, evidence, status=None):
        item = _item(item_id, status or _verdict(ok), evidence)
        item['container'] = name
        item['image'] = image
        items.append(item)

    privileged = container.get('privileged') is True
    add('5.4', not privileged, 'Privileged=%s' % privileged)

    sensitive = [m for m in binds if _sensitive(m.get('source'))]
    if sensitive:
        texts = [_mount_text(m) for m in sensitive]
        readonly = [m for m in sensitive if not m.get('rw', True)]
        add('5.5', False, 'sensitive host directories bind-mounted: %s%s' % (
            ', '.join(texts), '; read-only mounts still expose the host' if readonly else ''))
    else:
        add('5.5', True, 'bind mounts: %s' % (', '.join(_mount_text(m) for m in binds) or 'none'))

    network = container.get('network_mode') or 'default'
    add('5.9', network != 'host', 'NetworkMode=%s' % network)

    memory = container.get('memory') or 0
    add('5.10', memory > 0, 'Memory=%s%s' % (memory, ' (unlimited)' if memory <= 0 else ' bytes'))

    shares = container.get('cpu_shares') or 0
    add('5.11', shares not in (0, 1024), 'CpuShares=%s%s' % (shares, ' (default 1024: not set deliberately)'
                                                             if shares in (0, 1024) else ''))

    readonly_root = container.get('readonly_rootfs') is True
    add('5.12', readonly_root, 'ReadonlyRootfs=%s' % readonly_root)

    ports = [p for p in (container.get('port_bindings') or []) if isinstance(p, dict)]
    everywhere = [p for p in ports if str(p.get('host_ip') or '') in ALL_INTERFACES]
    port_texts = ['%s:%s->%s' % (p.get('host_ip') or '0.0.0.0', p.get('host_port') or '?',
                                 p.get('container_port') or '?') for p in ports]
    if not ports:
        add('5.13', True, 'no published ports')
    elif everywhere:
        add('5.13', False, 'bound to all host interfaces: %s' % ', '.join(
            '%s:%s->%s' % (p.get('host_ip') or '0.0.0.0', p.get('host_port') or '?', p.get('container_port') or '?')
            for p in everywhere))
    else:
        add('5.13', True, 'published on specific interfaces: %s' % ', '.join(port_texts))

    pid_mode = container.get('pid_mode') or ''
    add('5.15', pid_mode != 'host', 'PidMode=%s' % (pid_mode or 'private (default)'))

    ipc_mode = container.get('ipc_mode') or ''
    add('5.16', ipc_mode != 'host', 'IpcMode=%s' % (ipc_mode or 'default'))

    unconfined = [o for o in opts if o in ('seccomp=unconfined', 'seccomp:unconfined')]
    if container.get('privileged'):
        # A privileged container runs without any seccomp filter, whatever SecurityOpt says.
        add('5.21', False, 'Privileged=True: runs without a seccomp profile; SecurityOpt=%s' % opts)
    else:
        add('5.21', not unconfined, 'SecurityOpt=%s' % opts)

    nnp = _nnp_container(opts)
    running_nnp = container.get('no_new_privs')
    if running_nnp in (True, False):
        # The process's own flag decides: the daemon default reaches only containers created after it was set.
        evidence = 'process %s NoNewPrivs=%d; SecurityOpt %s; daemon default: %s' % (
            container.get('pid') or '?', running_nnp, [o for o in opts if o.startswith('no-new-privileges')] or 'none',
            nnp_daemon[1])
        if not running_nnp and nnp is None and nnp_daemon[0]:
            evidence += '; created before the daemon default was set: recreate the container to get it'
        add('5.25', running_nnp, evidence)
    elif nnp is True:
        add('5.25', True, 'SecurityOpt %s' % [o for o in opts if o.startswith('no-new-privileges')])
    elif nnp is False:
        add('5.25', False, 'SecurityOpt %s turns the daemon default off' %
            [o for o in opts if o.startswith('no-new-privileges')])
    elif nnp_daemon[0] is None:
        add('5.25', False, 'no no-new-privileges in SecurityOpt; daemon default unknown: %s' % nnp_daemon[1],
            status=ERROR)
        items[-1]['reason'] = 'the daemon default could not be read: %s' % nnp_daemon[1]
    else:
        add('5.25', nnp_daemon[0], 'no no-new-privileges in SecurityOpt; daemon default: %s' % nnp_daemon[1])

    health = container.get('healthcheck') is True
    status = container.get('health_status') or ''
    add('5.26', health, 'Healthcheck %s%s' % ('set' if health else 'not set (or NONE)',
                                              ', status %s' % status if status else ''))

    exposed = []
    for mount in mounts:
        sock = _socket_exposed(mount.get('source'), sockets)
        if sock:
            exposed.append('%s (%s)' % (_mount_text(mount), 'the docker socket' if _norm(mount.get('source')) == sock
                                        else 'holds %s' % sock))
    add('5.31', not exposed, 'docker socket mounted: %s' % ', '.join(exposed) if exposed else
        'no mount of %s' % ', '.join(sockets))
    return items


def _check_containers(state, cfg):
    info = state.get('docker_info') or {}
    secopts = [str(o) for o in (info.get('SecurityOptions') or [])]
    nnp_daemon = _nnp_daemon(state, cfg, secopts)
    sockets = _daemon_sockets(cfg)
    items = []
    for container in state.get('containers') or []:
        if isinstance(container, dict):
            items += _check_container(container, nnp_daemon, sockets)
    return items


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------

def _apply_waivers(items, waivers):
    for item in items:
        if item['id'] in waivers:
            item['status'] = WAIVED
            item['reason'] = str(waivers[item['id']])
    return items


def _item_order(item):
    return (_sort_key(item['id']), item.get('container') or '')


def _summary(items):
    summary = dict((status, 0) for status in STATUSES)
    for item in items:
        summary[item['status']] += 1
    return summary


def _engine(state, info):
    engine = state.get('engine') or {}
    packages = state.get('packages') or {}
    return {
        'installed': bool(engine.get('installed', bool((state.get('binaries') or {}).get('dockerd')))),
        'running': bool(engine.get('running', bool(info))),
        'server_version': engine.get('server_version') or info.get('ServerVersion', ''),
        'dockerd_version': engine.get('dockerd_version') or '',
        'containerd_version': engine.get('containerd_version') or '',
        'runc_version': engine.get('runc_version') or '',
        'service_manager': state.get('service_manager') or '',
        'packages': dict((name, (pkg or {}).get('version') or '') for name, pkg in sorted(packages.items())
                         if isinstance(pkg, dict) and pkg.get('installed')),
    }


def _tls_section(state, cert):
    files = []
    tls_files = (state.get('tls') or {}).get('files') or {}
    for key in daemon_schema.TLS_FILE_KEYS:
        entry = tls_files.get(key) or {}
        if entry.get('path') and entry.get('exists', True):
            files.append({'key': key, 'path': entry['path'], 'not_after': entry.get('not_after'),
                          'days_left': entry.get('days_left'),
                          'subject_alt_names': list(entry.get('subject_alt_names') or [])})
    if cert and cert.get('path') and not any(f['key'] == 'tlscert' for f in files):
        files.insert(len([f for f in files if f['key'] == 'tlscacert']),
                     {'key': 'tlscert', 'path': cert['path'], 'not_after': cert.get('not_after'),
                      'days_left': cert.get('days_left'), 'subject_alt_names': list(cert.get('subject_alt_names') or [])})
    days = [f['days_left'] for f in files if isinstance(f['days_left'], int)]
    return {'files': files, 'min_days_left': min(days) if days else None}


def _events(state):
    events = state.get('events') or {}
    return {'since': events.get('since') or '', 'died': list(events.get('died') or []),
            'oom': list(events.get('oom') or []), 'error': events.get('error') or ''}


def host_report(state, trusted_users=None, waivers=None, host='', generated='', tls_certificate=None):
    """The CIS report of one host (see the report schema): facts, items with status and evidence, summary."""
    state = state or {}
    waivers = dict(waivers or {})
    cfg = effective_config(state)
    info = state.get('docker_info') or {}

    items = [_check_storage(state), _check_group(state, trusted_users)]
    items += _check_audit(state)
    items += _check_daemon(state)
    items += _check_files(state)
    items += _check_containers(state, cfg)
    _apply_waivers(items, waivers)
    items.sort(key=_item_order)

    flagged = {}
    for item in items:
        if item['section'] == '5' and item['status'] == FAIL:
            entry = flagged.setdefault(item['container'], {'name': item['container'], 'image': item['image'],
                                                           'items': []})
            entry['items'].append(item['id'])

    cert = tls_certificate or state.get('tls_server_certificate') or None
    tls_on = bool(cfg.get('tlsverify') or cfg.get('tls'))
    storage = state.get('storage') or {}
    summary = _summary(items)
    containers = [c for c in (state.get('containers') or []) if isinstance(c, dict)]
    return {
        'host': host,
        'generated': generated,
        'status': 'ok',
        'error': '',
        'benchmark': BENCHMARK,
        'engine': _engine(state, info),
        'daemon': {
            'server_version': info.get('ServerVersion', ''),
            'storage_driver': info.get('Driver', ''),
            'data_root': info.get('DockerRootDir', state.get('data_root', '')),
            'logging_driver': info.get('LoggingDriver', ''),
            'live_restore': info.get('LiveRestoreEnabled', False),
            'security_options': list(info.get('SecurityOptions') or []),
            'listeners': listeners(cfg),
            'tls': tls_on,
            'tls_certificate_path': (cert or {}).get('path', cfg.get('tlscert', '')) if tls_on else '',
            'tls_certificate_not_after': (cert or {}).get('not_after') if tls_on else None,
            'tls_certificate_days_left': (cert or {}).get('days_left') if tls_on else None,
            'metrics_addr': str(cfg.get('metrics-addr') or ''),
            'metrics_exposure': metrics_exposure(cfg.get('metrics-addr')),
        },
        'storage': {
            'data_root': storage.get('data_root') or state.get('data_root', ''),
            'fstype': storage.get('fstype', ''),
            'separate_mount': storage.get('separate_mount'),
            'mount_point': storage.get('mount_point', ''),
            'size_bytes': storage.get('size_bytes'),
            'free_bytes': storage.get('free_bytes'),
            'system_df': list(state.get('system_df') or []),
            'quota': storage.get('quota') or 'none',
            'default_container_size': _storage_opt(cfg, 'overlay2.size'),
        },
        'tls': _tls_section(state, cert),
        'network': network_section(state, cfg, info),
        'prune': dict(_NO_PRUNE, **(state.get('prune') or {})),
        'firewall': dict(_NO_FIREWALL, **(state.get('firewall') or {})),
        'containers': {'running': len(containers),
                       'flagged': [flagged[name] for name in sorted(flagged)]},
        'events': _events(state),
        'audit_evidence': audit_source(state)[1],
        'items': items,
        'summary': summary,
        'compliant': summary[FAIL] == 0 and summary[ERROR] == 0,
    }


def _without_password(url):
    """A proxy URL with the password of its user part left out."""
    return re.sub(r'^([A-Za-z0-9+.-]+://[^/@:]*):[^/@]*@', r'\1:***@', str(url or ''))


#: The log-opts that name where a log driver sends its logs.
LOG_TARGET_OPTS = ('syslog-address', 'gelf-address', 'fluentd-address', 'splunk-url', 'awslogs-group')


def network_section(state, cfg, info):
    """What the host talks to: dockerd's proxy (as the running daemon reports it), the registries it trusts with
    their CA expiry, and where the logs go."""
    opts = cfg.get('log-opts') if isinstance(cfg.get('log-opts'), dict) else {}
    return {
        'proxy': {'http': _without_password(info.get('HttpProxy')), 'https': _without_password(info.get('HttpsProxy')),
                  'no_proxy': str(info.get('NoProxy') or '')},
        'registries': [dict(entry) for entry in state.get('registries') or [] if isinstance(entry, dict)],
        'registry_mirrors': [str(m) for m in _as_list(cfg.get('registry-mirrors'))],
        'insecure_registries': [str(r) for r in _as_list(cfg.get('insecure-registries'))],
        'log_driver': info.get('LoggingDriver', '') or str(cfg.get('log-driver') or ''),
        'log_target': next((str(opts[name]) for name in LOG_TARGET_OPTS if opts.get(name)), ''),
    }


_NO_NETWORK = {'proxy': {'http': '', 'https': '', 'no_proxy': ''}, 'registries': [], 'registry_mirrors': [],
               'insecure_registries': [], 'log_driver': '', 'log_target': ''}
_NO_PRUNE = {'scheduled': False, 'via': '', 'schedule': '', 'last_run': None}
_NO_FIREWALL = {'table': False, 'ports': [], 'allowed_networks': [], 'dropped_packets': None, 'published_policy': False,
                'published_networks': [], 'published_dropped_packets': None}


def failed_host_report(host, status, error, generated=''):
    """The report of a host that could not be judged ('unreachable' or 'failed'): no items, not compliant."""
    if status not in ('unreachable', 'failed'):
        raise ValueError("status must be 'unreachable' or 'failed', not %r" % (status,))
    return {
        'host': host,
        'generated': generated,
        'status': status,
        'error': str(error or status),
        'benchmark': BENCHMARK,
        'engine': {'installed': False, 'running': False, 'server_version': '', 'dockerd_version': '',
                   'containerd_version': '', 'runc_version': '', 'service_manager': '', 'packages': {}},
        'daemon': {'server_version': '', 'storage_driver': '', 'data_root': '', 'logging_driver': '',
                   'live_restore': False, 'security_options': [], 'listeners': [], 'tls': False,
                   'tls_certificate_path': '', 'tls_certificate_not_after': None, 'tls_certificate_days_left': None,
                   'metrics_addr': '', 'metrics_exposure': 'off'},
        'prune': dict(_NO_PRUNE),
        'firewall': dict(_NO_FIREWALL),
        'network': dict(_NO_NETWORK),
        'storage': {'data_root': '', 'fstype': '', 'separate_mount': None, 'mount_point': '', 'size_bytes': None,
                    'free_bytes': None, 'system_df': [], 'quota': 'none', 'default_container_size': ''},
        'tls': {'files': [], 'min_days_left': None},
        'containers': {'running': 0, 'flagged': []},
        'events': {'since': '', 'died': [], 'oom': [], 'error': ''},
        'audit_evidence': '',
        'items': [],
        'summary': dict((s, 0) for s in STATUSES),
        'compliant': False,
    }


_STATUS_LABELS = {PASS: 'pass', FAIL: 'FAIL', WAIVED: 'waived', NOT_APPLICABLE: 'n/a', MANUAL: 'manual',
                  ERROR: 'ERROR'}


def report_table(report):
    """A readable table of a report, one string per line."""
    report = report or {}
    if report.get('status', 'ok') != 'ok':
        return ['CIS Docker Benchmark report for %s (%s)' % (report.get('host'), report.get('generated')),
                'host %s: %s' % (report.get('status'), report.get('error')),
                'no items judged; not compliant']
    daemon = report.get('daemon') or {}
    if daemon.get('tls'):
        days = daemon.get('tls_certificate_days_left')
        tls = 'on (server certificate: %s)' % ('%s days left' % days if days is not None else 'expiry unknown')
    else:
        tls = 'off'
    storage = report.get('storage') or {}
    containers = report.get('containers') or {}
    flagged = containers.get('flagged') or []
    lines = [
        'CIS Docker Benchmark report for %s (%s)' % (report.get('host'), report.get('generated')),
        'Docker %s, storage driver %s, data root %s, live restore %s' % (
            daemon.get('server_version') or '?', daemon.get('storage_driver') or '?', daemon.get('data_root') or '?',
            daemon.get('live_restore')),
        'listeners: %s; TLS %s' % (', '.join(daemon.get('listeners') or []), tls),
        'audit rules checked with: %s' % report.get('audit_evidence'),
        'data root filesystem: %s at %s (%s)' % (
            storage.get('fstype') or '?', storage.get('mount_point') or '?',
            {True: 'separate mount', False: 'same filesystem as /'}.get(storage.get('separate_mount'), 'unknown')),
        'running containers: %d%s' % (containers.get('running') or 0, '; flagged: %s' % ', '.join(
            '%s (%s)' % (c.get('name'), ', '.join(c.get('items') or [])) for c in flagged) if flagged else ''),
        '%-20s %-7s %s' % ('item', 'status', 'evidence'),
    ]
    for item in report.get('items') or []:
        name = item['id'] + (' ' + item['container'] if item.get('container') else '')
        detail = item.get('evidence') or ''
        if item['status'] == WAIVED:
            detail = 'waived: %s | %s' % (item.get('reason'), detail)
        elif item['status'] == MANUAL:
            detail = 'check: %s | %s' % (item.get('reason'), detail)
        lines.append('%-20s %-7s %s' % (name, _STATUS_LABELS.get(item['status'], item['status']), detail))
    summary = report.get('summary') or {}
    lines.append('%d pass, %d fail, %d waived, %d not applicable, %d manual, %d error: %s' % (
        summary.get(PASS, 0), summary.get(FAIL, 0), summary.get(WAIVED, 0), summary.get(NOT_APPLICABLE, 0),
        summary.get(MANUAL, 0), summary.get(ERROR, 0), 'compliant' if report.get('compliant') else 'NOT compliant'))
    return lines
