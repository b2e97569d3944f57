# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Everything hardened.docker knows about dockerd and daemon.json, in one place.

Plain data plus a few pure functions (the dockerd flag parser), so that the
module, the unit tests and anybody reading the collection share one source of
truth.  Sources: ``docs/dockerd-facts.md`` of this project (authoritative),
Docker's ``dockerd`` reference ("Daemon configuration file", Linux) and moby's
``daemon/config`` package.

Conventions used below:

* Versions are Engine versions as tuples ``(major, minor, patch)``.  Docker
  went from 20.10 straight to 23.0 (there never was a 21.x or 22.x).
* ``since`` on a key is the first Engine that accepts it.  Keys without
  ``since`` exist in every Engine this collection supports (20.10 and later).
  Where the exact release that added a key is not pinned down, ``since`` is the
  lower bound 23.0 and ``since_exact`` is False: on 20.10 the key is refused
  for sure, on 23.0+ ``dockerd --validate`` is the judge.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import re
import shlex
from collections import namedtuple

# --------------------------------------------------------------------------
# General constants
# --------------------------------------------------------------------------

DEFAULT_CONFIG_PATH = '/etc/docker/daemon.json'
DEFAULT_DATA_ROOT = '/var/lib/docker'
DEFAULT_CONFIG_DIR_MODE = 0o755
CONFIG_FILE_MODE = 0o644
PREVIOUS_SUFFIX = '.previous'

# Oldest Engine the collection supports (Debian 12's docker.io).
MIN_SUPPORTED_ENGINE = (20, 10, 0)
# `dockerd --validate --config-file FILE` exists from this version on.
VALIDATE_FLAG_SINCE = (23, 0, 0)

# Remote API port convention (facts: 2375 plaintext, 2376 TLS).  dockerd uses
# 2375 for a tcp:// host without a port, with or without TLS (from code).
PLAINTEXT_TCP_PORT = 2375
TLS_TCP_PORT = 2376
DEFAULT_TCP_PORT = 2375

# --------------------------------------------------------------------------
# Value kinds (checked by daemon_config.check_value)
# --------------------------------------------------------------------------

BOOL = 'bool'                # true / false
STR = 'str'                  # any string
PATH = 'path'                # absolute path
INT = 'int'                  # integer (may be negative)
UINT = 'uint'                # integer >= 0
IP = 'ip'                    # IPv4 or IPv6 address
CIDR = 'cidr'                # address or network with prefix: 192.168.1.5/24
SIZE = 'size'                # string with a size: "64M"
STR_LIST = 'str_list'        # list of strings
IP_LIST = 'ip_list'          # list of IP addresses (dns, host-gateway-ips)
KV_LIST = 'kv_list'          # list of "key=value" strings (labels, exec-opts, storage-opts, ...)
URL_LIST = 'url_list'        # list of http(s):// URLs (registry-mirrors)
HOST_LIST = 'host_list'      # list of daemon sockets (hosts) - checked separately
STR_MAP = 'str_map'          # object of string -> string (log-opts)
BOOL_MAP = 'bool_map'        # object of string -> bool (features)
STR_MAP_MAP = 'str_map_map'  # object of string -> (string -> string) (default-network-opts)
OBJECT = 'object'            # any JSON object (builder)
ULIMITS = 'ulimits'          # {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}
ADDRESS_POOLS = 'address_pools'  # [{"base": "172.30.0.0/16", "size": 24}]
RUNTIMES = 'runtimes'        # {"name": {"path": "...", "runtimeArgs": [...]}}
PROXIES = 'proxies'          # {"http-proxy": "...", "https-proxy": "...", "no-proxy": "..."}

