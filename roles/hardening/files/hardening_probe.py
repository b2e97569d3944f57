#!/usr/bin/env python3
"""Read, in one pass and without changing anything, the host state the CIS checks need.

Argument: one JSON object
  users         names the operator trusts with the docker group
  paths         fixed paths to stat (CIS sections 1 and 3)
  binaries      program names to find (dockerd, containerd, runc, ...)
  bin_dirs      directories searched for them, in order
  units         systemd units whose unit file is wanted (docker.service, docker.socket)
  unit_dirs     directories searched for unit files when systemctl cannot tell
  daemon_json   path of daemon.json
  audit_rules   path of the compiled audit rules file
  certs_dir     directory of registry certificates (/etc/docker/certs.d)
  rules_file    the role's audit rules file (content and mode are read)
  audit_service name of the audit service (whether systemd has it enabled and active)

Prints one JSON object. The role runs it with the host's Python reading it on
stdin (one remote call, no file transfer). Python 3.5+ standard library only.
"""

import grp
import json
import os
import pwd
import re
import shutil
import ssl
import stat
import subprocess
import sys
import time

# sbin directories too: an unprivileged login's PATH (become) may lack them.
os.environ['PATH'] = os.environ.get('PATH', '') + ':/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
ENV = dict(os.environ, LC_ALL='C', LANG='C')


def run(argv, timeout=30):
    if shutil.which(argv[0]) is None and not os.path.isabs(argv[0]):
        return {'rc': 127, 'out': '', 'err': '%s: command not found' % argv[0]}
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {'rc': 126, 'out': '', 'err': str(exc)}
    return {'rc': proc.returncode, 'out': proc.stdout.decode('utf-8', 'replace'),
            'err': proc.stderr.decode('utf-8', 'replace').strip()}


def stat_path(path):
    try:
        st = os.stat(path)
    except OSError:
        return {'exists': False}
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    if stat.S_ISDIR(st.st_mode):
        kind = 'directory'
    elif stat.S_ISSOCK(st.st_mode):
        kind = 'socket'
    else:
        kind = 'file'
    return {'exists': True, 'realpath': os.path.realpath(path), 'uid': st.st_uid, 'gid': st.st_gid,
            'owner': owner, 'group': group, 'mode': '%04o' % stat.S_IMODE(st.st_mode), 'kind': kind}


def find_binary(name, dirs):
    found = []
    for directory in dirs:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            real = os.path.realpath(candidate)
            if real not in found:
                found.append(real)
    return found


def unit_files(units, unit_dirs):
    result = {}
    systemctl = os.path.isdir('/run/systemd/system') and shutil.which('systemctl')
    for unit in units:
        path = ''
        if systemctl:
            out = run(['systemctl', 'show', '-p', 'FragmentPath', '--value', unit])
            if out['rc'] == 0:
                path = out['out'].strip()
        if not path:
            for directory in unit_dirs:
                if os.path.isfile(os.path.join(directory, unit)):
                    path = os.path.join(directory, unit)
                    break
        result[unit] = {'path': os.path.realpath(path) if path else '',
                        'source': 'systemctl show -p FragmentPath' if systemctl and path else 'unit directories'}
    return result


def docker_group(users):
    info = {'exists': False, 'gid': None, 'members': [], 'primary_members': []}
    try:
        entry = grp.getgrnam('docker')
    except KeyError:
        entry = None
    if entry is not None:
        info.update(exists=True, gid=entry.gr_gid, members=sorted(entry.gr_mem),
                    primary_members=sorted(p.pw_name for p in pwd.getpwall() if p.pw_gid == entry.gr_gid))
    known = set(p.pw_name for p in pwd.getpwall())
    info['missing_users'] = sorted(u for u in users if u not in known)
    return info


def read_text(path, limit=1048576):
    try:
        with open(path, 'rb') as handle:
            return handle.read(limit).decode('utf-8', 'replace')
    except OSError:
        return None


def dockerd_cmdline():
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                args = [a.decode('utf-8', 'replace') for a in handle.read().split(b'\0') if a]
        except OSError:
            continue
        if args and os.path.basename(args[0]) == 'dockerd':
            return {'pid': int(pid), 'args': args[1:]}
    return {'pid': None, 'args': []}


