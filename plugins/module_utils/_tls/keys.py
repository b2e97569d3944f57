# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Private keys: generate, load (passphrases), serialize, describe, refuse weak ones; signatures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hardened.docker.plugins.module_utils._tls.common import (
    KEY_TYPES, MIN_RSA_BITS, TLSError,
)

try:
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
except ImportError:  # pragma: no cover - common.HAS_CRYPTOGRAPHY tells the module
    pass


def _spki(public_key):
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_keys_equal(a, b):
    try:
        return _spki(a) == _spki(b)
    except Exception:  # pragma: no cover - exotic key types
        return False


def _to_bytes(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    return value.encode('utf-8')


def describe_key_spec(key_type, key_size):
    """Human readable name for a wanted key: ``ECDSA P-256``, ``RSA 3072``, ``Ed25519``."""
    if key_type == 'ecdsa':
        return 'ECDSA P-%d' % key_size
    if key_type == 'rsa':
        return 'RSA %d' % key_size
    if key_type == 'ed25519':
        return 'Ed25519'
    return '%s %s' % (key_type, key_size)  # pragma: no cover


def key_type_and_size(key):
    """``(key_type, key_size)`` of a private or public key.

    Unknown/unsupported key types give ``(name, size)`` where name is not one
    of :data:`KEY_TYPES`.
    """
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return 'rsa', key.key_size
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        name = key.curve.name
        if name == 'secp256r1':
            return 'ecdsa', 256
        if name == 'secp384r1':
            return 'ecdsa', 384
        return 'ecdsa:' + name, key.curve.key_size
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return 'ed25519', None
    return type(key).__name__, None


def describe_key(key):
    key_type, key_size = key_type_and_size(key)
    if key_type in KEY_TYPES:
        return describe_key_spec(key_type, key_size)
    if key_type.startswith('ecdsa:'):
        return 'ECDSA %s' % key_type.split(':', 1)[1]
    return key_type if key_size is None else '%s %s' % (key_type, key_size)


def check_key_acceptable(key, what):
    """Refuse keys this module does not sign with / issue for.

    Accepted: RSA >= 2048 bits, ECDSA P-256/P-384, Ed25519.
    """
    key_type, key_size = key_type_and_size(key)
    if key_type == 'rsa':
        if key_size < MIN_RSA_BITS:
            raise TLSError(
                '%s is an RSA %d key; RSA keys shorter than %d bits are refused'
                % (what, key_size, MIN_RSA_BITS))
        return
    if key_type in KEY_TYPES:
        return
    raise TLSError(
        '%s is a %s key, which is not supported (use ECDSA P-256/P-384, RSA >= 2048 or Ed25519)'
        % (what, describe_key(key)))


def generate_private_key(key_type, key_size=None):
    if key_type == 'ecdsa':
        curve = {256: ec.SECP256R1, 384: ec.SECP384R1}.get(key_size)
        if curve is None:
            raise TLSError('unsupported ECDSA key size %r (use 256 or 384)' % (key_size,))
        return ec.generate_private_key(curve())
    if key_type == 'rsa':
        if key_size is None or key_size < MIN_RSA_BITS:
            raise TLSError('RSA keys shorter than %d bits are refused' % MIN_RSA_BITS)
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    if key_type == 'ed25519':
        return ed25519.Ed25519PrivateKey.generate()
    raise TLSError('unsupported key_type %r' % (key_type,))


def serialize_private_key(key, passphrase=None):
    """PEM, PKCS#8; encrypted with BestAvailableEncryption when a passphrase is given."""
    if passphrase:
        encryption = serialization.BestAvailableEncryption(_to_bytes(passphrase))
    else:
        encryption = serialization.NoEncryption()
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=encryption,
    )


def pem_is_encrypted(data):
    head = data[:400]
    return b'ENCRYPTED PRIVATE KEY' in head or b'Proc-Type: 4,ENCRYPTED' in head


class LoadedKey:
    """Result of :func:`load_private_key_data`."""

    def __init__(self, key=None, encrypted=False, error=None):
        self.key = key
        self.encrypted = encrypted
        self.error = error  # set when the data is not a parsable private key


def load_private_key_data(data, passphrase=None, what='private key', passphrase_option='passphrase'):
    """Load a PEM private key.

    * encrypted key without passphrase -> :class:`TLSError`
    * encrypted key, wrong passphrase -> :class:`TLSError`
    * unencrypted key, passphrase given -> loaded anyway (``encrypted=False``)
    * not a private key at all -> ``LoadedKey(error=...)`` (caller decides)
    """
    encrypted = pem_is_encrypted(data)
    if encrypted:
        if not passphrase:
            raise TLSError('%s is encrypted; set %s' % (what, passphrase_option))
        try:
            key = serialization.load_pem_private_key(data, password=_to_bytes(passphrase))
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise TLSError(
                'cannot decrypt %s: wrong %s (or corrupted key): %s' % (what, passphrase_option, exc))
        return LoadedKey(key=key, encrypted=True)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return LoadedKey(error=str(exc))
    return LoadedKey(key=key, encrypted=False)


def signature_hash_name(obj):
    try:
        algorithm = obj.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return 'unsupported'
    return None if algorithm is None else algorithm.name


def signature_hash_for(signer_key, digest='auto', what='signing key'):
    """Hash algorithm used to sign with ``signer_key``.

    ``auto``: SHA-256, or SHA-384 for a P-384 key; ``None`` for Ed25519.
    """
    key_type, key_size = key_type_and_size(signer_key)
    if key_type == 'ed25519':
        if digest not in (None, 'auto'):
            raise TLSError(
                'digest=%s cannot be used: the %s is Ed25519, whose signatures have no separate hash '
                '(leave digest at auto)' % (digest, what))
        return None
    if digest in (None, 'auto'):
        if key_type == 'ecdsa' and key_size == 384:
            return hashes.SHA384()
        return hashes.SHA256()
    return {'sha256': hashes.SHA256, 'sha384': hashes.SHA384, 'sha512': hashes.SHA512}[digest]()


def verify_signature(cert, issuer_public_key):
    """True when ``cert`` carries a valid signature by ``issuer_public_key``."""
    try:
        hash_algorithm = cert.signature_hash_algorithm
        data = cert.tbs_certificate_bytes
        signature = cert.signature
        if isinstance(issuer_public_key, rsa.RSAPublicKey):
            params = getattr(cert, 'signature_algorithm_parameters', None)
            if params is None:
                params = padding.PKCS1v15()
            issuer_public_key.verify(signature, data, params, hash_algorithm)
        elif isinstance(issuer_public_key, ec.EllipticCurvePublicKey):
            issuer_public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif isinstance(issuer_public_key, ed25519.Ed25519PublicKey):
            issuer_public_key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, TypeError, ValueError):
        return False
    return True
