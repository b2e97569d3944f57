# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The registries role's input check: what dockerd will trust in /etc/docker/certs.d/<address>/, checked on the
controller before any host changes (pure functions on ``cryptography``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - reported by input_problems
    HAS_CRYPTOGRAPHY = False

#: HOST or HOST:PORT as it stands in an image reference: a DNS name or IPv4 address, or [IPv6], and a port.
ADDRESS = re.compile(r'^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}'
                     r'[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$')
PEM_CERTIFICATE = re.compile(r'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', re.S)

VAR = 'registries_trusted'


def _certificates(pem):
    """The certificates of a PEM text (ValueError when there is none or one does not parse)."""
    blocks = PEM_CERTIFICATE.findall(pem or '')
    if not blocks:
        raise ValueError('holds no PEM certificate (-----BEGIN CERTIFICATE-----)')
    return [x509.load_pem_x509_certificate(block.encode('ascii')) for block in blocks]


def _not_after(cert):
    value = getattr(cert, 'not_valid_after_utc', None)
    if value is None:  # cryptography < 42
        value = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return value


def _public_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _check_ca(label, pem, now, out):
    try:
        certs = _certificates(pem)
    except ValueError as exc:
        out.append('%s.ca %s: give the PEM of the CA that signed the registry\'s certificate, e.g. '
                   'ca: "{{ lookup(\'file\', \'registry-ca.pem\') }}"' % (label, exc))
        return
    for cert in certs:
        if _not_after(cert) <= now:
            out.append('%s.ca: the certificate %s expired on %s; dockerd would refuse the registry: give the '
                       'renewed CA' % (label, cert.subject.rfc4514_string(), _not_after(cert).strftime('%Y-%m-%d')))


def _check_client(label, entry, now, out):
    cert_pem, key_pem = entry.get('client_cert') or '', entry.get('client_key') or ''
    if bool(cert_pem) != bool(key_pem):
        out.append('%s: client_cert and client_key go together (dockerd presents the pair to the registry); give '
                   'both or neither' % label)
        return
    if not cert_pem:
        return
    try:
        cert = _certificates(cert_pem)[0]
    except ValueError as exc:
        out.append('%s.client_cert %s' % (label, exc))
        return
    try:
        key = serialization.load_pem_private_key(key_pem.encode('utf-8'), password=None)
    except (ValueError, TypeError) as exc:
        # The message never repeats the key itself.
        out.append('%s.client_key is not an unencrypted PEM private key (%s): dockerd cannot read a key with a '
                   'passphrase' % (label, type(exc).__name__))
        return
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        out.append('%s: client_key does not belong to client_cert' % label)
    if _not_after(cert) <= now:
        out.append('%s.client_cert expired on %s' % (label, _not_after(cert).strftime('%Y-%m-%d')))


def input_problems(entries, now=None):
    """One message per problem in ``registries_trusted``, each naming the entry and the fix; [] when all is fine."""
    if not isinstance(entries, list):
        return ['%s must be a list of registries ({address: HOST:PORT, ca: PEM}), not %s' % (VAR, type(entries).__name__)]
    if not HAS_CRYPTOGRAPHY and entries:
        return ['%s: the Python cryptography library is missing on the controller (pip install cryptography)' % VAR]
    now = now or datetime.datetime.now(datetime.timezone.utc)
    out, seen = [], set()
    for index, entry in enumerate(entries):
        label = '%s[%d]' % (VAR, index)
        if not isinstance(entry, dict):
            out.append('%s must be a dict {address: HOST:PORT, ca: PEM}' % label)
            continue
        address = entry.get('address')
        match = ADDRESS.match(address) if isinstance(address, str) else None
        if not match or (match.group(1) and not 0 < int(match.group(1)) < 65536):
            out.append('%s.address %s is not HOST or HOST:PORT as in an image name (no scheme, no path), e.g. '
                       'registry.example.com:5000' % (label, '"%s"' % address if isinstance(address, str) else 'is missing:'))
        elif address in seen:
            out.append('%s.address %s is listed twice' % (label, address))
        else:
            label = '%s (%s)' % (label, address)
            seen.add(address)
        unknown = sorted(set(entry) - {'address', 'ca', 'client_cert', 'client_key', 'internal'})
        if unknown:
            out.append('%s: unknown key(s) %s; use address, ca, client_cert, client_key, internal'
                       % (label, ', '.join(unknown)))
        if entry.get('ca'):
            _check_ca(label, entry['ca'], now, out)
        _check_client(label, entry, now, out)
    return out