def cert_not_after(path):
    if not path or not os.path.isfile(path):
        return None
    try:
        decoded = ssl._ssl._test_decode_cert(path)  # pylint: disable=protected-access
        not_after = ssl.cert_time_to_seconds(decoded['notAfter'])
    except Exception:  # pylint: disable=broad-except
        return None
    return {'not_after': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(not_after)),
            'days_left': int((not_after - time.time()) // 86400)}


def audit_service(name):
    """Whether systemd has the audit service enabled and active; None where that is unknown (no systemd)."""
    if not os.path.isdir('/run/systemd/system'):
        return {'enabled': None, 'active': None}
    enabled = run(['systemctl', 'is-enabled', name + '.service'])
    active = run(['systemctl', 'is-active', name + '.service'])
    return {'enabled': enabled['out'].strip() == 'enabled', 'active': active['out'].strip() == 'active'}


def main():
    args = json.loads(sys.argv[1])
    result = {'group': docker_group(args.get('users', []))}

    daemon_json_text = read_text(args['daemon_json'])
    daemon_json, daemon_json_error = {}, None
    if daemon_json_text is not None and daemon_json_text.strip():
        try:
            daemon_json = json.loads(daemon_json_text)
        except ValueError as exc:
            daemon_json_error = str(exc)
    result['daemon_json'] = {'path': args['daemon_json'], 'exists': daemon_json_text is not None,
                             'settings': daemon_json, 'error': daemon_json_error}
    result['dockerd'] = dockerd_cmdline()

    info = run(['docker', 'info', '--format', '{{json .}}'])
    result['docker_info'] = json.loads(info['out']) if info['rc'] == 0 and info['out'].strip() else {}
    result['docker_info_error'] = info['err'] if info['rc'] != 0 else ''
    bridge = run(['docker', 'network', 'inspect', 'bridge', '--format', '{{json .Options}}'])
    result['bridge_options'] = json.loads(bridge['out']) if bridge['rc'] == 0 and bridge['out'].strip() else None

    result['binaries'] = dict((name, find_binary(name, args['bin_dirs'])) for name in args['binaries'])
    result['units'] = unit_files(args['units'], args['unit_dirs'])

    # containerd's socket: dockerd's --containerd (or daemon.json's containerd), the system
    # containerd's, or the one dockerd starts itself when nothing else is given (sysvinit).
    sock = daemon_json.get('containerd') if isinstance(daemon_json.get('containerd'), str) else ''
    dargs = result['dockerd']['args']
    for i, arg in enumerate(dargs):
        if arg.startswith('--containerd='):
            sock = arg.split('=', 1)[1]
        elif arg == '--containerd' and i + 1 < len(dargs):
            sock = dargs[i + 1]
    if not sock:
        for candidate in ('/run/containerd/containerd.sock', '/run/docker/containerd/containerd.sock'):
            if os.path.exists(candidate):
                sock = candidate
                break
    sock = sock or '/run/containerd/containerd.sock'
    result['containerd_socket'] = sock
    result['containerd_dir'] = os.path.dirname(sock)

    # Everything that may be checked: fixed paths, unit files, binaries, data-root, TLS files, registry certs.
    wanted = list(args['paths'])
    wanted += [u['path'] for u in result['units'].values() if u['path']]
    wanted += [p for paths in result['binaries'].values() for p in paths]
    data_root = result['docker_info'].get('DockerRootDir') or daemon_json.get('data-root') or '/var/lib/docker'
    result['data_root'] = data_root
    wanted += [data_root, sock, result['containerd_dir']]
    for key in ('tlscacert', 'tlscert', 'tlskey'):
        if isinstance(daemon_json.get(key), str):
            wanted.append(daemon_json[key])
    registry_certs = []
    certs_dir = args['certs_dir']
    if os.path.isdir(certs_dir):
        for root, _dirs, files in os.walk(certs_dir):
            registry_certs += [os.path.join(root, name) for name in sorted(files)]
    result['registry_certs'] = sorted(registry_certs)
    wanted += registry_certs
    result['stat'] = dict((path, stat_path(path)) for path in wanted if path)

    rules_text = read_text(args['audit_rules'])
    live = run(['auditctl', '-l'])
    result['audit'] = {
        'auditctl': shutil.which('auditctl') or '',
        'augenrules': shutil.which('augenrules') or '',
        'auditctl_rc': live['rc'], 'auditctl_out': live['out'], 'auditctl_err': live['err'],
        'not_permitted': live['rc'] != 0 and bool(re.search('not permitted', live['err'], re.I)),
        'compiled_path': args['audit_rules'], 'compiled': rules_text,
        'rules_file': dict(stat_path(args['rules_file']), content=read_text(args['rules_file'])),
        'service': audit_service(args['audit_service']),
    }
    result['tls_server_certificate'] = cert_not_after(daemon_json.get('tlscert'))
    print(json.dumps(result, sort_keys=True))


if __name__ == '__main__':
    main()
