# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every part of ``hardened.docker.tls_certificate`` shares.

The ``_tls`` package is private to the collection (the leading underscore):

* ``common``: this file, the ``cryptography`` import, the constants, :class:`TLSError`, time and format helpers;
* ``keys``: generate, load, serialize and describe private keys, refuse weak ones, pick the signature hash;
* ``names``: subject alternative names (parse, validate, normalise), subjects, name comparison, extensions;
* ``options``: the module's argument spec with its per-kind rules, the value checks no argument spec can
  express, :class:`~options.Spec`, and ``input_problems`` for the tls role's plan;
* ``checks``: the idempotency checks, each returning the list of reasons to (re)generate;
* ``builders``: one builder per kind (CA, server, client certificate, CSR);
* ``flow``: plan (read, decide, never write), apply (generate, write atomically), result and diff.

Everything is plain Python on top of the ``cryptography`` library (no ``openssl`` command line, no
AnsibleModule), so it can be unit tested directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import traceback

CRYPTOGRAPHY_IMP_ERR = None
try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
except ImportError:  # pragma: no cover - exercised only without cryptography
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMP_ERR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True


KIND_CA = 'ca'
KIND_SERVER = 'server'
KIND_CLIENT = 'client'
KIND_CSR = 'csr'
KINDS = (KIND_CA, KIND_SERVER, KIND_CLIENT, KIND_CSR)
LEAF_KINDS = (KIND_SERVER, KIND_CLIENT)

KEY_TYPES = ('ecdsa', 'rsa', 'ed25519')
DEFAULT_KEY_TYPE = 'ecdsa'
DEFAULT_KEY_SIZES = {'ecdsa': 256, 'rsa': 3072, 'ed25519': None}
ALLOWED_KEY_SIZES = {'ecdsa': (256, 384), 'rsa': (2048, 3072, 4096), 'ed25519': ()}
MIN_RSA_BITS = 2048

DIGESTS = ('auto', 'sha256', 'sha384', 'sha512')
REFUSED_DIGESTS = ('sha1', 'sha-1', 'md5', 'md4', 'md2', 'sha224', 'sha-224')
WEAK_SIGNATURE_HASHES = ('sha1', 'md5', 'md4', 'md2')

DEFAULT_VALID_DAYS = {KIND_CA: 3650, KIND_SERVER: 365, KIND_CLIENT: 365}
DEFAULT_RENEW_BEFORE_DAYS = 30
MAX_VALID_DAYS = 36500
BACKDATE = datetime.timedelta(minutes=5)

DEFAULT_PRIVATEKEY_MODE = 0o400
DEFAULT_FILE_MODE = 0o444

UTC = datetime.timezone.utc


class TLSError(Exception):
    """A problem the user has to fix; the message is shown as-is."""


def utcnow():
    return datetime.datetime.now(UTC)


def iso8601(value):
    """``datetime`` -> ``2025-01-31T12:00:00Z`` (UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def cert_not_after(cert):
    value = getattr(cert, 'not_valid_after_utc', None)
    if value is None:  # cryptography < 42
        value = cert.not_valid_after.replace(tzinfo=UTC)
    return value


def cert_not_before(cert):
    value = getattr(cert, 'not_valid_before_utc', None)
    if value is None:  # cryptography < 42
        value = cert.not_valid_before.replace(tzinfo=UTC)
    return value


def format_serial(serial):
    """Serial number as upper-case hex with an even number of digits.

    This is what ``openssl x509 -noout -serial`` prints (without ``serial=``).
    """
    text = '%X' % serial
    if len(text) % 2:
        text = '0' + text
    return text


def format_fingerprint(digest_bytes):
    return ':'.join('%02X' % b for b in bytearray(digest_bytes))


def certificate_fingerprint(cert):
    return format_fingerprint(cert.fingerprint(hashes.SHA256()))


def load_certificate_data(data):
    """Parse a PEM certificate; returns ``(cert, None)`` or ``(None, error)``."""
    try:
        return x509.load_pem_x509_certificate(data), None
    except Exception as exc:  # ValueError, or anything from a broken file
        return None, str(exc) or type(exc).__name__


def load_csr_data(data):
    try:
        return x509.load_pem_x509_csr(data), None
    except Exception as exc:
        return None, str(exc) or type(exc).__name__
