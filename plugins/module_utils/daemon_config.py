# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Validate, render, compare and write daemon.json.

Pure functions on plain data; the knowledge about dockerd itself lives in
:mod:`daemon_schema`.  The only I/O here is read-only inspection of the host
(TLS files, the filesystem type of data-root) and the small file helpers at
the end (atomic write, the ``.previous`` copy used for rollback).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import errno
import ipaddress
import json
import os
import re
import stat

from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema as schema
from ansible_collections.hardened.docker.plugins.module_utils import _host_state as host_state
from ansible_collections.hardened.docker.plugins.module_utils import fileutil


class ValidationError(Exception):
    """Raised by :func:`validate_or_raise`; ``messages`` holds every problem found."""

    def __init__(self, messages):
        self.messages = list(messages)
        super(ValidationError, self).__init__(format_errors(self.messages))


def format_errors(messages):
    count = len(messages)
    lines = ['daemon.json was not written: %d problem%s found:' % (count, '' if count == 1 else 's')]
    lines.extend('- ' + message for message in messages)
    return '\n'.join(lines)


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------

_VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')


def parse_version(text):
    """'20.10.24+dfsg1' -> (20, 10, 24); also 'Docker version 26.1.5+dfsg1, build a72d7cd',
    'v25.0', '5:24.0.7-1~debian.12~bookworm'.  Raises ValueError when no version is found."""
    if isinstance(text, tuple):
        return (tuple(text) + (0, 0, 0))[:3]
    match = _VERSION_RE.search(text or '')
    if not match:
        raise ValueError('not an Engine version: %r' % (text,))
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def format_version(version):
    if version is None:
        return 'unknown'
    return '%d.%d.%d' % tuple(version)


# --------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------

class ValidationContext(object):
    """What the checks need to know besides the settings.

    engine_version: installed Engine (string or tuple); None = unknown, the checks then assume the
        newest Engine (removed keys are errors, new keys are accepted).
    unit_flags: the dockerd command line that will really start the daemon (ExecStart after
        drop-ins, or the init script's), may contain $VARS.
    unit_flags_source: the file unit_flags comes from, named in the error messages.
    driver_support: what the host offers the storage drivers (a DriverSupport), or None: not probed.
    docker_opts: DOCKER_OPTS from /etc/default/docker or /etc/sysconfig/docker.
    allow_insecure_tcp: accept tcp:// hosts without TLS (with a warning).
    allow_remote_metrics: accept a metrics-addr that is not on loopback (with a warning).
    allow_insecure_registries: accept insecure-registries (with a warning).
    tls_files_must_exist: check that tlscacert/tlscert/tlskey exist and are readable.
    data_root_fstype: filesystem type of data-root, overriding detection.
    mounts_file: where to read mounts from for detection.
    """

    def __init__(self, engine_version=None, unit_flags=None, docker_opts=None, allow_insecure_tcp=False,
                 tls_files_must_exist=True, data_root_fstype=None, mounts_file='/proc/self/mounts',
                 unit_flags_source=None, driver_support=None, allow_remote_metrics=False,
                 allow_insecure_registries=False):
        self.engine_version = parse_version(engine_version) if engine_version else None
        self.unit_flags = unit_flags or ''
        self.docker_opts = docker_opts or ''
        self.allow_insecure_tcp = bool(allow_insecure_tcp)
        self.allow_remote_metrics = bool(allow_remote_metrics)
        self.allow_insecure_registries = bool(allow_insecure_registries)
        self.tls_files_must_exist = bool(tls_files_must_exist)
        self.data_root_fstype = data_root_fstype or None
        self.mounts_file = mounts_file
        # What the host offers the storage drivers (see driver_support_problem); None = not probed.
        self.driver_support = driver_support
        self.flag_sources = [
            FlagSource('unit_flags', self.unit_flags,
                       ('the dockerd command line in %s' % unit_flags_source) if unit_flags_source else
                       'the dockerd command line (unit_flags: the ExecStart or init script that starts dockerd)',
                       'drop the flag from that command line (on systemd: a drop-in with an empty ExecStart= and '
                       'a new ExecStart without it, which is what the daemon role does for -H)'),
            FlagSource('docker_opts', self.docker_opts,
                       'DOCKER_OPTS (/etc/default/docker or /etc/sysconfig/docker)',
                       'drop the flag from DOCKER_OPTS'),
        ]

    @property
    def engine(self):
        return format_version(self.engine_version)

    def at_least(self, version_text):
        """True when the installed Engine is at least ``version_text`` (or unknown)."""
        if self.engine_version is None:
            return True
        return self.engine_version >= parse_version(version_text)

    def older_than(self, version_text):
        """True when the installed Engine is known and older than ``version_text``."""
        return self.engine_version is not None and self.engine_version < parse_version(version_text)

    def flag_values(self, name):
        """(value, source label) for every flag that sets daemon.json key ``name``."""
        found = []
        for source in self.flag_sources:
            found.extend((value, source.label) for value in source.parsed.values(name))
        return found

    def string_values(self, settings, name, is_list=False):
        """(value, source) for the string daemon.json key ``name`` (each string of it with ``is_list``; a value of
        the wrong type is left to the type check), source 'daemon.json', then every flag that sets it."""
        value = settings.get(name)
        if is_list:
            values = value if isinstance(value, list) else []
        else:
            values = [value]
        return [(v, 'daemon.json') for v in values if isinstance(v, str)] + self.flag_values(name)


class FlagSource(object):
    def __init__(self, label, text, where, fix):
        self.label = label
        self.text = text
        self.where = where
        self.fix = fix
        self.parsed = schema.parse_dockerd_flags(text)


class Findings(object):
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, message):
        self.errors.append(message)

    def warn(self, message):
        self.warnings.append(message)


# --------------------------------------------------------------------------
# Settings, rendering, change classification
# --------------------------------------------------------------------------

def normalize_settings(settings):
    """Drop top-level keys whose value is None ("not written")."""
    return dict((key, value) for key, value in (settings or {}).items() if value is not None)


def render(settings):
    """The daemon.json text: sorted keys, 2-space indent, trailing newline; same input, same bytes."""
    return json.dumps(normalize_settings(settings), indent=2, sort_keys=True, ensure_ascii=False,
                      separators=(',', ': ')) + '\n'


CONFIG_MODES = ('merge', 'replace')


def _deep_merge(base, over):
    """``over`` on top of ``base``: nested dicts merge key by key; a None value removes the key."""
    merged = dict(base)
    for key, value in over.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_settings(existing, wanted, mode='merge', existing_error=None, managed=None):
    """What daemon.json becomes, and what that does to the keys already in the file.

    ``existing`` is the parsed current file ({} when there is none), ``wanted`` what the roles and the
    inventory set (a top-level None means "remove this key"). ``mode``:

    - ``merge`` keeps every key of the current file that ``wanted`` does not mention; nested objects
      (``log-opts``, ``default-ulimits``, ``features``, ...) merge key by key, so an option the operator
      set inside one is kept too.
    - ``replace`` writes only ``wanted``.

    ``managed`` lists the top-level keys the collection wrote last time (None: unknown, for example a
    host it never touched). In merge mode such a key that ``wanted`` no longer sets is dropped: the
    inventory stopped setting it, it was not the operator's hand. Only keys the collection never wrote
    are kept.

    Returns a dict: ``settings`` (the new content), ``kept`` (top-level keys of the current file that
    ``wanted`` does not set, kept), ``dropped`` (keys of the current file that are not written: removed with
    None in merge mode, absent from ``wanted`` in replace mode), ``overridden`` (keys of the current file
    whose value ``wanted`` changes) and ``problems`` (a current file that cannot be merged).
    """
    if mode not in CONFIG_MODES:
        raise ValueError('daemon_config_mode must be one of %s, got %r' % (', '.join(CONFIG_MODES), mode))
    existing = existing if isinstance(existing, dict) else {}
    wanted = wanted or {}
    problems = []
    if mode == 'merge' and existing_error:
        problems.append('the current daemon.json cannot be read as a JSON object (%s), so its keys cannot be kept. '
                        'Fix the file by hand, or set daemon_config_mode: replace to write only the wanted '
                        'settings (the old file is backed up)' % existing_error)
    if mode == 'merge':
        ours = set(managed or ())
        settings = _deep_merge(dict((k, v) for k, v in existing.items() if k not in ours or k in wanted), wanted)
    else:
        settings = normalize_settings(wanted)
    kept = sorted(key for key in existing if key in settings and key not in wanted)
    dropped = sorted(key for key in existing if key not in settings)
    overridden = sorted(key for key in existing if key in settings and key in wanted
                        and settings[key] != existing[key])
    return {'settings': settings, 'kept': kept, 'dropped': dropped, 'overridden': overridden,
            'problems': problems, 'mode': mode,
            # What the collection writes, for the next run's ``managed``.
            'managed': sorted(key for key, value in wanted.items() if value is not None)}


