# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CIS Docker Benchmark checks for the hardening role, as pure functions.

Every check judges the real state the role's probe (roles/hardening/files/hardening_probe.py)
read from the host: ``docker info``, the bridge network's options, daemon.json and dockerd's
command line, the docker group, ``auditctl -l`` or the compiled audit rules, and a stat of
every file. Nothing here looks at what the role meant to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

DOCUMENTATION = r"""
name: cis_report
short_description: CIS Docker Benchmark report from the hardening role's probe
description:
  - Filters C(cis_report), C(cis_audit_watches), C(cis_file_fixes), C(cis_report_table), C(cis_items)
    used by the C(hardened.docker.hardening) role.
options:
  _input:
    description: The JSON the role's probe printed.
    type: dict
    required: true
"""

PASS = 'pass'
FAIL = 'fail'
WAIVED = 'waived'

# 1.1.3 - 1.1.18: audit watch rules. `kind`: path (fixed), unit (docker.service/socket),
# bin (program found on the host), data_root (dockerd's data-root).
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

# Section 2 items the role contributes to daemon.json (waiving one leaves it out).
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

TITLES = {
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
    '2.2': 'Network traffic is restricted between containers on the default bridge (icc false)',
    '2.3': 'The logging level is set to info',
    '2.4': 'Docker is allowed to make changes to iptables',
    '2.5': 'Insecure registries are not used',
    '2.6': 'aufs storage driver is not used',
    '2.7': 'TLS authentication for the Docker daemon is configured (TCP only with tlsverify)',
    '2.8': 'The default ulimit is configured',
    '2.9': 'User namespace support is enabled (userns-remap)',
    '2.10': 'The default cgroup usage has been confirmed (no cgroup-parent)',
    '2.14': 'Containers are restricted from acquiring new privileges (no-new-privileges)',
    '2.15': 'Live restore is enabled',
    '2.16': 'Userland proxy is disabled',
    '2.17': 'A daemon-wide seccomp profile is applied',
    '2.18': 'Experimental features are not used in production',
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
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'\.', item_id)]


ITEM_IDS = tuple(sorted(TITLES, key=_sort_key))


def cis_items(_unused=None):
    """Every item id the role knows (the valid keys of hardening_waivers)."""
    return list(ITEM_IDS)


# --------------------------------------------------------------------------
# Effective daemon configuration: daemon.json plus dockerd's command line
# --------------------------------------------------------------------------

_FLAGS = {
    'icc': ('--icc',), 'log-level': ('-l', '--log-level'), 'iptables': ('--iptables',),
    'insecure-registries': ('--insecure-registry',), 'hosts': ('-H', '--host'),
    'tls': ('--tls',), 'tlsverify': ('--tlsverify',), 'tlscacert': ('--tlscacert',),
    'tlscert': ('--tlscert',), 'tlskey': ('--tlskey',), 'default-ulimits': ('--default-ulimit',),
    'userns-remap': ('--userns-remap',), 'cgroup-parent': ('--cgroup-parent',),
    'no-new-privileges': ('--no-new-privileges',), 'live-restore': ('--live-restore',),
    'userland-proxy': ('--userland-proxy',), 'log-opts': ('--log-opt',), 'log-driver': ('--log-driver',),
    'experimental': ('--experimental',), 'seccomp-profile': ('--seccomp-profile',),
}
_BOOL_KEYS = ('icc', 'iptables', 'tls', 'tlsverify', 'no-new-privileges', 'live-restore', 'userland-proxy',
              'experimental')
_LIST_KEYS = ('insecure-registries', 'hosts', 'default-ulimits', 'log-opts')