KIND_DESCRIPTIONS = {
    BOOL: 'a boolean (true/false)',
    STR: 'a string',
    PATH: 'an absolute path (string)',
    INT: 'an integer',
    UINT: 'a non-negative integer',
    IP: 'an IP address (string)',
    CIDR: 'an address with a prefix length, e.g. "192.168.1.5/24" (string)',
    SIZE: 'a size string such as "64M"',
    STR_LIST: 'a list of strings',
    IP_LIST: 'a list of IP addresses (strings)',
    KV_LIST: 'a list of "key=value" strings',
    URL_LIST: 'a list of http:// or https:// URLs',
    HOST_LIST: 'a list of socket URIs such as "unix:///var/run/docker.sock" or "tcp://0.0.0.0:2376"',
    STR_MAP: 'an object of string values, e.g. {"max-size": "10m", "max-file": "3"}',
    BOOL_MAP: 'an object of booleans, e.g. {"buildkit": true}',
    STR_MAP_MAP: 'an object of objects of strings, e.g. {"bridge": {"com.docker.network.driver.mtu": "1400"}}',
    OBJECT: 'an object',
    ULIMITS: 'an object like {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}',
    ADDRESS_POOLS: 'a list of objects like {"base": "172.30.0.0/16", "size": 24}',
    RUNTIMES: 'an object like {"name": {"path": "/usr/bin/runtime", "runtimeArgs": []}}',
    PROXIES: 'an object with "http-proxy", "https-proxy" and/or "no-proxy" strings',
}

# --------------------------------------------------------------------------
# The daemon.json keys (Linux)
# --------------------------------------------------------------------------

KeySpec = namedtuple('KeySpec', ['kind', 'flags', 'since', 'since_exact', 'choices'])


def configured_data_root(docker_root_dir, security_options):
    """The data-root dockerd was given, from `docker info`'s DockerRootDir and SecurityOptions.

    A userns-remap daemon reports its own directory ``<data-root>/<uid>.<gid>`` as DockerRootDir; the
    data-root is its parent, which also holds the data of the daemon without remapping.
    """
    root = docker_root_dir or ''
    remapped = any(str(option).startswith('name=userns') for option in security_options or [])
    if remapped and re.search(r'/\d+\.\d+/?$', root):
        return os.path.dirname(root.rstrip('/'))
    return root


def _key(kind, flags=None, since=None, since_exact=True, choices=None):
    """``flags``: the dockerd flags that set the key; default ``--<key>``."""
    return (kind, flags, since, since_exact, choices)


_LOG_LEVELS = ('debug', 'info', 'warn', 'error', 'fatal', 'panic', 'trace')