DATA_STRATEGIES = ('', 'migrate', 'fresh')


def _count_phrase(counts):
    return ', '.join('%d %s' % (counts[what], what) for what in ('images', 'containers', 'volumes')) or 'no data'


def data_guard(host_state, current_settings, settings, strategy=''):
    """Would applying ``settings`` make the host's images, containers or volumes vanish from view?

    Every way dockerd's data moves counts: ``data-root`` and its removed alias ``graph``, ``storage-driver``
    (each driver has its own image store) and ``userns-remap`` (a remapped daemon uses
    ``<data-root>/<uid>.<gid>/``). ``host_state`` is what ``docker_host_facts`` read (``docker_info``,
    ``counts``, ``data_root``, ``data_on_disk``); when dockerd is down, the data-root comes from daemon.json
    or the flags and the counts from the disk. ``current_settings`` is the current daemon.json, ``settings``
    what it becomes.

    Returns ``changes`` (one phrase each), ``counts``, ``has_data``, ``root_now``, ``root_wanted``,
    ``driver_change``, ``migrate`` (copy the data-root before the restart) and ``problem`` (a refusal
    message, or None).
    """
    if strategy not in DATA_STRATEGIES:
        raise ValueError('daemon_data_strategy must be one of migrate, fresh or empty, got %r' % strategy)
    info = host_state.get('docker_info') or {}
    running = bool(info)
    current_settings = current_settings or {}
    disk = host_state.get('data_on_disk') or {}
    security = ' '.join(info.get('SecurityOptions') or [])

    def root_of(config):
        return config.get('data-root') or config.get('graph') or ''

    root_now = disk.get('root') or host_state.get('data_root') or root_of(current_settings) or schema.DEFAULT_DATA_ROOT
    root_wanted = root_of(settings) or schema.DEFAULT_DATA_ROOT
    if running:
        driver_now = info.get('Driver') or ''
        remap_now = 'name=userns' in security
        counts = {'images': int(info.get('Images') or 0), 'containers': int(info.get('Containers') or 0),
                  'volumes': int((host_state.get('counts') or {}).get('volumes') or disk.get('volumes') or 0)}
    else:
        drivers = disk.get('drivers') or []
        driver_now = current_settings.get('storage-driver') or (drivers[0] if len(drivers) == 1 else '')
        remap_now = bool(current_settings.get('userns-remap')) or bool(disk.get('remapped'))
        counts = {'images': int(disk.get('images') or 0), 'containers': int(disk.get('containers') or 0),
                  'volumes': int(disk.get('volumes') or 0)}
    driver_wanted = settings.get('storage-driver') or ''
    remap_wanted = bool(settings.get('userns-remap'))
    changes = []
    if os.path.normpath(root_now) != os.path.normpath(root_wanted):
        changes.append('data-root %s -> %s' % (root_now, root_wanted))
    driver_change = bool(driver_now and driver_wanted and driver_now != driver_wanted)
    if driver_change:
        changes.append('storage-driver %s -> %s' % (driver_now, driver_wanted))
    remap_change = remap_now != remap_wanted
    if remap_change:
        changes.append('userns-remap %s -> %s' % ('on' if remap_now else 'off',
                                                  settings.get('userns-remap') if remap_wanted else 'off'))
    if driver_change and len(changes) == 1:
        # Volumes are not the storage driver's: they stay in <data-root>/volumes and in view.
        counts['volumes'] = 0
    has_data = sum(counts.values()) > 0
    result = {'changes': changes, 'counts': counts, 'has_data': has_data, 'root_now': root_now,
              'root_wanted': root_wanted, 'driver_change': driver_change, 'migrate': False, 'problem': None,
              'daemon_running': running}
    if not changes or not has_data or strategy == 'fresh':
        return result
    what = _count_phrase(counts)
    if strategy == 'migrate':
        if driver_change or remap_change:
            result['problem'] = (
                'daemon_data_strategy=migrate only copies a data-root to a new path; it cannot convert the data for '
                'this change (%s). Set daemon_data_strategy=fresh to start empty (the %s stay on disk, untouched, '
                'and reappear when you switch back), or leave the setting as it is' % ('; '.join(changes), what))
        else:
            result['migrate'] = True
        return result
    result['problem'] = (
        'This change (%s) would make the host\'s %s vanish from view%s. Set daemon_data_strategy to migrate (copy '
        'them to the new data-root; data-root changes only) or fresh (start empty; the old data stays on disk '
        'untouched), or leave the setting as it is'
        % ('; '.join(changes), what, '' if running else ' (dockerd is not running: counted on disk in %s)' % root_now))
    return result


def changed_keys(old, new):
    """Sorted keys added, removed or modified between two daemon.json dicts."""
    old = old or {}
    new = normalize_settings(new)
    return sorted(key for key in set(old) | set(new)
                  if key not in old or key not in new or old[key] != new[key])


def classify_change(old_settings, new_settings):
    """Return (changed_keys, needs_restart).

    A change can be applied with a reload (SIGHUP) only when every changed key is reloadable and
    still present in the new file: a reload applies the values that are in the file and leaves a
    removed key at its running value (from code: the reload handlers check IsValueSet), so removing
    a key needs a restart.  ``old_settings`` None means "unknown" (e.g. the current file was not
    valid JSON): every key counts as changed and a restart is needed.  Pass {} for "no file".
    """
    new = normalize_settings(new_settings)
    if old_settings is None:
        return sorted(new), True
    keys = changed_keys(old_settings, new)
    needs_restart = any(key not in schema.RELOADABLE_KEYS or key not in new for key in keys)
    return keys, needs_restart


# --------------------------------------------------------------------------
# Value checks
# --------------------------------------------------------------------------

def _json_type(value):
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, int):
        return 'integer'
    if isinstance(value, float):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'list'
    if isinstance(value, dict):
        return 'object'
    if value is None:
        return 'null'
    return type(value).__name__


def _show(value):
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + '...'


def _got(value):
    return 'got %s %s' % (_json_type(value), _show(value))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _ip_problem(value):
    if not isinstance(value, str):
        return _got(value)
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return '%s is not an IP address' % _show(value)
    return None


def _cidr_problem(value):
    if not isinstance(value, str):
        return _got(value)
    if '/' not in value:
        return '%s has no prefix length' % _show(value)
    try:
        ipaddress.ip_interface(value)
    except ValueError:
        return '%s is not an address/prefix' % _show(value)
    return None


def _list_problem(value, item_problem):
    if not isinstance(value, list):
        return _got(value)
    for index, item in enumerate(value):
        problem = item_problem(item)
        if problem:
            return 'item %d: %s' % (index, problem)
    return None


def _str_problem(value):
    return None if isinstance(value, str) else _got(value)


def _kv_problem(value):
    if not isinstance(value, str):
        return _got(value)
    key, equals, _dummy = value.partition('=')
    if not equals or not key.strip():
        return '%s is not "key=value"' % _show(value)
    return None


def _url_problem(value):
    if not isinstance(value, str):
        return _got(value)
    scheme, sep, rest = value.partition('://')
    if not sep or scheme not in ('http', 'https') or not rest:
        return '%s is not an http:// or https:// URL' % _show(value)
    return None


def _map_problem(value, value_problem):
    if not isinstance(value, dict):
        return _got(value)
    for key in sorted(value):
        problem = value_problem(value[key])
        if problem:
            return 'value of %s%s %s' % (_show(key), '' if problem.startswith('must') else ':', problem)
    return None


