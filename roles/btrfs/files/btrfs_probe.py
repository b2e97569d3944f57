#!/usr/bin/python3
"""Print, as JSON, what the btrfs role needs to know before it changes anything.

Read-only. Argument: a JSON object {"devices": [...], "mount_point": "...",
"skeleton": [...]}. Reports, for each device, what `blkid -p` (a direct probe,
no cache) finds on it and whether the kernel holds it (an O_EXCL open fails
with EBUSY when the device is mounted in any mount namespace, or used by
md/dm/another btrfs); what is mounted at the mount point; the devices of each
btrfs filesystem found; what the running daemon holds; and the entries under
the mount point that are not part of the engine's empty skeleton.
"""
import errno
import fnmatch
import json
import os
import shutil
import stat
import subprocess
import sys

MAX_LISTED = 20


def run(argv):
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None, ''
    return proc.returncode, proc.stdout


def blkid_probe(path):
    """The signatures on a device: {} when blank (blkid -p exits 2)."""
    rc, out = run(['blkid', '-p', '-o', 'export', path])
    if rc == 2:
        return {}
    if rc != 0:
        return {'PROBE_ERROR': 'blkid -p exited %s' % rc}
    values = {}
    for line in out.splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            values[key] = value
    return values


def is_busy(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_EXCL)
    except OSError as exc:
        return exc.errno == errno.EBUSY
    os.close(fd)
    return False


def unescape(field):
    return field.replace('\\040', ' ').replace('\\011', '\t').replace('\\012', '\n').replace('\\134', '\\')


def mounts():
    with open('/proc/self/mounts') as table:
        return [[unescape(f) for f in line.split()[:4]] for line in table]


def device(path, mount_table):
    info = {'path': path, 'exists': os.path.exists(path)}
    if not info['exists']:
        return info
    real = os.path.realpath(path)
    mode = os.stat(real).st_mode
    info.update(real=real, is_block=stat.S_ISBLK(mode))
    if not info['is_block']:
        return info
    rdev = os.stat(real).st_rdev
    info['mounted_at'] = [m[1] for m in mount_table
                          if m[0].startswith('/dev/') and os.path.exists(m[0])
                          and stat.S_ISBLK(os.stat(m[0]).st_mode) and os.stat(m[0]).st_rdev == rdev]
    info['busy'] = is_busy(real)
    info['signature'] = blkid_probe(real)
    return info


def btrfs_devices(uuid):
    """Every device of the btrfs filesystem UUID, as btrfs-progs sees them (or None)."""
    if not shutil.which('btrfs'):
        return None
    run(['btrfs', 'device', 'scan'])
    rc, out = run(['btrfs', 'filesystem', 'show', uuid])
    if rc != 0:
        return None
    return sorted(os.path.realpath(line.split(' path ', 1)[1].strip())
                  for line in out.splitlines() if ' path ' in line and 'devid' in line)


def at_mount_point(mount_point, mount_table):
    entries = [m for m in mount_table if m[1] == mount_point]
    if not entries:
        return None
    source, _target, fstype, options = entries[-1]
    uuid = ''
    if source.startswith('/dev/') and os.path.exists(source):
        uuid = blkid_probe(source).get('UUID', '')
    return {'source': source, 'fstype': fstype, 'options': options.split(','), 'uuid': uuid}


def docker_state():
    if not shutil.which('docker'):
        return None
    rc, out = run(['docker', 'info', '--format', '{{json .}}'])
    if rc != 0 or not out.strip():
        return None
    info = json.loads(out)
    _rc, volumes = run(['docker', 'volume', 'ls', '--quiet'])
    _rc, networks = run(['docker', 'network', 'ls', '--format', '{{.Name}}'])
    return {
        'root': info.get('DockerRootDir', ''),
        'driver': info.get('Driver', ''),
        'images': int(info.get('Images') or 0),
        'containers': int(info.get('Containers') or 0),
        'volumes': len((volumes or '').split()),
        'networks': [n for n in (networks or '').split() if n not in ('bridge', 'host', 'none')],
    }


def matches(rel, pattern):
    """fnmatch per path component: `*` never crosses a `/`."""
    parts, wanted = rel.split('/'), pattern.split('/')
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted))


def content(mount_point, skeleton):
    """Paths under the mount point that are not part of the engine's empty skeleton."""
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
            if not any(matches(rel, pattern) for pattern in skeleton):
                count += 1
                if len(found) < MAX_LISTED:
                    found.append(rel)
    return {'exists': True, 'data': sorted(found), 'count': count}


def main():
    args = json.loads(sys.argv[1])
    table = mounts()
    devices = [device(path, table) for path in args['devices']]
    uuids = sorted({d['signature']['UUID'] for d in devices
                    if d.get('signature', {}).get('TYPE') == 'btrfs' and d['signature'].get('UUID')})
    mount_point = args['mount_point']
    print(json.dumps({
        'devices': devices,
        'btrfs_members': {uuid: btrfs_devices(uuid) for uuid in uuids},
        'mount': at_mount_point(mount_point, table),
        'docker': docker_state(),
        'content': content(mount_point, args.get('skeleton', [])),
        'btrfs_in_kernel': 'btrfs' in open('/proc/filesystems').read().split(),
    }))


if __name__ == '__main__':
    main()