_KEY_TABLE = {
    'allow-direct-routing': _key(BOOL, since='28.2'),
    'allow-nondistributable-artifacts': _key(STR_LIST),
    'authorization-plugins': _key(STR_LIST, flags=('--authorization-plugin',)),
    'bip': _key(CIDR),
    'bip6': _key(CIDR, since='23.0', since_exact=False),
    'bridge': _key(STR, flags=('-b', '--bridge')),
    'bridge-accept-fwmark': _key(STR, since='23.0', since_exact=False),
    'builder': _key(OBJECT, flags=()),
    'cdi-spec-dirs': _key(STR_LIST, flags=('--cdi-spec-dir',), since='23.0', since_exact=False),
    'cgroup-parent': _key(STR),
    'containerd': _key(STR),
    'containerd-namespace': _key(STR),
    'cpu-rt-period': _key(INT),
    'cpu-rt-runtime': _key(INT),
    'cri-containerd': _key(BOOL),
    'data-root': _key(PATH),
    'debug': _key(BOOL, flags=('-D', '--debug')),
    'default-address-pools': _key(ADDRESS_POOLS, flags=('--default-address-pool',)),
    'default-cgroupns-mode': _key(STR, choices=('host', 'private')),
    'default-gateway': _key(IP),
    'default-gateway-v6': _key(IP),
    'default-ipc-mode': _key(STR, choices=('private', 'shareable')),
    'default-network-opts': _key(STR_MAP_MAP, flags=('--default-network-opt',), since='23.0', since_exact=False),
    'default-runtime': _key(STR),
    'default-shm-size': _key(SIZE),
    'default-ulimits': _key(ULIMITS, flags=('--default-ulimit',)),
    'dns': _key(IP_LIST),
    'dns-opts': _key(STR_LIST, flags=('--dns-opt',)),
    'dns-search': _key(STR_LIST),
    'exec-opts': _key(KV_LIST, flags=('--exec-opt',)),
    'exec-root': _key(PATH),
    'experimental': _key(BOOL),
    'features': _key(BOOL_MAP, flags=('--feature',)),
    'firewall-backend': _key(STR, since='23.0', since_exact=False, choices=('iptables', 'nftables')),
    'fixed-cidr': _key(CIDR),
    'fixed-cidr-v6': _key(CIDR),
    'group': _key(STR, flags=('-G', '--group')),
    'host-gateway-ip': _key(IP),
    'host-gateway-ips': _key(IP_LIST, flags=('--host-gateway-ip',), since='28.0'),
    'hosts': _key(HOST_LIST, flags=('-H', '--host')),
    'icc': _key(BOOL),
    'init': _key(BOOL),
    'init-path': _key(PATH),
    'insecure-registries': _key(STR_LIST, flags=('--insecure-registry',)),
    'ip': _key(IP),
    'ip-forward': _key(BOOL),
    'ip-forward-no-drop': _key(BOOL, since='23.0', since_exact=False),
    'ip-masq': _key(BOOL),
    'ip6tables': _key(BOOL),
    'iptables': _key(BOOL),
    'ipv6': _key(BOOL),
    'labels': _key(KV_LIST, flags=('--label',)),
    'live-restore': _key(BOOL),
    'log-driver': _key(STR),
    'log-format': _key(STR, since='25.0', choices=('text', 'json')),
    'log-level': _key(STR, flags=('-l', '--log-level'), choices=_LOG_LEVELS),
    'log-opts': _key(STR_MAP, flags=('--log-opt',)),
    'max-concurrent-downloads': _key(UINT),
    'max-concurrent-uploads': _key(UINT),
    'max-download-attempts': _key(UINT),
    'metrics-addr': _key(STR),
    'mtu': _key(UINT),
    'network-control-plane-mtu': _key(UINT),
    'no-new-privileges': _key(BOOL),
    'node-generic-resources': _key(KV_LIST, flags=('--node-generic-resource',)),
    'pidfile': _key(PATH, flags=('-p', '--pidfile')),
    'proxies': _key(PROXIES, flags=(), since='23.0'),
    'raw-logs': _key(BOOL),
    'registry-mirrors': _key(URL_LIST, flags=('--registry-mirror',)),
    'rootless': _key(BOOL),
    'runtimes': _key(RUNTIMES, flags=('--add-runtime',)),
    'seccomp-profile': _key(STR),
    'selinux-enabled': _key(BOOL),
    'shutdown-timeout': _key(UINT),
    'storage-driver': _key(STR, flags=('-s', '--storage-driver')),
    'storage-opts': _key(KV_LIST, flags=('--storage-opt',)),
    'swarm-default-advertise-addr': _key(STR),
    'tls': _key(BOOL),
    'tlscacert': _key(PATH),
    'tlscert': _key(PATH),
    'tlskey': _key(PATH),
    'tlsverify': _key(BOOL),
    'userland-proxy': _key(BOOL),
    'userland-proxy-path': _key(PATH),
    'userns-remap': _key(STR),
}

#: Keys that existed but were removed: key -> (Engine version that removed it, the fix).
#: A removed key makes dockerd fail to start ("don't match any configuration option").
REMOVED_KEYS = {
    'graph': ('23.0', "use 'data-root'"),
    'cluster-store': ('23.0', 'legacy overlay networking with an external key/value store is gone; '
                              'remove it (use Swarm mode for multi-host networking)'),
    'cluster-advertise': ('23.0', "remove it together with 'cluster-store' (use Swarm mode)"),
    'cluster-store-opts': ('23.0', "remove it together with 'cluster-store' (use Swarm mode)"),
    'oom-score-adjust': ('25.0', 'remove it; set OOMScoreAdjust= in the docker.service unit instead'),
    'api-cors-header': ('28.0', 'remove it; put a reverse proxy in front of the API if you need CORS headers'),
}

#: Flags of the removed keys, so they are recognised on old unit lines.
_REMOVED_KEY_FLAGS = {
    'graph': ('-g', '--graph'),
    'cluster-store': ('--cluster-store',),
    'cluster-advertise': ('--cluster-advertise',),
    'cluster-store-opts': ('--cluster-store-opt',),
    'oom-score-adjust': ('--oom-score-adjust',),
    'api-cors-header': ('--api-cors-header',),
}
_REMOVED_KEY_KINDS = {
    'graph': PATH, 'cluster-store': STR, 'cluster-advertise': STR,
    'cluster-store-opts': STR_MAP, 'oom-score-adjust': INT, 'api-cors-header': STR,
}

