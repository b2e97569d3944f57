#!/usr/bin/env python3
"""Read, in one pass and without changing anything, what the tls role decides on for a host.

Argument: one JSON object
  dir     the host's TLS directory (tls_dir)
  files   names in it whose content and mode are wanted (ca.pem, server-cert.pem)

Prints one JSON object:
  cryptography  whether this Python imports cryptography (the module needs it)
  dir           {"kind": "directory"|"file"|"other"|"missing", "mode": "0755", "uid": 0, "gid": 0}
  files         {name: {"kind": ..., "sha1": ..., "mode": "0444", "uid": 0, "gid": 0} or null when missing}
The role runs it with the host's Python reading it on stdin (one remote call,
no file transfer). Python 3.5+ standard library only.
"""

import hashlib
import json
import os
import stat
import sys


def describe(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return {'mode': '%04o' % stat.S_IMODE(st.st_mode), 'uid': st.st_uid, 'gid': st.st_gid,
            'kind': 'directory' if stat.S_ISDIR(st.st_mode) else ('file' if stat.S_ISREG(st.st_mode) else 'other')}


def main():
    args = json.loads(sys.argv[1])
    try:
        import cryptography  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
        has_crypto = True
    except ImportError:
        has_crypto = False
    directory = describe(args['dir']) or {'kind': 'missing'}
    files = {}
    for name in args['files']:
        path = os.path.join(args['dir'], name)
        info = describe(path)
        if info is not None and info['kind'] == 'file':
            with open(path, 'rb') as handle:
                info['sha1'] = hashlib.sha1(handle.read()).hexdigest()
        files[name] = info
    print(json.dumps({'cryptography': has_crypto, 'dir': directory, 'files': files}, sort_keys=True))


if __name__ == '__main__':
    main()
