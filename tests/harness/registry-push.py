# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Push a directory tree as a one-layer image to a registry, with the standard library only.

Test harness only: there is no public registry to pull from, so the network
scenario pushes a tiny image (busybox and a few applet links) into its own
registry with the distribution API (monolithic blob uploads, a schema 2
manifest). Run on the registry's test host:

    python3 registry-push.py --registry https://127.0.0.1:5000 --ca ca.pem --tree DIR --image hd/tiny:1
"""

from __future__ import absolute_import, division, print_function

import argparse
import gzip
import hashlib
import io
import json
import platform
import ssl
import tarfile
import urllib.parse
import urllib.request

LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
CONFIG = 'application/vnd.docker.container.image.v1+json'
MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'arm', 'ppc64le': 'ppc64le', 's390x': 's390x'}


def digest(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def layer_of(tree):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w') as tar:
        tar.add(tree, arcname='.')
    plain = raw.getvalue()
    return gzip.compress(plain, mtime=0), digest(plain)


def request(opener, method, url, data=None, content_type=None):
    req = urllib.request.Request(url, data=data, method=method)
    if content_type:
        req.add_header('Content-Type', content_type)
    return opener.open(req, timeout=60)


def push_blob(opener, base, name, data):
    blob = digest(data)
    with request(opener, 'POST', '%s/v2/%s/blobs/uploads/' % (base, name)) as resp:
        location = urllib.parse.urljoin(base + '/', resp.headers['Location'])
    sep = '&' if '?' in location else '?'
    with request(opener, 'PUT', '%s%sdigest=%s' % (location, sep, blob), data, 'application/octet-stream'):
        pass
    return {'size': len(data), 'digest': blob}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--registry', required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--tree', required=True)
    parser.add_argument('--image', required=True, help='NAME:TAG')
    args = parser.parse_args()
    name, tag = args.image.rsplit(':', 1)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=args.ca)))
    layer, diff_id = layer_of(args.tree)
    config = json.dumps({'architecture': ARCH.get(platform.machine(), platform.machine()), 'os': 'linux',
                         'config': {'Cmd': ['/bin/sh']}, 'created': '2026-01-01T00:00:00Z',
                         'rootfs': {'type': 'layers', 'diff_ids': [diff_id]},
                         'history': [{'created': '2026-01-01T00:00:00Z', 'created_by': 'registry-push.py'}]},
                        sort_keys=True).encode('utf-8')
    manifest = {'schemaVersion': 2, 'mediaType': MANIFEST,
                'config': dict(push_blob(opener, args.registry, name, config), mediaType=CONFIG),
                'layers': [dict(push_blob(opener, args.registry, name, layer), mediaType=LAYER)]}
    body = json.dumps(manifest).encode('utf-8')
    with request(opener, 'PUT', '%s/v2/%s/manifests/%s' % (args.registry, name, tag), body, MANIFEST) as resp:
        print('pushed %s:%s %s' % (name, tag, resp.headers.get('Docker-Content-Digest', digest(body))))


if __name__ == '__main__':
    main()