#: Keys dockerd accepts without complaint and then ignores (from code): key -> fix.
TRAP_KEYS = {
    'containerd-plugins-namespace': (
        "dockerd accepts it in daemon.json but ignores it (the file field is read under a different name); "
        "pass --containerd-plugins-namespace on the dockerd command line instead, or leave the default"),
    'http-proxy': ("a top-level 'http-proxy' is accepted but ignored; "
                   "put it under 'proxies': {\"http-proxy\": ...} (Engine 23.0+)"),
    'https-proxy': ("a top-level 'https-proxy' is accepted but ignored; "
                    "put it under 'proxies': {\"https-proxy\": ...} (Engine 23.0+)"),
    'no-proxy': ("a top-level 'no-proxy' is accepted but ignored; "
                 "put it under 'proxies': {\"no-proxy\": ...} (Engine 23.0+)"),
}
_TRAP_KEY_FLAGS = {
    'containerd-plugins-namespace': ('--containerd-plugins-namespace',),
}

#: Keys that still work but are deprecated: key -> warning text.
DEPRECATED_KEYS = {
    'allow-nondistributable-artifacts': (
        'is deprecated; recent Engines accept and ignore it (from code). Remove it'),
}

#: Sub-keys of 'proxies' and the flag that sets each (dockerd compares them one by one).
PROXY_SUBKEYS = {
    'http-proxy': '--http-proxy',
    'https-proxy': '--https-proxy',
    'no-proxy': '--no-proxy',
}

KEYS = dict((name, KeySpec(*spec)) for name, spec in _KEY_TABLE.items())

#: Every key name dockerd has ever accepted in daemon.json on Linux (for suggestions).
ALL_KNOWN_KEYS = frozenset(KEYS) | frozenset(REMOVED_KEYS) | frozenset(TRAP_KEYS)

#: Keys whose value must be an absolute path (subset of PATH kinds, listed for readers).
ABSOLUTE_PATH_KEYS = frozenset(name for name, spec in KEYS.items() if spec.kind == PATH)

TLS_FILE_KEYS = ('tlscacert', 'tlscert', 'tlskey')

#: Keys a SIGHUP (`systemctl reload docker`) applies (facts file, from code).  Everything else
#: needs a restart; a reload silently ignores it.
RELOADABLE_KEYS = frozenset([
    'debug',
    'labels',
    'live-restore',
    'max-concurrent-downloads',
    'max-concurrent-uploads',
    'max-download-attempts',
    'shutdown-timeout',
    'default-runtime',
    'runtimes',
    'authorization-plugins',
    'insecure-registries',
    'registry-mirrors',
    'features',
    'default-shm-size',
    'default-ipc-mode',
    'default-cgroupns-mode',
])

#: Keys dockerd applies when a container is created: a container that already runs (and keeps
#: running across a live-restore restart) keeps the values it was created with (from code: the
#: daemon copies them into the container's HostConfig / OCI spec at create time).
NEW_CONTAINER_KEYS = frozenset([
    'cgroup-parent',
    'cpu-rt-period',
    'cpu-rt-runtime',
    'default-cgroupns-mode',
    'default-ipc-mode',
    'default-runtime',
    'default-shm-size',
    'default-ulimits',
    'dns',
    'dns-opts',
    'dns-search',
    'init',
    'init-path',
    'log-driver',
    'log-opts',
    'no-new-privileges',
    'seccomp-profile',
    'selinux-enabled',
])

#: Network keys dockerd applies only when it starts with no container running: with running
#: containers (live-restore) it keeps its existing networks as they are (from code: "there are
#: running containers, updated network configuration will not take affect").  The default bridge
#: keeps its old options for old and new containers alike until such a start.
RUNNING_NETWORK_KEYS = frozenset([
    'bip',
    'bridge',
    'default-address-pools',
    'default-gateway',
    'default-gateway-v6',
    'fixed-cidr',
    'fixed-cidr-v6',
    'icc',
    'ip',
    'ip-masq',
    'ipv6',
    'mtu',
])

#: Keys whose change moves the data out of view of running containers; live-restore cannot carry
#: a container across such a restart.
DATA_LOCATION_KEYS = frozenset(['data-root', 'graph', 'storage-driver', 'userns-remap'])