def _bool(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('1', 't', 'true', 'yes', 'on')


def effective_config(probe):
    """daemon.json's settings overlaid with the flags dockerd really runs with."""
    config = dict((probe.get('daemon_json') or {}).get('settings') or {})
    args = list((probe.get('dockerd') or {}).get('args') or [])
    flag_to_key = dict((flag, key) for key, flags in _FLAGS.items() for flag in flags)
    flagged = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, value = (arg.split('=', 1) + [None])[:2] if arg.startswith('-') else (None, None)
        key = flag_to_key.get(name)
        if key is None:
            i += 1
            continue
        if value is None:
            if key in _BOOL_KEYS:
                value = 'true'
            elif i + 1 < len(args):
                value = args[i + 1]
                i += 1
        i += 1
        if key in _BOOL_KEYS:
            flagged[key] = _bool(value)
        elif key in _LIST_KEYS:
            flagged.setdefault(key, []).append(value)
        else:
            flagged[key] = value
    for key, value in flagged.items():
        if key == 'log-opts':
            config[key] = dict(v.split('=', 1) for v in value if '=' in v)
        elif key == 'default-ulimits':
            config[key] = dict((v.split('=', 1)[0], v) for v in value)
        else:
            config[key] = value
    return config


def listeners(config):
    hosts = config.get('hosts') or []
    if isinstance(hosts, str):
        hosts = [hosts]
    return list(hosts) or ['unix:///var/run/docker.sock']


# --------------------------------------------------------------------------
# Paths on the host
# --------------------------------------------------------------------------

def _stat(probe, path):
    return (probe.get('stat') or {}).get(path) or {'exists': False}


def audit_targets(probe):
    """{item id: [real paths that exist]} for 1.1.3-1.1.18; [] where the file is not on the host."""
    targets = {}
    for item_id, kind, name in AUDIT_ITEMS:
        if kind == 'bin':
            paths = list((probe.get('binaries') or {}).get(name) or [])
        elif kind == 'unit':
            path = ((probe.get('units') or {}).get(name) or {}).get('path') or ''
            paths = [path] if path else []
        elif kind == 'data_root':
            paths = [probe.get('data_root') or name]
        elif kind in ('containerd_dir', 'containerd_sock'):
            paths = [probe.get(kind.replace('sock', 'socket')) or name]
        else:
            paths = [name]
        real = []
        for path in paths:
            st = _stat(probe, path)
            if st.get('exists'):
                target = st.get('realpath') or path
                if target not in real:
                    real.append(target)
        targets[item_id] = real
    return targets


def _waived(waivers, item_id):
    return item_id in (waivers or {})


def cis_audit_watches(probe, waivers=None, key='docker'):
    """The audit rule lines for every item that is not waived and whose file exists."""
    lines = []
    for item_id, paths in sorted(audit_targets(probe).items(), key=lambda kv: _sort_key(kv[0])):
        if _waived(waivers, item_id):
            continue
        for path in paths:
            line = '-w %s -p rwxa -k %s' % (path, key)
            if line not in lines:
                lines.append(line)
    return lines


def file_targets(probe):
    """[(owner id, mode id, what, [paths that exist], owner, group, widest mode)] for section 3."""
    settings = effective_config(probe)
    result = []
    for owner_id, mode_id, what, kind, owner, group, widest in FILE_ITEMS:
        if kind == 'unit':
            path = ((probe.get('units') or {}).get(what) or {}).get('path') or ''
            paths = [path] if path else []
        elif kind == 'containerd_sock':
            paths = [probe.get('containerd_socket') or '/run/containerd/containerd.sock']
        elif kind == 'registry_certs':
            paths = list(probe.get('registry_certs') or [])
        elif kind == 'tls':
            value = settings.get(what)
            paths = [value] if isinstance(value, str) and value else []
        else:
            paths = [what]
        paths = [p for p in paths if _stat(probe, p).get('exists')]
        result.append((owner_id, mode_id, what, paths, owner, group, widest))
    return result


def cis_file_fixes(probe, waivers=None):
    """[{path, owner, group, mode}] for existing files whose owner or mode is off; never widens a mode."""
    fixes = []
    for owner_id, mode_id, _what, paths, owner, group, widest in file_targets(probe):
        fix_owner = not _waived(waivers, owner_id)
        fix_mode = not _waived(waivers, mode_id)
        for path in paths:
            st = _stat(probe, path)
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
# The report
# --------------------------------------------------------------------------

def _item(item_id, ok, evidence, waivers, applicable=True):
    item = {'id': item_id, 'title': TITLES[item_id], 'evidence': evidence, 'applicable': applicable}
    if _waived(waivers, item_id):
        item['status'] = WAIVED
        item['reason'] = waivers[item_id]
    else:
        item['status'] = PASS if ok else FAIL
    return item


def _check_group(probe, trusted, waivers):
    group = probe.get('group') or {}
    if not group.get('exists'):
        return _item('1.1.2', True, 'group docker does not exist: nobody but root reaches the socket', waivers)
    members = sorted(set(group.get('members') or []) | set(group.get('primary_members') or []))
    untrusted = sorted(set(members) - set(trusted or []))
    evidence = 'getent group docker: members [%s]; trusted [%s]' % (', '.join(members), ', '.join(sorted(trusted or [])))
    if untrusted:
        evidence += '; untrusted: %s' % ', '.join(untrusted)
    if group.get('primary_members'):
        evidence += '; docker is the primary group of: %s' % ', '.join(group['primary_members'])
    return _item('1.1.2', not untrusted, evidence, waivers)


def _first_line(text, default):
    lines = [line for line in (text or '').splitlines() if line.strip()]
    return lines[0].strip() if lines else default


def _audit_source(probe):
    audit = probe.get('audit') or {}
    if audit.get('auditctl_rc') == 0:
        return 'auditctl -l', audit.get('auditctl_out') or ''
    if not audit.get('auditctl'):
        reason = 'auditctl not installed'
    elif audit.get('not_permitted'):
        reason = 'auditctl not permitted: %s' % _first_line(audit.get('auditctl_err'), 'Operation not permitted')
    else:
        reason = 'auditctl failed: %s' % _first_line(audit.get('auditctl_err'), 'rc=%s' % audit.get('auditctl_rc'))
    compiled = audit.get('compiled')
    if compiled is None:
        return 'no rules: %s and %s is missing' % (reason, audit.get('compiled_path')), ''
    return 'compiled rules file %s (%s)' % (audit.get('compiled_path'), reason), compiled


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


def _check_audit(probe, waivers):
    source, text = _audit_source(probe)
    where = source.split(' (')[0]
    items = []
    for item_id, paths in sorted(audit_targets(probe).items(), key=lambda kv: _sort_key(kv[0])):
        if not paths:
            items.append(_item(item_id, True, 'not present on this host: no rule needed', waivers,
                               applicable=False))
            continue
        missing = [p for p in paths if not _watched(text, p)]
        if missing:
            evidence = 'no watch on %s in %s' % (', '.join(missing), where)
        else:
            evidence = 'watch on %s in %s' % (', '.join(paths), where)
        items.append(_item(item_id, not missing, evidence, waivers))
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


def _check_daemon(probe, waivers):
    cfg = effective_config(probe)
    info = probe.get('docker_info') or {}
    where = 'daemon.json + dockerd flags'
    items = []
    if not info:
        note = 'docker info failed: %s' % (probe.get('docker_info_error') or 'no answer')
    else:
        note = ''

    bridge = probe.get('bridge_options')
    if isinstance(bridge, dict) and 'com.docker.network.bridge.enable_icc' in bridge:
        icc = bridge['com.docker.network.bridge.enable_icc']
        items.append(_item('2.2', str(icc).lower() == 'false',
                           'docker network inspect bridge: com.docker.network.bridge.enable_icc=%s' % icc, waivers))
    else:
        icc = cfg.get('icc', True)
        items.append(_item('2.2', icc is False, '%s: icc=%s (bridge network not inspectable)' % (where, icc), waivers))

    level = cfg.get('log-level')
    items.append(_item('2.3', level in (None, 'info'),
                       '%s: log-level=%s' % (where, level if level is not None else 'unset (dockerd default info)'),
                       waivers))

    iptables = cfg.get('iptables', True)
    items.append(_item('2.4', iptables is not False, '%s: iptables=%s' % (where, iptables), waivers))

    insecure = list(cfg.get('insecure-registries') or [])
    cidrs = list(((info.get('RegistryConfig') or {}).get('InsecureRegistryCIDRs')) or [])
    extra_cidrs = [c for c in cidrs if c not in ('127.0.0.0/8', '::1/128')]
    items.append(_item('2.5', not insecure and not extra_cidrs,
                       'insecure-registries=%s; docker info InsecureRegistryCIDRs=%s' % (insecure, cidrs), waivers))

    driver = info.get('Driver') or cfg.get('storage-driver') or ''
    items.append(_item('2.6', driver != 'aufs' and bool(driver or not info),
                       'docker info Driver=%s%s' % (driver or '?', '; ' + note if note else ''), waivers))

    hosts = listeners(cfg)
    tcp = [h for h in hosts if h.startswith('tcp://')]
    tls_files = [k for k in ('tlscacert', 'tlscert', 'tlskey') if cfg.get(k)]
    tls_ok = cfg.get('tlsverify') is True and len(tls_files) == 3
    if tcp:
        evidence = 'tcp listeners %s; tlsverify=%s; %s set' % (', '.join(tcp), cfg.get('tlsverify', False),
                                                               ', '.join(tls_files) or 'no TLS files')
    else:
        evidence = 'no tcp listener (%s)' % ', '.join(hosts)
    items.append(_item('2.7', not tcp or tls_ok, evidence, waivers))

    ulimits = cfg.get('default-ulimits')
    items.append(_item('2.8', bool(ulimits),
                       '%s: default-ulimits=%s' % (where, _ulimits_text(ulimits) if ulimits else 'unset'), waivers))

    secopts = list(info.get('SecurityOptions') or [])
    userns = [o for o in secopts if o.startswith('name=userns')]
    items.append(_item('2.9', bool(userns), 'docker info SecurityOptions=%s' % secopts, waivers))

    parent = cfg.get('cgroup-parent')
    items.append(_item('2.10', not parent, '%s: cgroup-parent=%s' % (where, parent or 'unset (default)'), waivers))

    nnp = cfg.get('no-new-privileges', False)
    if 'name=no-new-privileges' in secopts:
        items.append(_item('2.14', True, 'docker info SecurityOptions: name=no-new-privileges', waivers))
    else:
        items.append(_item('2.14', nnp is True, '%s: no-new-privileges=%s' % (where, nnp), waivers))

    live = info.get('LiveRestoreEnabled')
    items.append(_item('2.15', live is True, 'docker info LiveRestoreEnabled=%s%s' % (live, '; ' + note if note else ''),
                       waivers))

    proxy = cfg.get('userland-proxy', True)
    items.append(_item('2.16', proxy is False, '%s: userland-proxy=%s' % (where, proxy), waivers))

    seccomp = [o for o in secopts if o.startswith('name=seccomp')]
    items.append(_item('2.17', bool(seccomp) and not any('profile=unconfined' in o for o in seccomp),
                       'docker info SecurityOptions: %s' % (', '.join(seccomp) or 'no seccomp'), waivers))

    experimental = info.get('ExperimentalBuild', cfg.get('experimental', False))
    items.append(_item('2.18', experimental is False, 'docker info ExperimentalBuild=%s' % experimental, waivers))

    log_driver = info.get('LoggingDriver') or cfg.get('log-driver') or 'json-file'
    opts = cfg.get('log-opts') or {}
    if log_driver in ('json-file',):
        ok = bool(opts.get('max-size')) and bool(opts.get('max-file'))
        evidence = 'log driver %s; log-opts max-size=%s max-file=%s' % (log_driver, opts.get('max-size'),
                                                                       opts.get('max-file'))
    elif log_driver == 'local':
        ok, evidence = True, 'log driver local rotates by itself (max-size=%s max-file=%s)' % (
            opts.get('max-size', '20m'), opts.get('max-file', '5'))
    else:
        ok, evidence = True, 'log driver %s does not write local log files' % log_driver
    items.append(_item('log-rotation', ok, evidence, waivers))
    return items


def _mode_ok(mode, widest):
    return int(mode, 8) & ~widest == 0


def _check_files(probe, waivers):
    items = []
    for owner_id, mode_id, what, paths, owner, group, widest in file_targets(probe):
        if not paths:
            evidence = '%s: not present on this host' % what
            items.append(_item(owner_id, True, evidence, waivers, applicable=False))
            items.append(_item(mode_id, True, evidence, waivers, applicable=False))
            continue
        stats = [(p, _stat(probe, p)) for p in paths]
        owners = ['%s %s:%s' % (p, s['owner'], s['group']) for p, s in stats]
        modes = ['%s %s' % (p, s['mode']) for p, s in stats]
        items.append(_item(owner_id, all((s['owner'], s['group']) == (owner, group) for _p, s in stats),
                           '; '.join(owners), waivers))
        items.append(_item(mode_id, all(_mode_ok(s['mode'], widest) for _p, s in stats), '; '.join(modes), waivers))
    return items


def cis_report(probe, trusted_users=None, waivers=None, host='', generated='', tls_certificate=None):
    """The compliance report of one host: facts, items (pass/fail/waived + evidence) and a summary."""
    waivers = dict(waivers or {})
    items = [_check_group(probe, trusted_users, waivers)]
    items += _check_audit(probe, waivers)
    items += _check_daemon(probe, waivers)
    items += _check_files(probe, waivers)
    items.sort(key=lambda i: _sort_key(i['id']))

    cfg = effective_config(probe)
    info = probe.get('docker_info') or {}
    cert = tls_certificate or probe.get('tls_server_certificate') or None
    tls_on = bool(cfg.get('tlsverify') or cfg.get('tls'))
    summary = {PASS: 0, FAIL: 0, WAIVED: 0}
    for item in items:
        summary[item['status']] += 1
    audit_source, _text = _audit_source(probe)
    return {
        'host': host,
        'generated': generated,
        'benchmark': 'CIS Docker Benchmark v1.6 numbering (hardened.docker.hardening)',
        'daemon': {
            'server_version': info.get('ServerVersion', ''),
            'storage_driver': info.get('Driver', ''),
            'data_root': info.get('DockerRootDir', probe.get('data_root', '')),
            'logging_driver': info.get('LoggingDriver', ''),
            'live_restore': info.get('LiveRestoreEnabled', False),
            'security_options': list(info.get('SecurityOptions') or []),
            'listeners': listeners(cfg),
            'tls': tls_on,
            'tls_certificate_path': (cert or {}).get('path', cfg.get('tlscert', '')) if tls_on else '',
            'tls_certificate_not_after': (cert or {}).get('not_after') if tls_on else None,
            'tls_certificate_days_left': (cert or {}).get('days_left') if tls_on else None,
        },
        'audit_evidence': audit_source,
        'items': items,
        'summary': summary,
        'compliant': summary[FAIL] == 0,
    }


def cis_report_table(report):
    """A readable table of the report, one string per line."""
    daemon = report.get('daemon') or {}
    if daemon.get('tls'):
        days = daemon.get('tls_certificate_days_left')
        tls = 'on (server certificate: %s)' % ('%s days left' % days if days is not None else 'expiry unknown')
    else:
        tls = 'off'
    lines = [
        'CIS Docker Benchmark report for %s (%s)' % (report.get('host'), report.get('generated')),
        'Docker %s, storage driver %s, data root %s, live restore %s' % (
            daemon.get('server_version') or '?', daemon.get('storage_driver') or '?', daemon.get('data_root') or '?',
            daemon.get('live_restore')),
        'listeners: %s; TLS %s' % (', '.join(daemon.get('listeners') or []), tls),
        'audit rules checked with: %s' % report.get('audit_evidence'),
        '%-13s %-7s %s' % ('item', 'status', 'evidence'),
    ]
    for item in report.get('items') or []:
        status = item['status'] + ('' if item.get('applicable', True) else '*')
        detail = item['evidence']
        if item['status'] == WAIVED:
            detail = 'waived: %s | %s' % (item.get('reason'), detail)
        lines.append('%-13s %-7s %s' % (item['id'], status, detail))
    summary = report.get('summary') or {}
    lines.append('%d pass, %d fail, %d waived (* = not present on this host, nothing to check)' % (
        summary.get(PASS, 0), summary.get(FAIL, 0), summary.get(WAIVED, 0)))
    return lines


class FilterModule(object):
    """The hardening role's CIS filters."""

    def filters(self):
        return {
            'cis_report': cis_report,
            'cis_report_table': cis_report_table,
            'cis_audit_watches': cis_audit_watches,
            'cis_file_fixes': cis_file_fixes,
            'cis_unwatched': cis_unwatched,
            'cis_items': cis_items,
        }
