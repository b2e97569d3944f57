# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers shared by the unit tests of plugins/module_utils/_tls (real files, real cryptography)."""

from __future__ import annotations

import os
import stat

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.hardened.docker.plugins.module_utils._tls import flow, options

PASS = 'correct horse battery staple'


def spec(**params):
    return options.spec_from_params(params)


def ca_params(directory, **extra):
    params = dict(kind='ca', path=os.path.join(str(directory), 'ca.pem'),
                  privatekey_path=os.path.join(str(directory), 'ca-key.pem'),
                  common_name='Test Docker CA', organization='Hardened')
    params.update(extra)
    return params


def leaf_params(directory, ca_dir, kind='server', name='server', **extra):
    params = dict(kind=kind, path=os.path.join(str(directory), name + '-cert.pem'),
                  privatekey_path=os.path.join(str(directory), name + '-key.pem'),
                  common_name='docker1.example.com',
                  ca_path=os.path.join(str(ca_dir), 'ca.pem'),
                  ca_privatekey_path=os.path.join(str(ca_dir), 'ca-key.pem'))
    if kind == 'server':
        params['subject_alt_names'] = ['DNS:docker1.example.com', 'IP:192.0.2.10', 'IP:2001:db8::10']
    params.update(extra)
    return params


def run(params, check_mode=False, now=None):
    return flow.run(spec(**params), check_mode=check_mode, now=now)


def new_ca(directory, now=None, **extra):
    """Issue a CA (ca.pem, ca-key.pem) in ``directory``, created if missing; returns ``directory``."""
    if not os.path.isdir(str(directory)):
        os.mkdir(str(directory))
    run(ca_params(directory, **extra), now=now)
    return directory


def clobber(path, text, mode):
    """Make ``path`` writable with ``mode`` and replace its content by ``text`` (a broken file)."""
    os.chmod(path, mode)
    with open(path, 'w') as f:
        f.write(text)


def load_cert(path):
    with open(path, 'rb') as f:
        return x509.load_pem_x509_certificate(f.read())


def load_key(path, passphrase=None):
    with open(path, 'rb') as f:
        return serialization.load_pem_private_key(f.read(), passphrase.encode() if passphrase else None)


def spki(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(directory):
    out = {}
    for name in sorted(os.listdir(str(directory))):
        full = os.path.join(str(directory), name)
        st = os.stat(full)
        with open(full, 'rb') as f:
            out[name] = (f.read(), st.st_mtime_ns, stat.S_IMODE(st.st_mode))
    return out


def has_reason(reasons, text):
    return any(text in reason for reason in reasons)