def restart_plan(old_settings, new_settings, containers, live_restore_active, restart_needed,
                 allow_running=False, data_moves=False):
    """What applying ``new_settings`` does to the running containers; pure, for the daemon role.

    ``old_settings``: the current daemon.json (dict, {} for none); ``containers``: the running
    containers (dicts with ``name``, or names); ``live_restore_active``: what the running daemon
    says (docker info LiveRestoreEnabled); ``restart_needed``: whether the change restarts dockerd;
    ``data_moves``: data-root/storage-driver changes (or a migrate) that no live-restore survives.

    Returns a dict:

    * ``running``: the names of the running containers, sorted;
    * ``new_containers_only``: changed keys that running containers do not get (NEW_CONTAINER_KEYS);
    * ``networks_kept``: changed keys that wait for a daemon start without running containers;
    * ``live_restore_wanted``: ``live-restore`` is true in the new settings;
    * ``live_restore_first``: turn live-restore on with a reload before the restart;
    * ``refuse``: the restart would stop the running containers and nobody allowed it;
    * ``message``: why it refuses (empty otherwise).
    """
    old = dict(old_settings or {})
    new = dict((k, v) for k, v in (new_settings or {}).items() if v is not None)
    names = sorted(str(c.get('name') or c.get('id') or '?') if isinstance(c, dict) else str(c)
                   for c in (containers or []))
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    data_moves = bool(data_moves) or any(k in DATA_LOCATION_KEYS for k in changed)
    wanted = new.get('live-restore') is True
    restarts_running = bool(restart_needed) and bool(names)
    refuse = restarts_running and not allow_running and (data_moves or not wanted)
    message = ''
    if refuse:
        if data_moves:
            why = 'the change moves the data (%s), which live-restore cannot carry running containers across' % (
                ', '.join(k for k in changed if k in DATA_LOCATION_KEYS) or 'migrate')
        else:
            why = 'live-restore is %s in the new configuration' % (
                'off' if 'live-restore' in new else 'not set (dockerd default: off)')
        message = ('Refusing to restart dockerd: it would stop the %d running container(s) %s, because %s. '
                   'Nothing was changed. Stop them in a maintenance window, or set '
                   'daemon_restart_with_running_containers: true to accept that they stop (restart policies '
                   'start them again).' % (len(names), ', '.join(names), why))
    return {
        'running': names,
        'changed_keys': changed,
        'new_containers_only': [k for k in changed if k in NEW_CONTAINER_KEYS],
        'networks_kept': [k for k in changed if k in RUNNING_NETWORK_KEYS] if names else [],
        'live_restore_wanted': wanted,
        'live_restore_active': bool(live_restore_active),
        'live_restore_first': restarts_running and wanted and not live_restore_active and not data_moves,
        'restart_needed': bool(restart_needed),
        'refuse': refuse,
        'message': message,
    }


#: dockerd refuses a key given both as a flag and in the file, except these (merged instead).
CONFLICT_EXEMPT_KEYS = frozenset(['runtimes'])

# --------------------------------------------------------------------------
# Storage drivers
# --------------------------------------------------------------------------

CURRENT_STORAGE_DRIVERS = ('overlay2', 'btrfs', 'zfs', 'vfs', 'fuse-overlayfs')
DEFAULT_STORAGE_DRIVER = 'overlay2'

#: driver -> (deprecated in, removed in)
REMOVED_STORAGE_DRIVERS = {
    'aufs': ('19.03', '24.0'),
    'overlay': ('18.09', '24.0'),
    'devicemapper': ('18.09', '25.0'),
}

#: Drivers that only work when data-root is on a given filesystem type.
DRIVER_REQUIRED_FSTYPE = {
    'btrfs': 'btrfs',
    'zfs': 'zfs',
}

#: driver -> the Go package under daemon/graphdriver/ that implements it. A dockerd built without a driver
#: (build tags such as exclude_graphdriver_devicemapper) has no ``.../daemon/graphdriver/<pkg>.Init`` function
#: name in its binary (Go keeps function names even in stripped binaries).
DRIVER_GO_PACKAGE = {
    'overlay2': 'overlay2',
    'overlay': 'overlay',
    'aufs': 'aufs',
    'btrfs': 'btrfs',
    'zfs': 'zfs',
    'devicemapper': 'devmapper',
    'vfs': 'vfs',
    'fuse-overlayfs': 'fuse-overlayfs',
}

#: Drivers that need a filesystem in the kernel (/proc/filesystems, or a loadable module).
DRIVER_KERNEL_FILESYSTEM = {
    'overlay2': 'overlay',
    'overlay': 'overlay',
    'aufs': 'aufs',
}

#: Filesystems overlay2 cannot use as its backing filesystem (dockerd refuses them: no d_type, or an overlay
#: on an overlay, as in a container whose /var/lib/docker is on the container's own root).
OVERLAY_UNSUPPORTED_BACKING = ('overlay', 'aufs', 'ecryptfs', 'nfs', 'nfs4', 'cifs', 'smb3', 'fuse.sshfs')

