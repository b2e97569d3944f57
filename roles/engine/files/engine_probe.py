#!/usr/bin/env python3
"""Read, in one pass and without changing anything, what the engine role decides on.

Argument: one JSON object
  packages      package names (without version pins) that must be installed
  pkg_manager   apt or dnf
  units         systemd units whose UnitFileState and ActiveState are wanted
                (empty where systemd is not the service manager)
  socket        the daemon's unix socket

Prints one JSON object:
  installed     {package: true|false}
  units         {unit: {"UnitFileState": ..., "ActiveState": ...}}
  version       the server version `docker version` reports, or "" (the
                role then waits for the daemon and reports why it failed)
The role runs this with the host's Python reading it on stdin (one remote call,
no file transfer). Python 3.5+ standard library only.
"""

import json
import os
import shutil
import subprocess
import sys

os.environ['PATH'] = os.environ.get('PATH', '') + ':/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
ENV = dict(os.environ, LC_ALL='C', LANG='C')


def run(argv, timeout=30):
    if shutil.which(argv[0]) is None:
        return 127, '', '%s: command not found' % argv[0]
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 126, '', str(exc)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace').strip()


def installed(packages, pkg_manager):
    found = dict((name, False) for name in packages)
    if not packages:
        return found
    if pkg_manager == 'apt':
        # Unknown names make dpkg-query exit 1 but still list the known ones.
        _rc, out, _err = run(['dpkg-query', '--show', '--showformat', '${Package} ${db:Status-Status}\n'] + packages)
        for line in out.splitlines():
            name, _sep, status = line.partition(' ')
            if name in found:
                found[name] = status.strip() == 'installed'
    else:
        _rc, out, _err = run(['rpm', '-q', '--queryformat', '%{NAME}\n'] + packages)
        for line in out.splitlines():
            if line.strip() in found:
                found[line.strip()] = True
    return found


def units(names):
    result = {}
    if not names or not os.path.isdir('/run/systemd/system'):
        return result
    rc, out, _err = run(['systemctl', 'show', '--property=UnitFileState,ActiveState'] + names)
    if rc != 0:
        return result
    for name, block in zip(names, out.strip().split('\n\n')):
        props = dict(line.split('=', 1) for line in block.splitlines() if '=' in line)
        result[name] = {'UnitFileState': props.get('UnitFileState', ''), 'ActiveState': props.get('ActiveState', '')}
    return result


def main():
    args = json.loads(sys.argv[1])
    result = {'installed': installed(args['packages'], args['pkg_manager']), 'units': units(args['units']),
              'version': ''}
    if os.path.exists(args['socket']):
        rc, out, _err = run(['docker', '--host', 'unix://' + args['socket'], 'version',
                             '--format', '{{.Server.Version}}'])
        result['version'] = out.strip() if rc == 0 else ''
    print(json.dumps(result, sort_keys=True))


if __name__ == '__main__':
    main()