def _string_value_problem(value):
    if isinstance(value, str):
        return None
    return 'must be a string (write %s), %s' % (_show(_show(value)), _got(value))


def _bool_value_problem(value):
    return None if isinstance(value, bool) else 'must be true or false, %s' % _got(value)


def _ulimits_problem(value):
    if not isinstance(value, dict):
        return _got(value)
    for name in sorted(value):
        limit = value[name]
        if name not in schema.ULIMIT_NAMES:
            return 'unknown ulimit %s (known: %s)' % (_show(name), ', '.join(schema.ULIMIT_NAMES))
        if not isinstance(limit, dict) or set(limit) != {'Name', 'Hard', 'Soft'}:
            return ('%s must be {"Name": %s, "Hard": N, "Soft": N}, %s'
                    % (_show(name), _show(name), _got(limit)))
        if limit['Name'] != name:
            return '%s has "Name": %s; it must match the key' % (_show(name), _show(limit['Name']))
        if not _is_int(limit['Hard']) or not _is_int(limit['Soft']):
            return '%s: "Hard" and "Soft" must be integers' % _show(name)
        if limit['Hard'] >= 0 and limit['Soft'] >= 0 and limit['Soft'] > limit['Hard']:
            return '%s: "Soft" (%d) is larger than "Hard" (%d)' % (_show(name), limit['Soft'], limit['Hard'])
    return None


def _pool_problem(pool):
    if not isinstance(pool, dict) or set(pool) != {'base', 'size'}:
        return 'must be {"base": "CIDR", "size": N}, %s' % _got(pool)
    try:
        network = ipaddress.ip_network(pool['base'], strict=True) if isinstance(pool['base'], str) else None
    except ValueError:
        network = None
    if network is None:
        return '"base" %s is not a network such as "172.30.0.0/16"' % _show(pool['base'])
    size = pool['size']
    if not _is_int(size) or not network.prefixlen <= size <= network.max_prefixlen:
        return ('"size" must be an integer between %d and %d for base %s'
                % (network.prefixlen, network.max_prefixlen, pool['base']))
    return None


def _runtime_problem(runtime):
    if not isinstance(runtime, dict):
        return _got(runtime)
    unknown = sorted(set(runtime) - set(schema.RUNTIME_FIELDS))
    if unknown:
        return 'unknown field(s) %s (known: %s)' % (', '.join(unknown), ', '.join(sorted(schema.RUNTIME_FIELDS)))
    if 'path' not in runtime and 'runtimeType' not in runtime:
        return 'needs "path" (or "runtimeType")'
    for field, kind in schema.RUNTIME_FIELDS.items():
        if field in runtime:
            problem = check_value(kind, runtime[field])
            if problem:
                return '"%s": %s' % (field, problem)
    return None


def _proxies_problem(value):
    if not isinstance(value, dict):
        return _got(value)
    unknown = sorted(set(value) - set(schema.PROXY_SUBKEYS))
    if unknown:
        return 'unknown field(s) %s (known: %s)' % (', '.join(unknown), ', '.join(sorted(schema.PROXY_SUBKEYS)))
    return _map_problem(value, _string_value_problem)


_KIND_CHECKS = {
    schema.BOOL: lambda v: None if isinstance(v, bool) else _got(v),
    schema.STR: _str_problem,
    schema.PATH: _str_problem,
    schema.INT: lambda v: None if _is_int(v) else _got(v),
    schema.UINT: lambda v: None if _is_int(v) and v >= 0 else _got(v),
    schema.IP: _ip_problem,
    schema.CIDR: _cidr_problem,
    schema.SIZE: lambda v: None if parse_human_size(v) is not None else _got(v),
    schema.STR_LIST: lambda v: _list_problem(v, _str_problem),
    schema.IP_LIST: lambda v: _list_problem(v, _ip_problem),
    schema.KV_LIST: lambda v: _list_problem(v, _kv_problem),
    schema.URL_LIST: lambda v: _list_problem(v, _url_problem),
    schema.HOST_LIST: lambda v: _list_problem(v, _str_problem),
    schema.STR_MAP: lambda v: _map_problem(v, _string_value_problem),
    schema.BOOL_MAP: lambda v: _map_problem(v, _bool_value_problem),
    schema.STR_MAP_MAP: lambda v: _map_problem(v, lambda inner: _map_problem(inner, _string_value_problem)),
    schema.OBJECT: lambda v: None if isinstance(v, dict) else _got(v),
    schema.ULIMITS: _ulimits_problem,
    schema.ADDRESS_POOLS: lambda v: _list_problem(v, _pool_problem),
    schema.RUNTIMES: lambda v: _map_problem(v, _runtime_problem),
    schema.PROXIES: _proxies_problem,
}


def check_value(kind, value):
    """None when ``value`` fits ``kind``, else a short description of the problem."""
    return _KIND_CHECKS[kind](value)


# --------------------------------------------------------------------------
# Hosts
# --------------------------------------------------------------------------

class DaemonHost(object):
    __slots__ = ('scheme', 'address', 'port')

    def __init__(self, scheme, address, port):
        self.scheme = scheme
        self.address = address
        self.port = port


def parse_host(entry):
    """Parse one 'hosts' entry; raise ValueError with the reason when dockerd would refuse it."""
    scheme, sep, rest = entry.partition('://')
    if not sep:
        raise ValueError('has no scheme; write it as a URI such as "tcp://%s" or "unix:///var/run/docker.sock"'
                         % entry)
    if scheme in schema.HOST_SCHEMES_OTHER_OS:
        raise ValueError('uses %s://, which only exists on %s' % (scheme, schema.HOST_SCHEMES_OTHER_OS[scheme]))
    if scheme not in schema.HOST_SCHEMES_LINUX:
        raise ValueError('has the unsupported scheme "%s://" (use unix://, tcp:// or fd://)' % scheme)
    if scheme == 'unix':
        if rest and not rest.startswith('/'):
            raise ValueError('needs an absolute socket path: "unix:///path/to/docker.sock"')
        return DaemonHost(scheme, rest, None)
    if scheme == 'fd':
        return DaemonHost(scheme, rest, None)
    if '/' in rest:
        raise ValueError('must not contain a path: "tcp://ADDRESS:PORT"')
    address, port = rest, None
    if rest.startswith('['):
        address, bracket, tail = rest[1:].partition(']')
        if not bracket or (tail and not tail.startswith(':')):
            raise ValueError('has a malformed IPv6 address: use "tcp://[::1]:2376"')
        port_text = tail[1:] if tail else ''
    elif rest.count(':') == 1:
        address, port_text = rest.split(':')
    elif ':' in rest:
        raise ValueError('has an IPv6 address without brackets: use "tcp://[ADDRESS]:PORT"')
    else:
        port_text = ''
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError('has an invalid port %r' % port_text)
        port = int(port_text)
    return DaemonHost(scheme, address, port)


# --------------------------------------------------------------------------
# Filesystem helpers (read-only)
# --------------------------------------------------------------------------

def nearest_existing_path(path):
    """``path`` itself when it exists, else its nearest existing parent directory."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def fstype_from_mounts(path, mounts_text):
    """Filesystem type of the mount holding ``path`` (longest mount-point prefix; last mount wins)."""
    entry = host_state.mount_for(path, host_state.parse_mounts(mounts_text))
    return entry['fstype'] if entry else None


def detect_mount(path, mounts_file='/proc/self/mounts'):
    """(the mount entry or None, the existing path that was checked) for ``path`` or its nearest existing parent."""
    checked = os.path.realpath(nearest_existing_path(path))
    try:
        with open(mounts_file) as handle:
            mounts = handle.read()
    except (IOError, OSError):
        return None, checked
    return host_state.mount_for(checked, host_state.parse_mounts(mounts)), checked


def detect_fstype(path, mounts_file='/proc/self/mounts'):
    """(fstype or None, the existing path that was checked) for ``path`` or its nearest existing parent."""
    entry, checked = detect_mount(path, mounts_file)
    return (entry['fstype'] if entry else None), checked


def file_problem(path):
    """None when ``path`` is a readable regular file, else why not."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return 'does not exist'
        if exc.errno == errno.EACCES:
            return 'cannot be reached (permission denied on a parent directory)'
        return 'cannot be inspected (%s)' % exc.strerror
    if not stat.S_ISREG(info.st_mode):
        return 'is not a regular file'
    if not os.access(path, os.R_OK):
        return 'is not readable (permission denied)'
    try:
        with open(path, 'rb'):
            pass
    except (IOError, OSError) as exc:
        return 'cannot be opened (%s)' % exc.strerror
    return None