#: With features {"containerd-snapshotter": true} storage-driver may name a containerd snapshotter.
CONTAINERD_SNAPSHOTTER_FEATURE = 'containerd-snapshotter'
CONTAINERD_SNAPSHOTTERS = ('overlayfs', 'native', 'btrfs', 'zfs', 'fuse-overlayfs')

# --------------------------------------------------------------------------
# Daemon sockets (hosts)
# --------------------------------------------------------------------------

HOST_SCHEMES_LINUX = ('unix', 'tcp', 'fd')
HOST_SCHEMES_OTHER_OS = {'npipe': 'Windows'}

# --------------------------------------------------------------------------
# Log drivers and their log-opts (from code: moby daemon/logger/*)
# --------------------------------------------------------------------------

#: dockerd's log driver when neither daemon.json nor a flag names one.
DEFAULT_LOG_DRIVER = 'json-file'

#: Options every driver takes; dockerd handles them before the driver sees the options
#: (logger.builtInLogOpts, plus the dual-logging cache options 'cache-*' since 20.10).
GENERIC_LOG_OPTS = ('mode', 'max-buffer-size')
GENERIC_LOG_OPT_PREFIX = 'cache-'
LOG_MODES = ('blocking', 'non-blocking')

#: The drivers that write files on the host and the option names they take.  An unknown name
#: stops dockerd ("unknown log opt 'X' for json-file log driver").  Older Engines' 'local' takes only
#: the first three, current ones also the attribute options (labels, env, tag); the union is accepted.
FILE_LOG_DRIVER_OPTS = {
    'json-file': ('max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'),
    'local': ('max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'),
}

#: Whether the driver compresses rotated files when 'compress' is not given.
FILE_LOG_DRIVER_COMPRESS_DEFAULT = {'json-file': False, 'local': True}

#: The values Go's strconv.ParseBool accepts ('compress', 'cache-disabled').
GO_BOOL_TRUE = ('1', 't', 'T', 'TRUE', 'true', 'True')
GO_BOOL_FALSE = ('0', 'f', 'F', 'FALSE', 'false', 'False')

#: Address options of the network drivers.  syslog: scheme required, port 514 when missing; gelf:
#: udp:// or tcp:// with host and port, and the option is required; fluentd: a bare HOST[:PORT] means
#: tcp, port 24224 when missing, unix:// takes a socket path.
SYSLOG_ADDRESS_SCHEMES = ('udp', 'tcp', 'tcp+tls', 'unix', 'unixgram')
SYSLOG_DEFAULT_PORT = 514
#: The syslog driver's option names (moby daemon/logger/syslog ValidateLogOpt): any other stops dockerd
#: ("unknown log opt 'X' for syslog log driver"), and so do a facility and a format it does not know.
SYSLOG_LOG_OPTS = ('env', 'env-regex', 'labels', 'labels-regex', 'syslog-address', 'syslog-facility',
                   'syslog-tls-ca-cert', 'syslog-tls-cert', 'syslog-tls-key', 'syslog-tls-skip-verify', 'tag',
                   'syslog-format')
#: Facility names; a number 0..23 is accepted too.  Empty means daemon.
SYSLOG_FACILITIES = ('kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv',
                     'ftp', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7')
#: Message formats; empty means the local syslog's own (RFC 3164 without hostname).
SYSLOG_FORMATS = ('rfc3164', 'rfc5424', 'rfc5424micro')
GELF_ADDRESS_SCHEMES = ('udp', 'tcp')
FLUENTD_ADDRESS_SCHEMES = ('tcp', 'tls', 'unix')
FLUENTD_DEFAULT_PORT = 24224

# --------------------------------------------------------------------------
# default-ulimits
# --------------------------------------------------------------------------

ULIMIT_NAMES = ('core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile',
                'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack')

RUNTIME_FIELDS = {'path': STR, 'runtimeArgs': STR_LIST, 'runtimeType': STR, 'options': OBJECT}

# --------------------------------------------------------------------------
# Flags
# --------------------------------------------------------------------------

#: dockerd flags that are not daemon.json settings.  Value: True when the flag takes a value.
NON_CONFIG_FLAGS = {
    '--config-file': True,
    '--validate': False,
    '--help': False,
    '-v': False,
    '--version': False,
}

#: Flags that must not be handed to `dockerd --validate` (we pass our own config file).
VALIDATE_DROP_FLAGS = frozenset(NON_CONFIG_FLAGS)


def key_flags(name):
    """The dockerd flags that set daemon.json key ``name`` (long first when both exist)."""
    if name in KEYS:
        flags = KEYS[name].flags
    elif name in _REMOVED_KEY_FLAGS:
        flags = _REMOVED_KEY_FLAGS[name]
    elif name in _TRAP_KEY_FLAGS:
        flags = _TRAP_KEY_FLAGS[name]
    else:
        return ()
    if flags is None:
        flags = ('--' + name,)
    return tuple(sorted(flags, key=lambda f: (not f.startswith('--'), f)))


def key_kind(name):
    """The value kind of a known key (current, removed or trap), or None."""
    if name in KEYS:
        return KEYS[name].kind
    if name in _REMOVED_KEY_KINDS:
        return _REMOVED_KEY_KINDS[name]
    if name in TRAP_KEYS:
        return STR
    return None


def _build_flag_table():
    # Several keys can share a flag: '--host-gateway-ip' sets 'host-gateway-ip' on every Engine and is
    # also the flag of 'host-gateway-ips' (28.0+), so it conflicts with either key.
    table = {}
    for name in ALL_KNOWN_KEYS:
        for flag in key_flags(name):
            table.setdefault(flag, []).append(name)
    for sub, flag in PROXY_SUBKEYS.items():
        table.setdefault(flag, []).append('proxies.' + sub)
    return dict((flag, tuple(sorted(names))) for flag, names in table.items())


#: flag -> the daemon.json keys it sets (nested proxy keys as 'proxies.<sub-key>').
FLAG_TO_KEYS = _build_flag_table()

#: Flags that never take a separate value (booleans); `--flag=false` is still accepted.
BOOL_FLAGS = frozenset(
    [flag for flag, names in FLAG_TO_KEYS.items() if all(key_kind(n) == BOOL for n in names)]
    + [flag for flag, takes_value in NON_CONFIG_FLAGS.items() if not takes_value])


def comparable_keys(settings):
    """The names dockerd compares against its flags: top-level keys, 'proxies' split into sub-keys."""
    names = set()
    for name, value in settings.items():
        if name == 'proxies' and isinstance(value, dict):
            names.update('proxies.' + sub for sub in value)
        else:
            names.add(name)
    return names


class ParsedFlag(object):
    """One flag found on a dockerd command line."""

    __slots__ = ('flag', 'value', 'text', 'keys', 'tokens')

    def __init__(self, flag, value, text, keys, tokens=()):
        self.flag = flag      # '-H', '--containerd', ...
        self.value = value    # the value as written, '' for a bare boolean flag
        self.text = text      # how it was written: '-H fd://', '--containerd=/run/...'
        self.keys = keys      # daemon.json keys it sets (empty tuple when none/unknown)
        self.tokens = tokens  # indexes of its words in DockerdCommandLine.words

    def __repr__(self):
        return 'ParsedFlag(%r)' % (self.text,)


class DockerdCommandLine(object):
    """Result of :func:`parse_dockerd_flags`."""

    def __init__(self, flags, unknown, words=()):
        self.flags = flags        # list of ParsedFlag, in order
        self.unknown = unknown    # texts of flags that are not in the table
        self.words = list(words)  # every word of the command line, the binary included

    @property
    def keys(self):
        """daemon.json key -> list of flag texts that set it."""
        result = {}
        for parsed in self.flags:
            for name in parsed.keys:
                result.setdefault(name, []).append(parsed.text)
        return result

    def values(self, name):
        """The values given for daemon.json key ``name`` by the flags (in order)."""
        return [parsed.value for parsed in self.flags if name in parsed.keys]


def _is_variable(token):
    return token.startswith('$')


def _strip_exec_prefix(token):
    """Drop 'ExecStart=' and systemd's executable prefixes ('-', '@', ':', '+', '!')."""
    if token.startswith('ExecStart='):
        token = token[len('ExecStart='):]
    stripped = token.lstrip('-@:+!')
    if stripped != token and stripped.startswith('/') and _is_binary(stripped):
        return stripped
    return token


def _is_binary(token):
    return not token.startswith('-') and os.path.basename(token) in ('dockerd', 'docker')


def _split(text):
    text = text.replace('\\\r\n', ' ').replace('\\\n', ' ')
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        # Unbalanced quotes: fall back to a plain split rather than failing.
        return text.split()


def parse_dockerd_flags(text):
    """Parse a dockerd command line or a DOCKER_OPTS value.

    Accepts ``/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS``
    (also with a leading ``ExecStart=``) or just ``--dns 8.8.8.8 -H tcp://0.0.0.0:2375``.
    Shell variables (``$DOCKER_OPTS``, ``${OPTS}``) are skipped.  ``-Hfd://``, ``-H=fd://`` and
    ``--flag=value`` forms are understood.  Unknown flags are listed in ``unknown``; such a flag is
    assumed to take the next token as its value unless that token looks like a flag.
    """
    tokens = _split(text or '')
    if tokens:
        tokens[0] = _strip_exec_prefix(tokens[0])
        if not tokens[0]:
            tokens.pop(0)
    index = 0
    if tokens and _is_binary(tokens[0]):
        index = 1
        if len(tokens) > 1 and tokens[1] == 'daemon':  # ancient `docker daemon ...`
            index = 2

    flags, unknown = [], []
    while index < len(tokens):
        token = tokens[index]
        first = index
        index += 1
        if _is_variable(token) or not token.startswith('-') or token in ('-', '--'):
            continue
        if token.startswith('--'):
            flag, equals, value = token.partition('=')
            inline_value = bool(equals)
        else:
            flag, value = token[:2], token[2:]
            if value.startswith('='):
                value = value[1:]
            inline_value = bool(value)
        text_used = token
        known = flag in FLAG_TO_KEYS or flag in NON_CONFIG_FLAGS
        if not inline_value and flag not in BOOL_FLAGS and index < len(tokens):
            following = tokens[index]
            if known or not following.startswith('-'):
                value = following
                text_used = token + ' ' + following
                index += 1
        flags.append(ParsedFlag(flag, value, text_used, FLAG_TO_KEYS.get(flag, ()), tuple(range(first, index))))
        if not known:
            unknown.append(text_used)
    return DockerdCommandLine(flags, unknown, tokens)


def parse_dockerd_argv(words):
    """Parse a dockerd command line given as argv words (``/proc/PID/cmdline``, ``effective_flags.args``)."""
    return parse_dockerd_flags(' '.join(shlex.quote(str(word)) for word in words or []))


def _quote_word(word):
    if word and not any(c.isspace() or c in '"\'\\' for c in word):
        return word
    return '"%s"' % word.replace('\\', '\\\\').replace('"', '\\"')


def without_key_flags(text, keys):
    """The command line ``text`` without the flags that set any of the daemon.json ``keys``.

    The binary, variables (``$DOCKER_OPTS``) and every other flag stay in order:
    ``/usr/sbin/dockerd -H fd:// --containerd=/run/c.sock $DOCKER_OPTS`` without ``hosts`` is
    ``/usr/sbin/dockerd --containerd=/run/c.sock $DOCKER_OPTS``.
    """
    parsed = parse_dockerd_flags(text)
    drop = set()
    for flag in parsed.flags:
        if set(flag.keys) & set(keys):
            drop.update(flag.tokens)
    return ' '.join(_quote_word(word) for index, word in enumerate(parsed.words) if index not in drop)


def keys_set_by_flags(text):
    """The set of daemon.json keys a dockerd command line / DOCKER_OPTS value sets."""
    return set(parse_dockerd_flags(text).keys)


def validate_argv(*texts):
    """Arguments from unit flags / DOCKER_OPTS to pass on to ``dockerd --validate``.

    Everything dockerd would see at start-up except the binary, shell variables and the flags in
    VALIDATE_DROP_FLAGS (we pass our own ``--config-file``; ``--validate`` is ours too).
    """
    argv = []
    for text in texts:
        if not text:
            continue
        for parsed in parse_dockerd_flags(text).flags:
            if parsed.flag in VALIDATE_DROP_FLAGS or _is_variable(parsed.value):
                continue
            if parsed.text.startswith(parsed.flag + ' '):
                argv.extend([parsed.flag, parsed.value])
            else:
                argv.append(parsed.text)
    return argv


def is_loopback_host(host):
    """Whether a listener's host part (no brackets, no port) answers on loopback only: localhost, 127.0.0.0/8, ::1."""
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