# --------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------

def _suggest(name, candidates):
    normalized = name.strip().lower().replace('_', '-').replace(' ', '-')
    if normalized in candidates and normalized != name:
        return normalized
    matches = difflib.get_close_matches(normalized, sorted(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _check_keys(settings, ctx, out):
    """1. unknown, removed, not-yet-supported and silently ignored keys."""
    for name in sorted(settings):
        if name in schema.TRAP_KEYS:
            out.error("'%s': %s" % (name, schema.TRAP_KEYS[name]))
        elif name in schema.REMOVED_KEYS:
            removed_in, fix = schema.REMOVED_KEYS[name]
            if ctx.at_least(removed_in):
                out.error("'%s' was removed in Engine %s; %s (installed Engine: %s; dockerd refuses to start "
                          "with it)" % (name, removed_in, fix, ctx.engine))
            else:
                out.warn("'%s' is deprecated (removed in Engine %s): %s" % (name, removed_in, fix))
        elif name in schema.KEYS:
            _check_key_available(name, ctx, out)
            if name in schema.DEPRECATED_KEYS:
                out.warn("'%s' %s" % (name, schema.DEPRECATED_KEYS[name]))
        else:
            suggestion = _suggest(name, schema.KEYS)
            if suggestion:
                out.error("unknown daemon.json key '%s': did you mean '%s'?" % (name, suggestion))
            else:
                out.error("unknown daemon.json key '%s': dockerd refuses to start on keys it does not know; "
                          "remove it" % name)


_ADDED_KEY_HINTS = {
    'proxies': ' (on older Engines set HTTP_PROXY, HTTPS_PROXY and NO_PROXY in the docker service '
               'environment instead)',
}


def _check_key_available(name, ctx, out):
    spec = schema.KEYS[name]
    if not spec.since or not ctx.older_than(spec.since):
        return
    if spec.since_exact:
        added = 'it was added in Engine %s' % spec.since
    else:
        added = 'it was added after Engine 20.10'
    out.error("'%s' is not supported by the installed Engine %s (%s); dockerd would refuse to start. Remove it "
              "or upgrade the Engine%s" % (name, ctx.engine, added, _ADDED_KEY_HINTS.get(name, '')))


def _check_types(settings, ctx, out):
    """2. value types (and the few enumerations dockerd checks)."""
    for name in sorted(settings):
        kind = schema.key_kind(name)
        if kind is None or name in schema.TRAP_KEYS:
            continue
        value = settings[name]
        problem = check_value(kind, value)
        if problem:
            separator = ',' if problem.startswith('got ') else ';'
            out.error("'%s' must be %s%s %s" % (name, schema.KIND_DESCRIPTIONS[kind], separator, problem))
            continue
        spec = schema.KEYS.get(name)
        if spec is not None and spec.choices and value not in spec.choices:
            out.error("'%s' must be one of %s, got %s" % (name, ', '.join(spec.choices), _show(value)))


_SECCOMP_SPECIAL = ('builtin', 'unconfined')


def _check_paths(settings, ctx, out):
    """3. paths dockerd needs absolute."""
    for name in sorted(schema.ABSOLUTE_PATH_KEYS & set(settings)):
        value = settings[name]
        if isinstance(value, str) and not os.path.isabs(value):
            out.error("'%s' must be an absolute path, got %s; write it from the root, e.g. %s"
                      % (name, _show(value), _show('/' + value.lstrip('./') if value else '/var/lib/docker')))
    profile = settings.get('seccomp-profile')
    if isinstance(profile, str) and profile not in _SECCOMP_SPECIAL and not os.path.isabs(profile):
        out.error("'seccomp-profile' must be an absolute path or one of %s, got %s"
                  % (', '.join(_SECCOMP_SPECIAL), _show(profile)))


def _effective_data_root(settings, ctx):
    value = settings.get('data-root')
    if value is None:
        from_flags = [v for v, _source in ctx.flag_values('data-root') if v]
        value = from_flags[-1] if from_flags else schema.DEFAULT_DATA_ROOT
    return value if isinstance(value, str) and os.path.isabs(value) else None


def _check_storage(settings, ctx, out):
    """4. storage driver: removed, unknown, or on the wrong filesystem."""
    driver = settings.get('storage-driver')
    if not isinstance(driver, str):
        return
    features = settings.get('features') if isinstance(settings.get('features'), dict) else {}
    snapshotters = features.get(schema.CONTAINERD_SNAPSHOTTER_FEATURE) is True
    if driver in schema.REMOVED_STORAGE_DRIVERS:
        deprecated_in, removed_in = schema.REMOVED_STORAGE_DRIVERS[driver]
        if ctx.at_least(removed_in):
            out.error("storage driver '%s' was removed in Engine %s (installed Engine: %s); use '%s' "
                      "(images and containers of the old driver are not migrated)"
                      % (driver, removed_in, ctx.engine, schema.DEFAULT_STORAGE_DRIVER))
        else:
            out.warn("storage driver '%s' is deprecated since Engine %s and removed in %s; plan the move to '%s'"
                     % (driver, deprecated_in, removed_in, schema.DEFAULT_STORAGE_DRIVER))
            _check_driver_support(driver, settings, ctx, out)
        return
    known = set(schema.CURRENT_STORAGE_DRIVERS)
    if snapshotters:
        known.update(schema.CONTAINERD_SNAPSHOTTERS)
    if driver not in known:
        suggestion = _suggest(driver, known)
        out.error("unknown storage driver '%s'%s; known drivers: %s"
                  % (driver, " (did you mean '%s'?)" % suggestion if suggestion else '', ', '.join(sorted(known))))
        return
    _check_driver_filesystem(driver, settings, ctx, out)
    if driver in schema.DRIVER_GO_PACKAGE:
        _check_driver_support(driver, settings, ctx, out)


class DriverSupport(object):
    """What a host offers the storage drivers, read by the module.

    built: the driver Go packages found in the dockerd binary (a set), or None when unknown (no binary yet);
    kernel_filesystems: filesystems the kernel has or can load (a set); devmapper_control: whether
    /dev/mapper/control exists; fuse_overlayfs: whether the fuse-overlayfs binary and /dev/fuse exist.
    """

    def __init__(self, built=None, kernel_filesystems=None, devmapper_control=False, fuse_overlayfs=False,
                 searched=None):
        self.built = built
        # The packages looked for in the binary (None: all of them).
        self._searched = None if searched is None else set(searched)
        self.kernel_filesystems = set(kernel_filesystems or ())
        self.devmapper_control = devmapper_control
        self.fuse_overlayfs = fuse_overlayfs

    def searched(self, package):
        return self._searched is None or package in self._searched


def driver_support_problem(driver, support, backing_fstype=None):
    """Why this host's dockerd cannot run ``driver`` (None when it can, or when it cannot be told)."""
    package = schema.DRIVER_GO_PACKAGE.get(driver)
    if support.built is not None and package and support.searched(package) and package not in support.built:
        return ("this dockerd was built without the '%s' storage driver (the binary has no graphdriver/%s); "
                "the daemon would not start. Use one of: %s"
                % (driver, package, ', '.join(sorted(d for d, p in schema.DRIVER_GO_PACKAGE.items()
                                                     if p in support.built and d in schema.CURRENT_STORAGE_DRIVERS))
                   or 'the drivers it has'))
    needed = schema.DRIVER_KERNEL_FILESYSTEM.get(driver)
    if needed and needed not in support.kernel_filesystems:
        return ("storage driver '%s' needs the %s filesystem, which this kernel neither has nor can load "
                "(/proc/filesystems, /lib/modules); the daemon would not start" % (driver, needed))
    if driver in ('overlay2', 'overlay') and backing_fstype in schema.OVERLAY_UNSUPPORTED_BACKING:
        return ("storage driver '%s' cannot use data-root on %s (an overlay needs a backing filesystem such as "
                "ext4, xfs with ftype=1 or btrfs); the daemon would not start. Put data-root on such a filesystem "
                "(a volume or a mount) or choose another storage-driver" % (driver, backing_fstype))
    if driver == 'devicemapper' and not support.devmapper_control:
        return ("storage driver 'devicemapper' needs the device-mapper (/dev/mapper/control is missing); the daemon "
                "would not start. Use overlay2")
    if driver == 'fuse-overlayfs' and not support.fuse_overlayfs:
        return ("storage driver 'fuse-overlayfs' needs the fuse-overlayfs program and /dev/fuse; install "
                "fuse-overlayfs or choose another storage-driver")
    return None


def read_driver_support(dockerd=None, drivers=None, proc_filesystems='/proc/filesystems', modules_dir='/lib/modules'):
    """Read what this host offers the storage drivers (a :class:`DriverSupport`); only reads files.

    ``drivers`` limits the search of the dockerd binary to those drivers (default: all).
    """
    built = None
    if dockerd and os.path.isfile(dockerd):
        import mmap
        built = set()
        with open(dockerd, 'rb') as handle:
            try:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):
                data = None
            if data is not None:
                try:
                    wanted = [schema.DRIVER_GO_PACKAGE[d] for d in (drivers or schema.DRIVER_GO_PACKAGE)
                              if d in schema.DRIVER_GO_PACKAGE]
                    for package in set(wanted):
                        if data.find(('/daemon/graphdriver/%s.Init' % package).encode('ascii')) != -1:
                            built.add(package)
                finally:
                    data.close()
    kernel = set()
    try:
        with open(proc_filesystems) as handle:
            kernel.update(line.split()[-1] for line in handle if line.strip())
    except (IOError, OSError):
        pass
    release = os.uname()[2]
    for name, module in (('overlay', 'fs/overlayfs/overlay.ko'), ('aufs', 'fs/aufs/aufs.ko')):
        for index in ('modules.dep', 'modules.builtin'):
            try:
                with open(os.path.join(modules_dir, release, index)) as handle:
                    if module in handle.read():
                        kernel.add(name)
            except (IOError, OSError):
                continue
    fuse = os.path.exists('/dev/fuse') and any(
        os.access(os.path.join(d, 'fuse-overlayfs'), os.X_OK)
        for d in (os.environ.get('PATH') or '/usr/local/bin:/usr/bin:/bin').split(os.pathsep) + ['/usr/sbin', '/sbin'])
    searched = None if not drivers else [schema.DRIVER_GO_PACKAGE[d] for d in drivers if d in schema.DRIVER_GO_PACKAGE]
    return DriverSupport(built=built, kernel_filesystems=kernel, devmapper_control=os.path.exists('/dev/mapper/control'),
                         fuse_overlayfs=fuse, searched=searched)


def _check_driver_support(driver, settings, ctx, out):
    if ctx.driver_support is None:
        return
    backing = None
    data_root = _effective_data_root(settings, ctx)
    if driver in ('overlay2', 'overlay') and data_root is not None:
        backing = ctx.data_root_fstype or detect_fstype(data_root, ctx.mounts_file)[0]
    problem = driver_support_problem(driver, ctx.driver_support, backing)
    if problem:
        out.error(problem)


def _check_driver_filesystem(driver, settings, ctx, out):
    required = schema.DRIVER_REQUIRED_FSTYPE.get(driver)
    data_root = _effective_data_root(settings, ctx)
    if not required or data_root is None:
        return
    if ctx.data_root_fstype:
        fstype, how = ctx.data_root_fstype, 'as given by data_root_fstype'
    else:
        fstype, checked = detect_fstype(data_root, ctx.mounts_file)
        how = 'checked at %s' % checked + ('' if checked == data_root else ', its nearest existing directory')
    if fstype is None:
        out.warn("could not determine the filesystem of data-root '%s'; storage driver '%s' needs %s"
                 % (data_root, driver, required))
    elif fstype != required:
        out.error("storage driver '%s' needs data-root '%s' on a %s filesystem, but it is on %s (%s); dockerd "
                  "would fail with \"prerequisites for driver not satisfied (wrong filesystem?)\". Mount a %s "
                  "filesystem there first (the storage role does this for btrfs) or choose another storage-driver"
                  % (driver, data_root, required, fstype, how, required))


def _check_container_size(settings, ctx, out):
    """storage-opts overlay2.size: overlay2 only, a valid size, and xfs with project quota under data-root."""
    opts = settings.get('storage-opts')
    if not isinstance(opts, list):
        return
    sizes = [str(o).partition('=')[2].strip() for o in opts if str(o).partition('=')[0].strip().lower() == 'overlay2.size']
    if not sizes:
        return
    size = sizes[-1]
    driver = settings.get('storage-driver')
    if isinstance(driver, str) and driver != 'overlay2':
        out.error("storage-opts overlay2.size=%s applies to the overlay2 storage driver only, not '%s'%s"
                  % (size, driver, "; the btrfs driver limits each container with `docker run --storage-opt size=...` "
                     "instead" if driver == 'btrfs' else ''))
        return
    if not parse_human_size(size):
        out.error("storage-opts overlay2.size=%s is not a size dockerd reads; write it like 10G or 512m" % _show(size))
        return
    data_root = _effective_data_root(settings, ctx)
    if data_root is None:
        return
    entry, checked = (None, data_root) if ctx.data_root_fstype else detect_mount(data_root, ctx.mounts_file)
    fstype = ctx.data_root_fstype or (entry['fstype'] if entry else None)
    options = (entry or {}).get('options') or []
    if fstype is None:
        out.warn("could not determine the filesystem of data-root '%s'; overlay2.size needs xfs mounted with pquota"
                 % data_root)
    elif fstype != 'xfs' or (entry is not None and not set(options) & set(host_state.PROJECT_QUOTA_OPTIONS)):
        out.error("storage-opts overlay2.size=%s needs data-root '%s' on an xfs filesystem mounted with pquota "
                  "(project quota), but it is on %s%s (checked at %s); dockerd would refuse to start (\"Storage "
                  "option overlay2.size not supported. Filesystem does not support Project Quota\"). Mount xfs with "
                  "pquota there, or drop overlay2.size"
                  % (size, data_root, fstype, ' without project quota' if fstype == 'xfs' else '', checked))


def _flag_is_true(value):
    return value.lower() not in ('false', '0', 'f')


def _tls_state(settings, ctx):
    """(TLS on?, how it was switched on) from daemon.json and the dockerd flags."""
    for name in ('tlsverify', 'tls'):
        if settings.get(name) is True:
            return True, '%s: true in daemon.json' % name
        for value, source in ctx.flag_values(name):
            if _flag_is_true(value or 'true'):
                return True, '--%s in %s' % (name, source)
    return False, None


def _check_hosts_and_tls(settings, ctx, out):
    """5. host URIs, TCP without TLS, port conventions, TLS needs its three files."""
    tls_on, tls_by = _tls_state(settings, ctx)
    entries = []
    hosts = settings.get('hosts')
    if isinstance(hosts, list):
        entries.extend((entry, 'daemon.json') for entry in hosts if isinstance(entry, str))
    for source in ctx.flag_sources:
        entries.extend((value, source.label) for value in source.parsed.values('hosts'))
    for entry, source in entries:
        try:
            host = parse_host(entry)
        except ValueError as exc:
            if source == 'daemon.json':
                out.error("'hosts' entry %s %s" % (_show(entry), exc))
            continue
        if host.scheme == 'tcp':
            _check_tcp_host(entry, source, host, tls_on, ctx, out)
    if tls_on:
        missing = [name for name in schema.TLS_FILE_KEYS
                   if not settings.get(name) and not any(v for v, _s in ctx.flag_values(name))]
        if missing:
            out.error("TLS is on (%s) but %s %s not set; set all three of tlscacert, tlscert and tlskey explicitly "
                      "(dockerd would otherwise look for ~/.docker/{ca,cert,key}.pem of the user running it)"
                      % (tls_by, ', '.join("'%s'" % m for m in missing), 'is' if len(missing) == 1 else 'are'))


def _check_tcp_host(entry, source, host, tls_on, ctx, out):
    port = host.port or schema.DEFAULT_TCP_PORT
    where = '' if source == 'daemon.json' else ' (from %s)' % source
    if host.port is None:
        # dockerd falls back to 2375 whether TLS is on or not (from code), and whatever waits for
        # the listener waits for the port the operator had in mind.
        out.error("'hosts' entry %s%s has no port: dockerd would silently listen on %d (the plaintext port, even "
                  "with TLS); add the port, e.g. %s:%d"
                  % (_show(entry), where, schema.DEFAULT_TCP_PORT, entry.rstrip(':'), schema.TLS_TCP_PORT))
    if tls_on:
        if host.port is not None and port != schema.TLS_TCP_PORT:
            out.warn("'hosts' entry %s%s uses TLS on port %d; the convention is %d for TLS"
                     % (_show(entry), where, port, schema.TLS_TCP_PORT))
        return
    if ctx.allow_insecure_tcp:
        out.warn("'hosts' entry %s%s serves the Docker API over plain TCP without TLS (allowed by "
                 "allow_insecure_tcp): anyone who reaches it controls this host as root" % (_show(entry), where))
    else:
        out.error("'hosts' entry %s%s would serve the Docker API over TCP without TLS: anyone who reaches it controls "
                  "this host as root. Set tlsverify: true with tlscacert, tlscert and tlskey (port %d by convention), "
                  "or set allow_insecure_tcp: true to accept the risk"
                  % (_show(entry), where, schema.TLS_TCP_PORT))
    if host.port is not None and port != schema.PLAINTEXT_TCP_PORT:
        out.warn("'hosts' entry %s%s is plaintext on port %d; the convention is %d for plaintext and %d for TLS"
                 % (_show(entry), where, port, schema.PLAINTEXT_TCP_PORT, schema.TLS_TCP_PORT))


# --------------------------------------------------------------------------
# log-opts, judged for the log driver that will really be used
# --------------------------------------------------------------------------

# go-units' size grammar (FromHumanSize / RAMInBytes): a number, an optional blank, an optional unit
# prefix k, m, g, t or p, an optional "i" and an optional "b", in any case.
_HUMAN_SIZE_RE = re.compile(r'(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?\Z', re.IGNORECASE)
_DECIMAL_UNITS = {'': 1, 'k': 10 ** 3, 'm': 10 ** 6, 'g': 10 ** 9, 't': 10 ** 12, 'p': 10 ** 15}
_COUNT_RE = re.compile(r'\+?\d+\Z')
_SIZE_FIX = 'write a number of bytes with an optional unit k, m, g, t or p, e.g. "10m"'
_CONTAINERS_FAIL = 'dockerd starts with it, but every container start fails'


def parse_human_size(text):
    """Bytes for a size as dockerd reads log sizes ("10m", "1.5g", "100k", "1048576", "10 MiB"), or None
    when dockerd would refuse it ("10zz").  Units are decimal (k = 1000), as in go-units FromHumanSize."""
    match = _HUMAN_SIZE_RE.match(text) if isinstance(text, str) else None
    if not match:
        return None
    return int(float(match.group(1)) * _DECIMAL_UNITS[match.group(2).lower()])


def _go_bool(text):
    """True / False for what Go's strconv.ParseBool accepts, None otherwise."""
    if text in schema.GO_BOOL_TRUE:
        return True
    if text in schema.GO_BOOL_FALSE:
        return False
    return None


def _effective_log_driver(settings, ctx):
    """The log driver dockerd will use: daemon.json, else the last --log-driver flag, else json-file;
    None when daemon.json has a value of the wrong type (already reported)."""
    if 'log-driver' in settings:
        driver = settings['log-driver']
        if not isinstance(driver, str):
            return None
        return driver or schema.DEFAULT_LOG_DRIVER
    from_flags = [value for value, _source in ctx.flag_values('log-driver') if value and not value.startswith('$')]
    return from_flags[-1] if from_flags else schema.DEFAULT_LOG_DRIVER


def _split_host_port(hostport):
    """('host', 'port' or None) from 'host', 'host:port', '[v6]' or '[v6]:port'; ValueError when malformed."""
    if hostport.startswith('['):
        host, bracket, tail = hostport[1:].partition(']')
        if not bracket or (tail and not tail.startswith(':')):
            raise ValueError('has a malformed IPv6 address (write it as [ADDRESS]:PORT)')
        return host, (tail[1:] if tail else None)
    if hostport.count(':') > 1:
        raise ValueError('has an IPv6 address without brackets (write it as [ADDRESS]:PORT)')
    host, colon, port = hostport.partition(':')
    return host, (port if colon else None)


def _port_problem(port):
    if port is None:
        return None
    if not port.isdigit() or not 0 < int(port) < 65536:
        return 'has an invalid port %s' % _show(port)
    return None


def _join_host_port(host, port):
    return '[%s]:%d' % (host, port) if ':' in host else '%s:%d' % (host, port)


class _Address(object):
    """A parsed log address: ``problem`` (why dockerd refuses it) or the parts."""

    def __init__(self, scheme, host=None, port=None, problem=None):
        self.scheme = scheme
        self.host = host
        self.port = port
        self.problem = problem


def _parse_log_address(value, schemes, bare_scheme=None, path_allowed=False):
    scheme, sep, rest = value.partition('://')
    if not sep:
        if bare_scheme is None:
            return _Address(None, problem='needs a scheme')
        scheme, rest = bare_scheme, value
    if scheme not in schemes:
        return _Address(scheme, problem='has an unsupported scheme "%s://"' % scheme if sep else 'needs a scheme')
    if scheme in ('unix', 'unixgram'):
        if not rest.startswith('/') or not rest.strip('/'):
            return _Address(scheme, problem='needs an absolute socket path (%s:///path/to/socket)' % scheme)
        return _Address(scheme, host=rest)
    hostport, slash, path = rest.partition('/')
    if slash and not path_allowed:
        return _Address(scheme, problem='must not contain a path')
    try:
        host, port = _split_host_port(hostport)
    except ValueError as exc:
        return _Address(scheme, problem=str(exc))
    problem = _port_problem(port)
    return _Address(scheme, host=host, port=port, problem=problem)


def _bad_log_opt(out, name, value, reason, fix):
    out.error("'log-opts' \"%s\": %s %s; %s" % (name, _show(value), reason, fix))


def _no_port_warning(out, name, value, default_port):
    example = value.rstrip(':') + ':%d' % default_port
    out.warn("'log-opts' \"%s\": %s has no port; dockerd uses %d. Write it out, e.g. %s"
             % (name, _show(value), default_port, _show(example)))


_SYSLOG_FIX = ('syslog-address is udp://, tcp://, tcp+tls://, unix:// or unixgram:// followed by HOST:PORT or an '
               'absolute socket path, e.g. "udp://HOST:514" or "unix:///dev/log"')


def _unknown_log_opt(out, name, driver, known):
    """An option name the driver does not take: dockerd refuses to start ("unknown log opt")."""
    suggestion = _suggest(name, known)
    out.error("'log-opts' has the unknown option %s for the %s log driver%s; dockerd refuses to start with it. "
              "Remove or rename it; known: %s, and for every driver mode, max-buffer-size and cache-*"
              % (_show(name), driver, ' (did you mean %s?)' % _show(suggestion) if suggestion else '',
                 ', '.join(known)))


def _check_syslog_opts(opts, out):
    """The syslog driver's option names, facility and format, which dockerd checks at start."""
    for name in sorted(opts):
        if name not in schema.SYSLOG_LOG_OPTS and not _is_generic_log_opt(name):
            _unknown_log_opt(out, name, 'syslog', schema.SYSLOG_LOG_OPTS)
    facility = opts.get('syslog-facility')
    if facility and facility not in schema.SYSLOG_FACILITIES and not (
            _COUNT_RE.match(facility) and 0 <= int(facility) <= 23):
        _bad_log_opt(out, 'syslog-facility', facility, 'is not a syslog facility',
                     'dockerd refuses to start with it ("invalid syslog facility"). Use one of %s, or a number 0-23'
                     % ', '.join(schema.SYSLOG_FACILITIES))
    fmt = opts.get('syslog-format')
    if fmt and fmt not in schema.SYSLOG_FORMATS:
        _bad_log_opt(out, 'syslog-format', fmt, 'is not a syslog format',
                     'dockerd refuses to start with it ("Invalid syslog format"). Use one of %s, or leave it out'
                     % ', '.join(schema.SYSLOG_FORMATS))
    if opts.get('syslog-address'):  # empty: the local syslog
        _check_syslog_address(opts['syslog-address'], out)


def _check_syslog_address(value, out):
    name = 'syslog-address'
    address = _parse_log_address(value, schema.SYSLOG_ADDRESS_SCHEMES, path_allowed=True)
    if address.problem is None and address.scheme not in ('unix', 'unixgram') and not address.host:
        address.problem = 'has no host'
    if address.problem:
        _bad_log_opt(out, name, value, address.problem, 'dockerd refuses to start with it. ' + _SYSLOG_FIX)
    elif address.scheme not in ('unix', 'unixgram') and address.port is None:
        _no_port_warning(out, name, value, schema.SYSLOG_DEFAULT_PORT)


_GELF_FIX = ('gelf-address must be udp://HOST:PORT or tcp://HOST:PORT, e.g. "udp://graylog.example.com:12201"')


def _check_gelf_address(opts, out):
    name = 'gelf-address'
    if not opts.get(name):
        out.error("'log-opts' needs \"gelf-address\" for the gelf log driver: containers cannot start without it; "
                  "set it, e.g. \"udp://graylog.example.com:12201\"")
        return
    value = opts[name]
    address = _parse_log_address(value, schema.GELF_ADDRESS_SCHEMES, path_allowed=True)
    if address.problem is None:
        if not address.host:
            address.problem = 'has no host'
        elif address.port is None:
            address.problem = 'has no port'
    if address.problem:
        _bad_log_opt(out, name, value, address.problem, _GELF_FIX)


_FLUENTD_FIX = ('fluentd-address is HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH, '
                'e.g. "tcp://fluentd.example.com:24224"')


def _check_fluentd_address(value, out):
    name = 'fluentd-address'
    address = _parse_log_address(value, schema.FLUENTD_ADDRESS_SCHEMES, bare_scheme='tcp')
    if address.problem:
        _bad_log_opt(out, name, value, address.problem, _FLUENTD_FIX)
    elif address.scheme != 'unix' and address.port is None:
        _no_port_warning(out, name, value, schema.FLUENTD_DEFAULT_PORT)


def _is_generic_log_opt(name):
    return name in schema.GENERIC_LOG_OPTS or name.startswith(schema.GENERIC_LOG_OPT_PREFIX)


def _check_generic_log_opts(opts, out):
    """mode and max-buffer-size, which dockerd checks for every driver."""
    mode = opts.get('mode')
    if mode is not None and mode not in schema.LOG_MODES:
        _bad_log_opt(out, 'mode', mode, 'must be "blocking" or "non-blocking"', 'dockerd refuses it')
    if 'max-buffer-size' in opts:
        if mode != 'non-blocking':
            out.error("'log-opts' \"max-buffer-size\" only works with \"mode\": \"non-blocking\"; dockerd refuses it "
                      "otherwise. Add \"mode\": \"non-blocking\" or remove \"max-buffer-size\"")
        elif parse_human_size(opts['max-buffer-size']) is None:
            _bad_log_opt(out, 'max-buffer-size', opts['max-buffer-size'], 'is not a size', _SIZE_FIX)


def _check_file_log_opts(driver, opts, out):
    """json-file and local: known option names, sizes, counts, compress and how they combine."""
    known = schema.FILE_LOG_DRIVER_OPTS[driver]
    size = count = compress = None
    valid = True
    for name in sorted(opts):
        value = opts[name]
        if name == 'max-size':
            size = parse_human_size(value)
            if size is None:
                _bad_log_opt(out, name, value, 'is not a size for the %s log driver' % driver,
                             '%s. Fix: %s' % (_CONTAINERS_FAIL, _SIZE_FIX))
                valid = False
            elif driver == 'json-file' and size <= 0:
                _bad_log_opt(out, name, value, 'must be at least 1 byte for the json-file log driver',
                             '%s. Write e.g. "10m", or leave max-size out for no rotation' % _CONTAINERS_FAIL)
                valid = False
        elif name == 'max-file':
            if not _COUNT_RE.match(value) or int(value) < 1:
                _bad_log_opt(out, name, value, 'must be a positive integer (as a string)',
                             '%s. Write e.g. "3"' % _CONTAINERS_FAIL)
                valid = False
            else:
                count = int(value)
        elif name == 'compress':
            compress = _go_bool(value)
            if compress is None:
                _bad_log_opt(out, name, value, 'must be "true" or "false"', _CONTAINERS_FAIL)
                valid = False
        elif name not in known and not _is_generic_log_opt(name):
            _unknown_log_opt(out, name, driver, sorted(known))
    if not valid:
        return
    if driver == 'json-file':
        if compress and (size is None or (count or 1) < 2):
            out.error("'log-opts' \"compress\": true needs \"max-size\" and a \"max-file\" of at least 2 for the "
                      "json-file log driver (only rotated files are compressed); %s. Add e.g. \"max-size\": \"10m\" "
                      "and \"max-file\": \"3\", or remove \"compress\"" % _CONTAINERS_FAIL)
        elif count is not None and size is None:
            out.warn("'log-opts' \"max-file\" has no effect without \"max-size\" for the json-file log driver: the "
                     "log is never rotated; add \"max-size\", e.g. \"10m\"")
    else:
        compressing = schema.FILE_LOG_DRIVER_COMPRESS_DEFAULT[driver] if compress is None else compress
        if compressing and count is not None and count < 2:
            how = '("compress": true)' if compress else '(the local driver compresses unless told otherwise)'
            out.error("'log-opts' \"max-file\": %s with compression %s: %s, because compression needs at least 2 "
                      "files. Set \"max-file\" to 2 or more, or set \"compress\": \"false\""
                      % (_show(opts['max-file']), how, _CONTAINERS_FAIL))


def _check_log_opts(settings, ctx, out):
    """5b. log-opts for the effective log driver: sizes, counts, booleans and collector addresses."""
    driver = _effective_log_driver(settings, ctx)
    opts = settings.get('log-opts', {})
    if driver is None or check_value(schema.STR_MAP, opts) is not None:
        return  # a type error, already reported
    if driver == 'none':
        return
    _check_generic_log_opts(opts, out)
    if driver in schema.FILE_LOG_DRIVER_OPTS:
        _check_file_log_opts(driver, opts, out)
    elif driver == 'syslog':
        _check_syslog_opts(opts, out)
    elif driver == 'gelf':
        _check_gelf_address(opts, out)
    elif driver == 'fluentd' and opts.get('fluentd-address'):  # empty: localhost:24224
        _check_fluentd_address(opts['fluentd-address'], out)


# --------------------------------------------------------------------------
# Names that become part of a path
# --------------------------------------------------------------------------

def path_component_problem(name):
    """Why ``name`` is not safe as one path component (a file or directory name joined under a base
    directory, such as a TLS client name or a host name in a file name), or None when it is.

    Refused: not a string, empty, a NUL byte, '.' and '..', any '/', any '..'.
    """
    if not isinstance(name, str):
        return 'is not a string (%s)' % _got(name)
    if not name:
        return 'is empty'
    if '\x00' in name:
        return 'contains a NUL byte'
    if name in ('.', '..'):
        return "is '%s', which names a directory itself, not an entry in it" % name
    if '/' in name:
        return "contains '/', so it would reach into or out of the directory"
    if '..' in name:
        return "contains '..'"
    return None


def _check_tls_files(settings, ctx, out):
    """6. the TLS files must exist and be readable."""
    if not ctx.tls_files_must_exist:
        return
    for name in schema.TLS_FILE_KEYS:
        path = settings.get(name)
        if not isinstance(path, str) or not os.path.isabs(path):
            continue
        problem = file_problem(path)
        if problem:
            out.error("'%s' points to %s, which %s; dockerd needs it to start with TLS. Put the file there first "
                      "(the tls role does this) or fix the path" % (name, _show(path), problem))


def _check_flag_conflicts(settings, ctx, out):
    """7. a key also set by a flag stops dockerd ('runtimes' is merged instead)."""
    names = schema.comparable_keys(settings) - schema.CONFLICT_EXEMPT_KEYS
    for source in ctx.flag_sources:
        by_key = source.parsed.keys
        for name in sorted(names & set(by_key)):
            flags = ', '.join("'%s'" % text for text in by_key[name])
            top_key = name.split('.', 1)[0]
            out.error("'%s' is also set by the flag %s in %s; dockerd refuses to start when a setting is given both "
                      "ways. Fix: %s, or remove '%s' from the settings" % (name, flags, source.where, source.fix, top_key))


def _check_metrics(settings, ctx, out):
    """metrics-addr: HOST:PORT, on loopback unless allow_remote_metrics (the endpoint has no authentication)."""
    for value, source in ctx.string_values(settings, 'metrics-addr'):
        where = '' if source == 'daemon.json' else ' (from %s)' % source
        if not value:
            continue
        try:
            host, port = _split_host_port(value)
        except ValueError as exc:
            out.error("metrics-addr %s%s %s, e.g. 127.0.0.1:9323 or [::1]:9323" % (_show(value), where, exc))
            continue
        problem = _port_problem(port) if port is not None else 'has no port'
        if problem:
            out.error("metrics-addr %s%s %s: dockerd listens on HOST:PORT, e.g. 127.0.0.1:9323"
                      % (_show(value), where, problem))
            continue
        if ctx.older_than('20.10') and settings.get('experimental') is not True:
            out.error("metrics-addr %s%s needs experimental: true on Engine %s (before 20.10): set "
                      "daemon_extra_settings: {experimental: true}, or upgrade the engine"
                      % (_show(value), where, ctx.engine))
        if schema.is_loopback_host(host):
            continue
        exposed = ('every interface' if host in ('', '0.0.0.0', '::') else host)
        if ctx.allow_remote_metrics:
            out.warn("metrics-addr %s%s serves dockerd's metrics without authentication on %s (allowed by "
                     "allow_remote_metrics): restrict who reaches port %s with a firewall"
                     % (_show(value), where, exposed, port))
        else:
            out.error("metrics-addr %s%s would serve dockerd's metrics without authentication on %s. Bind it to "
                      "loopback (127.0.0.1:%s) and scrape it through an authenticating proxy, or set "
                      "allow_remote_metrics: true (the daemon role's daemon_metrics_allow_remote) to accept the exposure"
                      % (_show(value), where, exposed, port))


def _check_insecure_registries(settings, ctx, out):
    """insecure-registries (CIS 2.5): plain HTTP or unverified TLS, refused unless allow_insecure_registries."""
    for value, source in ctx.string_values(settings, 'insecure-registries', is_list=True):
        where = '' if source == 'daemon.json' else ' (from %s)' % source
        if ctx.allow_insecure_registries:
            out.warn("insecure-registries %s%s: dockerd talks to it over plain HTTP or without checking its certificate "
                     "(allowed by allow_insecure_registries, CIS 2.5 fails)" % (_show(value), where))
        else:
            out.error("insecure-registries %s%s: dockerd would pull from it over plain HTTP or without checking its "
                      "certificate (CIS 2.5), so anyone on the path can replace images. Give the registry a "
                      "certificate and trust its CA (the registries role's registries_trusted installs it in "
                      "/etc/docker/certs.d/HOST:PORT/ca.crt), or set allow_insecure_registries: true (the daemon "
                      "role's daemon_allow_insecure_registries) to accept the risk" % (_show(value), where))


CHECKS = (
    _check_keys,
    _check_types,
    _check_paths,
    _check_storage,
    _check_container_size,
    _check_hosts_and_tls,
    _check_log_opts,
    _check_metrics,
    _check_insecure_registries,
    _check_tls_files,
    _check_flag_conflicts,
)


def check(settings, context=None):
    """Run every check; return a :class:`Findings` with ``errors`` and ``warnings`` (lists of str)."""
    context = context or ValidationContext()
    settings = normalize_settings(settings)
    out = Findings()
    for run in CHECKS:
        run(settings, context, out)
    return out


def validate(settings, context=None):
    """The list of error messages (empty when the settings are fine)."""
    return check(settings, context).errors


def validate_or_raise(settings, context=None):
    """Like :func:`validate` but raises :class:`ValidationError`; returns the warnings."""
    findings = check(settings, context)
    if findings.errors:
        raise ValidationError(findings.errors)
    return findings.warnings


# --------------------------------------------------------------------------
# dockerd --validate
# --------------------------------------------------------------------------

def dockerd_validate_command(dockerd, config_file, unit_flags=None, docker_opts=None):
    """argv for `dockerd --validate`: our candidate file plus the flags dockerd will really be started with
    (binary, $VARS, --config-file and --validate removed), so dockerd also sees flag/file conflicts and
    validates the merged configuration.  --validate stops after loading the configuration and TLS files,
    before any listener (so `-H fd://` is harmless here)."""
    return [dockerd, '--validate', '--config-file', config_file] + schema.validate_argv(unit_flags, docker_opts)


def config_files_from_flags(*texts):
    """The --config-file values on the given dockerd command lines (dockerd then ignores the default file)."""
    return [parsed.value for text in texts if text
            for parsed in schema.parse_dockerd_flags(text).flags if parsed.flag == '--config-file' and parsed.value]


def should_run_dockerd_validate(engine_version):
    return engine_version is not None and tuple(engine_version) >= schema.VALIDATE_FLAG_SINCE


# --------------------------------------------------------------------------
# Files: read, atomic write, .previous for rollback
# --------------------------------------------------------------------------

def read_current(path):
    """(raw bytes or None when missing, parsed dict or None, parse error text or None)."""
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None, None, None
        raise
    try:
        text = raw.decode('utf-8-sig')
        parsed = json.loads(text) if text.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        return raw, None, 'not valid JSON (%s)' % exc
    if not isinstance(parsed, dict):
        return raw, None, 'not a JSON object'
    return raw, parsed, None


def ensure_directory(path, mode=schema.DEFAULT_CONFIG_DIR_MODE, owner=None):
    """Create missing directories of ``path`` with ``mode`` (and owner (uid, gid)); return those created."""
    created = []
    missing = []
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        missing.append(current)
        current = os.path.dirname(current)
    for directory in reversed(missing):
        os.mkdir(directory, mode)
        os.chmod(directory, mode)
        if owner is not None:
            os.chown(directory, owner[0], owner[1])
        created.append(directory)
    return created


def atomic_write(path, data, mode=schema.CONFIG_FILE_MODE, owner=None):
    """Write ``data`` (bytes) to ``path`` atomically (see ``fileutil.atomic_write``)."""
    fileutil.atomic_write(path, data, mode, owner=owner)


def previous_path(path):
    """The predictable copy the role restores from: ``<path>.previous``."""
    return path + schema.PREVIOUS_SUFFIX


def save_previous(path, current_raw, owner=None):
    """Keep what ``path`` held before a write in ``<path>.previous``.  An empty ``.previous`` records that
    there was no file (so a rollback removes ``path``)."""
    atomic_write(previous_path(path), current_raw or b'', mode=schema.CONFIG_FILE_MODE, owner=owner)
    return previous_path(path)


def restore_previous(path, owner=None, dry_run=False):
    """Roll ``path`` back to ``<path>.previous``.

    Returns 'restored' (content copied back), 'removed' (``.previous`` is empty: there was no file before,
    so ``path`` is deleted) or 'unchanged' (already identical / already absent).  Raises IOError/OSError
    (ENOENT) when there is no ``.previous`` at all.
    """
    with open(previous_path(path), 'rb') as handle:
        saved = handle.read()
    current, _parsed, _error = read_current(path)
    if not saved:
        if current is None:
            return 'unchanged'
        if not dry_run:
            os.unlink(path)
            fileutil.fsync_directory(os.path.dirname(os.path.abspath(path)))
        return 'removed'
    if current == saved:
        return 'unchanged'
    if not dry_run:
        atomic_write(path, saved, mode=schema.CONFIG_FILE_MODE, owner=owner)
    return 'restored'
