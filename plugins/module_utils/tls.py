# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate logic for ``hardened.docker.tls_certificate``.

Everything in here is plain Python on top of the ``cryptography`` library
(no ``openssl`` command line, no AnsibleModule), so it can be unit tested
directly.  The module only parses options, calls :func:`run` and applies
owner/group/mode with ``AnsibleModule.set_fs_attributes_if_different``.

Overview
--------
* :func:`spec_from_params` validates and normalises the module options into a
  :class:`Spec` (raises :class:`TLSError` with a readable message).
* :func:`plan` reads the files involved (own key, certificate or CSR, CA
  certificate and key, CSR to sign) and works out *why* something has to be
  (re)generated.  It never writes.
* :func:`needs_regeneration` / :func:`csr_needs_regeneration` are the pure
  idempotency checks: they return a list of human-readable reasons, empty
  when the existing certificate / CSR is up to date.
* :func:`apply` generates the key / certificate / CSR and writes them
  atomically (temporary file in the same directory, created 0600, fsync,
  chmod to the final mode, ``os.replace``).
* :func:`run` = plan + (unless check mode) apply, and returns the result
  dictionary plus a before/after summary for ``--diff`` that never contains
  key material.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import os
import re
import traceback

from ansible_collections.hardened.docker.plugins.module_utils import fileutil

CRYPTOGRAPHY_IMP_ERR = None
try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
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

_DNS_LABEL_RE = re.compile(r'^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')

_EKU_NAMES = {}
if HAS_CRYPTOGRAPHY:
    _EKU_NAMES = {
        ExtendedKeyUsageOID.SERVER_AUTH: 'serverAuth',
        ExtendedKeyUsageOID.CLIENT_AUTH: 'clientAuth',
        ExtendedKeyUsageOID.CODE_SIGNING: 'codeSigning',
        ExtendedKeyUsageOID.EMAIL_PROTECTION: 'emailProtection',
        ExtendedKeyUsageOID.TIME_STAMPING: 'timeStamping',
        ExtendedKeyUsageOID.OCSP_SIGNING: 'OCSPSigning',
    }


class TLSError(Exception):
    """A problem the user has to fix; the message is shown as-is."""


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------

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


def _read_file(path, what):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise TLSError('cannot read %s %s: %s' % (what, path, exc))


# ---------------------------------------------------------------------------
# Names, SANs, extensions
# ---------------------------------------------------------------------------

def _validate_dns_name(name, original):
    if not name:
        raise TLSError('invalid subject_alt_names entry %r: empty DNS name' % original)
    try:
        name.encode('ascii')
    except UnicodeEncodeError:
        raise TLSError(
            'invalid subject_alt_names entry %r: DNS names must be ASCII; '
            'use the punycode (xn--) form of internationalised names' % original)
    if name.endswith('.'):
        raise TLSError('invalid subject_alt_names entry %r: DNS name must not end with a dot' % original)
    if len(name) > 253:
        raise TLSError('invalid subject_alt_names entry %r: DNS name longer than 253 characters' % original)
    labels = name.split('.')
    for index, label in enumerate(labels):
        if label == '*' and index == 0 and len(labels) >= 3:
            continue  # wildcard as whole left-most label, e.g. *.docker.example.com
        if not _DNS_LABEL_RE.match(label):
            raise TLSError(
                'invalid subject_alt_names entry %r: %r is not a valid DNS label '
                '(letters, digits and inner hyphens, 1-63 characters; a wildcard is only '
                'allowed as the whole left-most label of a name with at least three labels)'
                % (original, label))


def parse_subject_alt_name(entry):
    """``'DNS:host.example.com'`` / ``'IP:192.0.2.1'`` / ``'IP:2001:db8::1'`` -> canonical string.

    The prefix is case-insensitive; DNS names are lower-cased, IP addresses
    are normalised (``IP:2001:0db8:0:0::1`` -> ``IP:2001:db8::1``).
    Raises :class:`TLSError` on anything else.
    """
    if not isinstance(entry, str):
        raise TLSError('invalid subject_alt_names entry %r: must be a string like DNS:name or IP:address' % (entry,))
    text = entry.strip()
    prefix, sep, value = text.partition(':')
    prefix = prefix.strip().upper()
    value = value.strip()
    if not sep or prefix not in ('DNS', 'IP'):
        hint = ''
        try:
            ipaddress.ip_address(text)
            hint = ' (did you mean IP:%s?)' % text
        except ValueError:
            if text and ':' not in text:
                hint = ' (did you mean DNS:%s?)' % text
        raise TLSError(
            'invalid subject_alt_names entry %r: must start with DNS: or IP:%s' % (entry, hint))
    if prefix == 'DNS':
        name = value.lower()
        _validate_dns_name(name, entry)
        return 'DNS:' + name
    candidate = value
    if candidate.startswith('[') and candidate.endswith(']'):
        candidate = candidate[1:-1]
    if '%' in candidate:
        raise TLSError('invalid subject_alt_names entry %r: IPv6 zone/scope ids are not allowed' % entry)
    if '/' in candidate:
        raise TLSError('invalid subject_alt_names entry %r: give a single address, not a network' % entry)
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        raise TLSError('invalid subject_alt_names entry %r: %r is not a valid IPv4 or IPv6 address' % (entry, value))
    return 'IP:' + str(address)


def parse_subject_alt_names(entries):
    """Validate a list of SANs; returns the canonical strings, de-duplicated, order kept."""
    if entries is None:
        return None
    if isinstance(entries, str):
        entries = [item for item in entries.split(',') if item.strip()]
    result = []
    for entry in entries:
        canonical = parse_subject_alt_name(entry)
        if canonical not in result:
            result.append(canonical)
    return result


def san_to_general_name(canonical):
    prefix, value = canonical.split(':', 1)
    if prefix == 'DNS':
        return x509.DNSName(value)
    return x509.IPAddress(ipaddress.ip_address(value))


def general_name_to_string(name):
    if isinstance(name, x509.DNSName):
        return 'DNS:' + name.value.lower()
    if isinstance(name, x509.IPAddress):
        return 'IP:' + str(name.value)
    if isinstance(name, x509.RFC822Name):
        return 'email:' + name.value
    if isinstance(name, x509.UniformResourceIdentifier):
        return 'URI:' + name.value
    return '%s:%r' % (type(name).__name__, getattr(name, 'value', name))


def _get_extension(obj, ext_class):
    try:
        return obj.extensions.get_extension_for_class(ext_class)
    except x509.ExtensionNotFound:
        return None


def get_subject_alt_names(obj):
    """SANs of a certificate or CSR in ``DNS:``/``IP:`` form (file order)."""
    try:
        ext = _get_extension(obj, x509.SubjectAlternativeName)
    except Exception:  # malformed extension
        return []
    if ext is None:
        return []
    return [general_name_to_string(name) for name in ext.value]


def get_extended_key_usage(cert):
    ext = _get_extension(cert, x509.ExtendedKeyUsage)
    if ext is None:
        return []
    return [_EKU_NAMES.get(oid, oid.dotted_string) for oid in ext.value]


def build_subject(common_name, organization=None):
    attributes = []
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _name_key(name):
    return sorted((attr.oid.dotted_string, attr.value) for attr in name)


def names_equal(a, b):
    """Compare two names attribute-wise, ignoring RDN order."""
    return _name_key(a) == _name_key(b)


def name_to_string(name):
    try:
        return name.rfc4514_string()
    except Exception:  # pragma: no cover
        return str(name)


def _first_attribute(name, oid):
    values = name.get_attributes_for_oid(oid)
    return values[0].value if values else None


def _signature_hash_name(obj):
    try:
        algorithm = obj.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return 'unsupported'
    return None if algorithm is None else algorithm.name


def eku_oids_for_kind(kind):
    if kind == KIND_SERVER:
        return [ExtendedKeyUsageOID.SERVER_AUTH]
    if kind == KIND_CLIENT:
        return [ExtendedKeyUsageOID.CLIENT_AUTH]
    return []


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


# ---------------------------------------------------------------------------
# Options -> Spec
# ---------------------------------------------------------------------------

def parse_private_key_mode(value):
    """``'0400'`` / ``0o400`` -> int; refuses modes giving access to others."""
    if value is None:
        return DEFAULT_PRIVATEKEY_MODE
    if isinstance(value, int):
        mode = value
    else:
        text = str(value).strip()
        if not re.match(r'^0?[0-7]{3,4}$', text):
            raise TLSError(
                'privatekey_mode must be an octal mode such as \'0400\' or \'0440\' (got %r)' % (value,))
        mode = int(text, 8)
    if mode & 0o007:
        raise TLSError(
            'privatekey_mode %04o would give other users access to the private key; '
            'use at most 0640 (0400 is the default)' % mode)
    if mode & 0o7000:
        raise TLSError('privatekey_mode %04o must not set setuid/setgid/sticky bits' % mode)
    return mode


def octal_mode_or_none(value):
    """Numeric mode for an octal ``mode`` option, or None for symbolic modes."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.match(r'^0?[0-7]{3,4}$', text):
        return int(text, 8)
    return None


class Spec:
    """Validated, normalised options."""

    def __init__(self, **kwargs):
        self.kind = kwargs.get('kind')
        self.path = kwargs.get('path')
        self.privatekey_path = kwargs.get('privatekey_path')
        self.privatekey_passphrase = kwargs.get('privatekey_passphrase')
        self.privatekey_mode = kwargs.get('privatekey_mode', DEFAULT_PRIVATEKEY_MODE)
        self.file_mode = kwargs.get('file_mode', DEFAULT_FILE_MODE)
        self.common_name = kwargs.get('common_name')
        self.organization = kwargs.get('organization')
        self.subject_alt_names = kwargs.get('subject_alt_names')  # canonical strings or None
        self.key_type = kwargs.get('key_type')  # None only when signing a CSR
        self.key_size = kwargs.get('key_size')
        self.digest = kwargs.get('digest', 'auto')
        self.valid_days = kwargs.get('valid_days')
        self.renew_before_days = kwargs.get('renew_before_days', DEFAULT_RENEW_BEFORE_DAYS)
        self.ca_path = kwargs.get('ca_path')
        self.ca_privatekey_path = kwargs.get('ca_privatekey_path')
        self.ca_privatekey_passphrase = kwargs.get('ca_privatekey_passphrase')
        self.csr_path = kwargs.get('csr_path')
        self.force = bool(kwargs.get('force', False))

    @property
    def is_leaf(self):
        return self.kind in LEAF_KINDS

    @property
    def signs_csr(self):
        return self.is_leaf and self.csr_path is not None

    @property
    def uses_own_key(self):
        return not self.signs_csr

    def wanted_key_description(self):
        if self.key_type is None:
            return None
        return describe_key_spec(self.key_type, self.key_size)


def _check_length(value, option, maximum=64):
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise TLSError('%s must be a non-empty string' % option)
    if len(value) > maximum:
        raise TLSError('%s must be at most %d characters (X.509 upper bound), got %d' % (option, maximum, len(value)))


def _as_int(value, option):
    if value is None:
        return None
    if isinstance(value, bool):
        raise TLSError('%s must be an integer' % option)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TLSError('%s must be an integer, got %r' % (option, value))


def spec_from_params(params):
    """Validate option combinations up front and return a :class:`Spec`.

    ``params`` is the module's ``params`` dict (unknown keys are ignored).
    """
    p = dict(params)
    kind = p.get('kind')
    if kind not in KINDS:
        raise TLSError('kind must be one of %s, got %r' % (', '.join(KINDS), kind))
    path = p.get('path')
    if not path:
        raise TLSError('path is required')

    ca_options = ('ca_path', 'ca_privatekey_path', 'ca_privatekey_passphrase')
    if kind in (KIND_CA, KIND_CSR):
        given = [name for name in ca_options + ('csr_path',) if p.get(name) is not None]
        if given:
            if kind == KIND_CA:
                why = 'kind=ca issues a self-signed CA certificate'
            else:
                why = 'kind=csr only creates a private key and a CSR (written to path); sign it with kind=server/client and csr_path'
            raise TLSError('%s; %s must not be set' % (why, ', '.join(given)))
    if kind == KIND_CA and p.get('subject_alt_names'):
        raise TLSError('subject_alt_names is not used for kind=ca (a CA certificate identifies no host)')

    csr_path = p.get('csr_path')
    if kind in LEAF_KINDS:
        missing = [name for name in ('ca_path', 'ca_privatekey_path') if not p.get(name)]
        if missing:
            raise TLSError(
                'kind=%s requires ca_path and ca_privatekey_path (the CA certificate and key that sign it); missing: %s'
                % (kind, ', '.join(missing)))
        if csr_path is not None:
            for name in ('privatekey_path', 'privatekey_passphrase'):
                if p.get(name) is not None:
                    raise TLSError(
                        '%s must not be set together with csr_path: the certificate is issued for the '
                        "CSR's public key and the private key stays on the host that created the CSR" % name)

    signs_csr = kind in LEAF_KINDS and csr_path is not None
    if not signs_csr and not p.get('privatekey_path'):
        raise TLSError('kind=%s requires privatekey_path' % kind)

    common_name = p.get('common_name')
    if common_name is None and not signs_csr:
        raise TLSError('kind=%s requires common_name' % kind)
    _check_length(common_name, 'common_name')
    organization = p.get('organization')
    _check_length(organization, 'organization')

    sans = parse_subject_alt_names(p.get('subject_alt_names'))
    if kind == KIND_SERVER and not signs_csr and not sans:
        raise TLSError(
            'kind=server requires at least one subject_alt_names entry (DNS:name or IP:address); '
            "Go's TLS stack (dockerd, the docker CLI) ignores the common name when verifying host names")
    if kind == KIND_SERVER and signs_csr and sans is not None and not sans:
        raise TLSError('kind=server requires at least one subject_alt_names entry; omit the option to use the CSR\'s SANs')

    # key type and size
    key_type = p.get('key_type')
    key_size = _as_int(p.get('key_size'), 'key_size')
    if key_type is not None and key_type not in KEY_TYPES:
        raise TLSError('key_type must be one of %s, got %r' % (', '.join(KEY_TYPES), key_type))
    if key_type is None and not signs_csr:
        key_type = DEFAULT_KEY_TYPE
    if key_type is None and key_size is not None:
        raise TLSError('key_size needs key_type when signing a CSR')
    if key_type == 'ed25519':
        if key_size is not None:
            raise TLSError('key_size is not used with key_type=ed25519')
    elif key_type is not None:
        if key_size is None:
            key_size = DEFAULT_KEY_SIZES[key_type]
        if key_type == 'rsa' and key_size < MIN_RSA_BITS:
            raise TLSError(
                'RSA keys shorter than %d bits are refused (key_size=%d); use 2048, 3072 or 4096'
                % (MIN_RSA_BITS, key_size))
        if key_size not in ALLOWED_KEY_SIZES[key_type]:
            raise TLSError('key_size for key_type=%s must be one of %s, got %d' % (
                key_type, ', '.join(str(v) for v in ALLOWED_KEY_SIZES[key_type]), key_size))

    # digest
    digest = p.get('digest') or 'auto'
    digest = str(digest).strip().lower()
    if digest in REFUSED_DIGESTS:
        raise TLSError(
            'digest=%s is refused: SHA-1 and other weak hashes are broken for signatures (chosen-prefix '
            'collisions) and Go rejects SHA-1 signed certificates; use auto, sha256, sha384 or sha512' % digest)
    if digest not in DIGESTS:
        raise TLSError('digest must be one of %s, got %r' % (', '.join(DIGESTS), digest))
    if digest != 'auto' and key_type == 'ed25519' and kind in (KIND_CA, KIND_CSR):
        raise TLSError('digest=%s cannot be used with key_type=ed25519 (Ed25519 signatures have no separate hash)' % digest)

    # validity
    valid_days = _as_int(p.get('valid_days'), 'valid_days')
    renew_before_days = _as_int(p.get('renew_before_days'), 'renew_before_days')
    if renew_before_days is None:
        renew_before_days = DEFAULT_RENEW_BEFORE_DAYS
    if kind != KIND_CSR:
        if valid_days is None:
            valid_days = DEFAULT_VALID_DAYS[kind]
        if valid_days < 1 or valid_days > MAX_VALID_DAYS:
            raise TLSError('valid_days must be between 1 and %d, got %d' % (MAX_VALID_DAYS, valid_days))
        if renew_before_days < 0:
            raise TLSError('renew_before_days must not be negative, got %d' % renew_before_days)
        if renew_before_days >= valid_days:
            raise TLSError(
                'renew_before_days (%d) must be smaller than valid_days (%d), otherwise the certificate '
                'would be reissued on every run' % (renew_before_days, valid_days))

    # passphrases
    for name in ('privatekey_passphrase', 'ca_privatekey_passphrase'):
        if p.get(name) is not None and p.get(name) == '':
            raise TLSError('%s must not be empty' % name)

    # distinct paths
    paths = [(name, p.get(name)) for name in ('path', 'privatekey_path', 'ca_path', 'ca_privatekey_path', 'csr_path')
             if p.get(name)]
    seen = {}
    for name, value in paths:
        real = os.path.abspath(os.path.expanduser(value))
        if real in seen:
            raise TLSError('%s and %s point to the same file (%s)' % (seen[real], name, value))
        seen[real] = name

    file_mode = octal_mode_or_none(p.get('mode'))
    return Spec(
        kind=kind,
        path=os.path.expanduser(path),
        privatekey_path=os.path.expanduser(p['privatekey_path']) if p.get('privatekey_path') else None,
        privatekey_passphrase=p.get('privatekey_passphrase'),
        privatekey_mode=parse_private_key_mode(p.get('privatekey_mode')),
        file_mode=DEFAULT_FILE_MODE if file_mode is None else file_mode,
        common_name=common_name,
        organization=organization,
        subject_alt_names=sans,
        key_type=key_type,
        key_size=key_size,
        digest=digest,
        valid_days=valid_days,
        renew_before_days=renew_before_days,
        ca_path=os.path.expanduser(p['ca_path']) if p.get('ca_path') else None,
        ca_privatekey_path=os.path.expanduser(p['ca_privatekey_path']) if p.get('ca_privatekey_path') else None,
        ca_privatekey_passphrase=p.get('ca_privatekey_passphrase'),
        csr_path=os.path.expanduser(csr_path) if csr_path else None,
        force=p.get('force', False),
    )


def input_problems(requests):
    """Check certificate requests before anything is created; return one message per problem.

    ``requests`` is a list of ``{'what': label, 'params': module-style params}``; the params need no
    real paths (placeholders are filled in). This is the module's own :func:`spec_from_params`, so a
    request that passes here passes there. Used by the tls role's plan, on the controller.
    """
    problems = []
    for request in requests or []:
        params = dict(request.get('params') or {})
        kind = params.get('kind')
        base = '/nonexistent/hardened-docker-plan/%s' % (request.get('what') or kind or 'request')
        params.setdefault('path', base + '/cert.pem')
        if kind != KIND_CSR or params.get('privatekey_path') is None:
            params.setdefault('privatekey_path', base + '/key.pem')
        if kind in LEAF_KINDS:
            params.setdefault('ca_path', base + '/ca.pem')
            params.setdefault('ca_privatekey_path', base + '/ca-key.pem')
        try:
            spec_from_params(params)
        except TLSError as exc:
            problems.append('%s: %s' % (request.get('what') or kind, exc))
    return problems


# ---------------------------------------------------------------------------
# Idempotency checks
# ---------------------------------------------------------------------------

class Target:
    """What the certificate (or CSR) should look like."""

    def __init__(self, kind, subject, subject_alt_names=None, public_key=None, key_description=None,
                 issuer_cert=None, digest='auto', renew_before_days=DEFAULT_RENEW_BEFORE_DAYS,
                 key_source='private key'):
        self.kind = kind
        self.subject = subject
        self.subject_alt_names = list(subject_alt_names or [])
        self.public_key = public_key          # None: the key is about to be (re)generated
        self.key_description = key_description
        self.issuer_cert = issuer_cert        # CA certificate for leaf certificates
        self.digest = digest
        self.renew_before_days = renew_before_days
        self.key_source = key_source          # wording for "does not match the ..."

    @property
    def is_ca(self):
        return self.kind == KIND_CA

    @property
    def extended_key_usage(self):
        return [_EKU_NAMES[oid] for oid in eku_oids_for_kind(self.kind)]


def _as_certificate(cert):
    """``None`` / bytes / Certificate -> ``(cert_or_None, reason_or_None)``."""
    if cert is None:
        return None, 'does not exist'
    if isinstance(cert, bytes):
        parsed, error = load_certificate_data(cert)
        if parsed is None:
            return None, 'cannot be parsed (%s)' % error
        return parsed, None
    return cert, None


def _identity_reasons(obj, target, label, key_source):
    """Key, key type, subject and SANs of a certificate or CSR against ``target``."""
    reasons = []
    actual_key = describe_key(obj.public_key())
    if target.public_key is not None and not public_keys_equal(obj.public_key(), target.public_key):
        reasons.append('%s does not match the %s' % (label, key_source))
    if target.key_description and actual_key != target.key_description:
        reasons.append('key type changed: %s has %s, wanted %s' % (label, actual_key, target.key_description))
    if not names_equal(obj.subject, target.subject):
        reasons.append('subject changed: %s -> %s' % (name_to_string(obj.subject), name_to_string(target.subject)))
    current_sans = get_subject_alt_names(obj)
    if set(current_sans) != set(target.subject_alt_names):
        reasons.append('subject_alt_names changed: %s -> %s' % (
            ', '.join(sorted(current_sans)) or '(none)', ', '.join(sorted(target.subject_alt_names)) or '(none)'))
    return reasons


def needs_regeneration(cert, target, now=None, label='certificate'):
    """Why ``cert`` has to be (re)issued to match ``target``; ``[]`` when it is up to date.

    ``cert`` may be ``None`` (missing), PEM ``bytes`` or an ``x509.Certificate``.
    """
    now = now or utcnow()
    cert, problem = _as_certificate(cert)
    if cert is None:
        return ['%s %s' % (label, problem)]

    # key, subject, SANs
    reasons = _identity_reasons(cert, target, label, target.key_source)

    # basic constraints / key usage / extended key usage
    try:
        basic = _get_extension(cert, x509.BasicConstraints)
        key_usage = _get_extension(cert, x509.KeyUsage)
    except Exception as exc:  # malformed extension
        return reasons + ['%s has malformed extensions (%s)' % (label, exc)]
    is_ca = bool(basic and basic.value.ca)
    if target.is_ca:
        if not is_ca:
            reasons.append('%s is not a CA certificate (basicConstraints CA:true missing)' % label)
        if key_usage is None or not key_usage.value.key_cert_sign:
            reasons.append('%s lacks keyUsage keyCertSign' % label)
    else:
        if is_ca:
            reasons.append('%s is a CA certificate (basicConstraints CA:true), wanted an end-entity certificate' % label)
        if key_usage is not None:
            if not key_usage.value.digital_signature:
                reasons.append('%s lacks keyUsage digitalSignature' % label)
            if key_usage.value.key_cert_sign:
                reasons.append('%s has keyUsage keyCertSign, which an end-entity certificate must not have' % label)
        else:
            reasons.append('%s has no keyUsage extension' % label)
        try:
            current_eku = get_extended_key_usage(cert)
        except Exception:
            current_eku = ['(malformed)']
        if sorted(current_eku) != sorted(target.extended_key_usage):
            reasons.append('extended key usage changed: %s -> %s' % (
                ', '.join(current_eku) or '(none)', ', '.join(target.extended_key_usage)))

    # issuer / signature
    if target.is_ca:
        if not names_equal(cert.issuer, cert.subject):
            reasons.append('%s is not self-signed (issuer %s)' % (label, name_to_string(cert.issuer)))
        elif target.public_key is not None and not verify_signature(cert, target.public_key):
            reasons.append('%s signature does not verify with its own private key' % label)
    elif target.issuer_cert is not None:
        ca = target.issuer_cert
        if not names_equal(cert.issuer, ca.subject):
            reasons.append('CA changed: issuer %s differs from the CA subject %s' % (
                name_to_string(cert.issuer), name_to_string(ca.subject)))
        elif not verify_signature(cert, ca.public_key()):
            reasons.append('CA changed: the signature does not verify with the CA public key')

    # signature hash
    hash_name = _signature_hash_name(cert)
    if hash_name in WEAK_SIGNATURE_HASHES:
        reasons.append('%s is signed with the weak hash %s' % (label, hash_name.upper()))
    elif target.digest not in (None, 'auto') and hash_name is not None and hash_name != target.digest:
        reasons.append('signature hash changed: %s -> %s' % (hash_name, target.digest))

    # validity
    not_after = cert_not_after(cert)
    if not_after <= now:
        reasons.append('%s expired on %s' % (label, iso8601(not_after)))
    elif not_after - now <= datetime.timedelta(days=target.renew_before_days):
        reasons.append('%s expires on %s, within renew_before_days (%d)' % (
            label, iso8601(not_after), target.renew_before_days))
    return reasons


def csr_needs_regeneration(csr, target, label='CSR'):
    """Why the CSR has to be (re)created; ``[]`` when it is up to date."""
    if csr is None:
        return ['%s does not exist' % label]
    if isinstance(csr, bytes):
        parsed, error = load_csr_data(csr)
        if parsed is None:
            return ['%s cannot be parsed (%s)' % (label, error)]
        csr = parsed
    reasons = []
    try:
        signature_ok = csr.is_signature_valid
    except Exception:
        signature_ok = False
    if not signature_ok:
        reasons.append('%s signature is invalid' % label)
    reasons.extend(_identity_reasons(csr, target, label, 'private key'))
    hash_name = _signature_hash_name(csr)
    if hash_name in WEAK_SIGNATURE_HASHES:
        reasons.append('%s is signed with the weak hash %s' % (label, hash_name.upper()))
    return reasons


def private_key_reasons(loaded, spec, path):
    """Why the own private key has to be (re)generated; ``[]`` when it can be kept.

    ``loaded`` is ``None`` (missing) or a :class:`LoadedKey`.
    """
    if loaded is None:
        return ['private key %s does not exist' % path]
    if loaded.key is None:
        return ['private key %s cannot be parsed (%s)' % (path, loaded.error)]
    key_type, key_size = key_type_and_size(loaded.key)
    wanted = spec.wanted_key_description()
    if key_type != spec.key_type or (spec.key_type != 'ed25519' and key_size != spec.key_size):
        return ['private key %s is %s, wanted %s' % (path, describe_key(loaded.key), wanted)]
    return []


# ---------------------------------------------------------------------------
# Building certificates and CSRs
# ---------------------------------------------------------------------------

def _key_usage(ca, rsa_key):
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=(not ca) and rsa_key,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def build_certificate(target, subject_public_key, signer_key, not_before, not_after,
                      hash_algorithm, issuer_cert=None, serial_number=None):
    """Create and sign a certificate for ``target``.

    ``issuer_cert`` is None for a self-signed CA.
    """
    ca = target.is_ca
    issuer_name = target.subject if issuer_cert is None else issuer_cert.subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(target.subject)
        .issuer_name(issuer_name)
        .public_key(subject_public_key)
        .serial_number(serial_number or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(subject_public_key)
    builder = builder.add_extension(ski, critical=False)
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        builder = builder.add_extension(_key_usage(True, False), critical=True)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    else:
        is_rsa = isinstance(subject_public_key, rsa.RSAPublicKey)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(_key_usage(False, is_rsa), critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku_oids_for_kind(target.kind)), critical=False)
        if target.subject_alt_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([san_to_general_name(s) for s in target.subject_alt_names]),
                critical=False)
        issuer_ski = None
        if issuer_cert is not None:
            ext = _get_extension(issuer_cert, x509.SubjectKeyIdentifier)
            issuer_ski = ext.value if ext is not None else None
        if issuer_ski is not None:
            aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski)
        else:
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_cert.public_key() if issuer_cert is not None else signer_key.public_key())
        builder = builder.add_extension(aki, critical=False)
    return builder.sign(private_key=signer_key, algorithm=hash_algorithm)


def build_csr(target, private_key, hash_algorithm):
    builder = x509.CertificateSigningRequestBuilder().subject_name(target.subject)
    if target.subject_alt_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([san_to_general_name(s) for s in target.subject_alt_names]),
            critical=False)
    return builder.sign(private_key, hash_algorithm)


# ---------------------------------------------------------------------------
# Summaries (for return values and --diff; never key material)
# ---------------------------------------------------------------------------

def certificate_summary(cert):
    if cert is None:
        return {}
    basic = _get_extension(cert, x509.BasicConstraints)
    return {
        'subject': name_to_string(cert.subject),
        'issuer': name_to_string(cert.issuer),
        'subject_alt_names': get_subject_alt_names(cert),
        'extended_key_usage': get_extended_key_usage(cert),
        'is_ca': bool(basic and basic.value.ca),
        'key_type': describe_key(cert.public_key()),
        'signature_hash': _signature_hash_name(cert),
        'not_before': iso8601(cert_not_before(cert)),
        'not_after': iso8601(cert_not_after(cert)),
        'serial': format_serial(cert.serial_number),
        'fingerprint_sha256': certificate_fingerprint(cert),
    }


def csr_summary(csr):
    if csr is None:
        return {}
    return {
        'subject': name_to_string(csr.subject),
        'subject_alt_names': get_subject_alt_names(csr),
        'key_type': describe_key(csr.public_key()),
    }


# ---------------------------------------------------------------------------
# Atomic file writing
# ---------------------------------------------------------------------------

def write_file_atomic(path, data, mode):
    """Write ``data`` to ``path`` atomically with permission bits ``mode``.

    See ``fileutil.atomic_write``: the temporary file starts at 0600, so a key
    is never readable by others, not even for a moment.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise TLSError('directory %s does not exist (needed for %s)' % (directory, path))
    fileutil.atomic_write(path, bytes(memoryview(data)), mode)


# ---------------------------------------------------------------------------
# Plan / apply / run
# ---------------------------------------------------------------------------

class Plan:
    """Everything :func:`plan` found out; :func:`apply` acts on it."""

    def __init__(self, spec, now):
        self.spec = spec
        self.now = now
        self.reasons = []            # all reasons (key + certificate/CSR), human readable
        self.key_reasons = []        # why the own key is (re)generated
        self.key_action = None       # None | 'generate' | 'rewrite'
        self.key = None              # own private key (existing, or generated by apply)
        self.ca_cert = None
        self.ca_key = None
        self.csr = None              # CSR to sign (kind server/client + csr_path)
        self.current = None          # existing certificate / CSR object
        self.target = None
        self.issue = False           # certificate / CSR has to be (re)created
        self.not_before = None
        self.not_after = None
        self.warnings = []
        self.privatekey_written = False
        self.privatekey_created = False
        self.written = False
        self.new = None              # certificate / CSR created by apply

    @property
    def changed(self):
        return bool(self.key_action or self.issue)


def _load_own_key(spec, plan):
    path = spec.privatekey_path
    if not os.path.exists(path):
        plan.key_reasons = private_key_reasons(None, spec, path)
        plan.key_action = 'generate'
        return
    data = _read_file(path, 'private key')
    loaded = load_private_key_data(
        data, spec.privatekey_passphrase, what='private key %s' % path, passphrase_option='privatekey_passphrase')
    reasons = private_key_reasons(loaded, spec, path)
    if reasons:
        plan.key_reasons = reasons
        plan.key_action = 'generate'
        return
    plan.key = loaded.key
    if spec.privatekey_passphrase and not loaded.encrypted:
        plan.key_reasons = ['private key %s is not encrypted but privatekey_passphrase is set' % path]
        plan.key_action = 'rewrite'


def _load_ca(spec, plan, check_mode):
    missing = [p for p in (spec.ca_path, spec.ca_privatekey_path) if not os.path.exists(p)]
    if missing:
        if check_mode:
            plan.warnings.append(
                'check mode: %s does not exist (yet); assuming an earlier task would create it' % ', '.join(missing))
            return False
        raise TLSError('CA file(s) not found: %s' % ', '.join(missing))
    ca_cert, error = load_certificate_data(_read_file(spec.ca_path, 'CA certificate'))
    if ca_cert is None:
        raise TLSError('cannot parse CA certificate %s: %s' % (spec.ca_path, error))
    loaded = load_private_key_data(
        _read_file(spec.ca_privatekey_path, 'CA private key'), spec.ca_privatekey_passphrase,
        what='CA private key %s' % spec.ca_privatekey_path, passphrase_option='ca_privatekey_passphrase')
    if loaded.key is None:
        raise TLSError('cannot parse CA private key %s: %s' % (spec.ca_privatekey_path, loaded.error))
    if spec.ca_privatekey_passphrase and not loaded.encrypted:
        plan.warnings.append('ca_privatekey_passphrase is set but %s is not encrypted' % spec.ca_privatekey_path)
    ca_key = loaded.key
    check_key_acceptable(ca_key, 'CA private key %s' % spec.ca_privatekey_path)
    if not public_keys_equal(ca_cert.public_key(), ca_key.public_key()):
        raise TLSError('CA private key %s does not belong to CA certificate %s' % (spec.ca_privatekey_path, spec.ca_path))
    basic = _get_extension(ca_cert, x509.BasicConstraints)
    if basic is None or not basic.value.ca:
        raise TLSError('%s is not a CA certificate (basicConstraints CA:true missing)' % spec.ca_path)
    key_usage = _get_extension(ca_cert, x509.KeyUsage)
    if key_usage is not None and not key_usage.value.key_cert_sign:
        raise TLSError('%s may not sign certificates (keyUsage keyCertSign missing)' % spec.ca_path)
    # refuse an impossible digest before anything is generated or written
    signature_hash_for(ca_key, spec.digest, what='CA private key %s' % spec.ca_privatekey_path)
    plan.ca_cert = ca_cert
    plan.ca_key = ca_key
    return True


def _load_csr_to_sign(spec, plan, check_mode):
    if not os.path.exists(spec.csr_path):
        if check_mode:
            plan.warnings.append(
                'check mode: CSR %s does not exist (yet); assuming an earlier task would create it' % spec.csr_path)
            return False
        raise TLSError('CSR %s not found' % spec.csr_path)
    csr, error = load_csr_data(_read_file(spec.csr_path, 'CSR'))
    if csr is None:
        raise TLSError('cannot parse CSR %s: %s' % (spec.csr_path, error))
    try:
        valid = csr.is_signature_valid
    except Exception:
        valid = False
    if not valid:
        raise TLSError('the signature of CSR %s is invalid' % spec.csr_path)
    if _signature_hash_name(csr) in WEAK_SIGNATURE_HASHES:
        raise TLSError('CSR %s is signed with %s, which is refused' % (spec.csr_path, _signature_hash_name(csr).upper()))
    public_key = csr.public_key()
    check_key_acceptable(public_key, 'the public key in CSR %s' % spec.csr_path)
    if spec.key_type is not None:
        key_type, key_size = key_type_and_size(public_key)
        if key_type != spec.key_type or (key_type != 'ed25519' and key_size != spec.key_size):
            raise TLSError('CSR %s has a %s key, but key_type/key_size ask for %s' % (
                spec.csr_path, describe_key(public_key), spec.wanted_key_description()))
    plan.csr = csr
    return True


def _resolve_identity(spec, csr):
    """common_name / organization / SANs, falling back to the CSR's values when signing one."""
    common_name = spec.common_name
    organization = spec.organization
    sans = spec.subject_alt_names
    if csr is not None:
        if common_name is None:
            common_name = _first_attribute(csr.subject, NameOID.COMMON_NAME)
            if not common_name:
                raise TLSError('CSR %s has no common name; set common_name' % spec.csr_path)
        if organization is None:
            organization = _first_attribute(csr.subject, NameOID.ORGANIZATION_NAME)
        if sans is None:
            sans = parse_subject_alt_names(get_subject_alt_names(csr))
            if spec.kind == KIND_SERVER and not sans:
                raise TLSError(
                    'CSR %s requests no DNS/IP subject alternative names and subject_alt_names is not set; '
                    'kind=server needs at least one' % spec.csr_path)
    return common_name, organization, sans or []


def plan(spec, check_mode=False, now=None):
    """Inspect the files and decide what to do (never writes)."""
    now = now or utcnow()
    result = Plan(spec, now)

    if spec.uses_own_key:
        _load_own_key(spec, result)

    if spec.is_leaf:
        have_ca = _load_ca(spec, result, check_mode)
        have_csr = _load_csr_to_sign(spec, result, check_mode) if spec.signs_csr else True
        if not (have_ca and have_csr):
            # check mode without the inputs: only a prediction is possible
            result.issue = True
            exists = os.path.exists(spec.path)
            if exists:
                result.current, _current_error = load_certificate_data(_read_file(spec.path, 'certificate'))
            result.reasons = list(result.key_reasons) + [
                'inputs for %s do not exist yet (check mode); it would be issued once they do' % spec.path]
            return result

    common_name, organization, sans = _resolve_identity(spec, result.csr)

    if spec.signs_csr:
        public_key = result.csr.public_key()
        key_description = describe_key(public_key)
    else:
        public_key = result.key.public_key() if (result.key is not None and result.key_action != 'generate') else None
        key_description = spec.wanted_key_description()

    target = Target(
        kind=spec.kind,
        subject=build_subject(common_name, organization),
        subject_alt_names=sans,
        public_key=public_key,
        key_description=key_description,
        issuer_cert=result.ca_cert,
        digest=spec.digest,
        renew_before_days=spec.renew_before_days,
        key_source="CSR's public key" if spec.signs_csr else 'private key',
    )
    result.target = target

    current_data = _read_file(spec.path, 'certificate' if spec.kind != KIND_CSR else 'CSR') \
        if os.path.exists(spec.path) else None

    reasons = []
    if spec.kind == KIND_CSR:
        if current_data is not None:
            result.current, _current_error = load_csr_data(current_data)
        reasons = csr_needs_regeneration(current_data, target, label='CSR %s' % spec.path)
    else:
        if current_data is not None:
            result.current, _current_error = load_certificate_data(current_data)
        reasons = needs_regeneration(current_data, target, now=now, label='certificate %s' % spec.path)

    if result.key_action == 'generate' and (current_data is not None):
        reasons.insert(0, 'the private key is (re)generated')
    if spec.force and not reasons:
        reasons.append('force is set')

    result.reasons = list(result.key_reasons) + reasons
    result.issue = bool(reasons)

    if result.issue and spec.kind != KIND_CSR:
        _plan_validity(spec, result)
    return result


def _plan_validity(spec, result):
    now = result.now
    not_before = now - BACKDATE
    not_after = now + datetime.timedelta(days=spec.valid_days)
    if result.ca_cert is not None:
        ca_not_after = cert_not_after(result.ca_cert)
        if ca_not_after <= now:
            raise TLSError('CA certificate %s expired on %s; renew the CA first' % (spec.ca_path, iso8601(ca_not_after)))
        if not_after > ca_not_after:
            not_after = ca_not_after
            result.warnings.append(
                'validity of %s capped at the CA certificate\'s expiry %s' % (spec.path, iso8601(ca_not_after)))
        if not_after - now <= datetime.timedelta(days=spec.renew_before_days):
            raise TLSError(
                'cannot issue %s: CA certificate %s expires on %s, so the new certificate would already be '
                'within renew_before_days (%d) and be reissued on every run; renew the CA first'
                % (spec.path, spec.ca_path, iso8601(ca_not_after), spec.renew_before_days))
    result.not_before = not_before
    result.not_after = not_after


def apply(result):
    """Generate and write what :func:`plan` decided.  Returns ``result``."""
    spec = result.spec
    if result.key_action == 'generate':
        result.key = generate_private_key(spec.key_type, spec.key_size)
        result.privatekey_created = True
    if result.key_action in ('generate', 'rewrite'):
        write_file_atomic(spec.privatekey_path, serialize_private_key(result.key, spec.privatekey_passphrase),
                          spec.privatekey_mode)
        result.privatekey_written = True
        if result.target is not None:
            result.target.public_key = result.key.public_key()

    if not result.issue:
        return result

    target = result.target
    if spec.kind == KIND_CSR:
        hash_algorithm = signature_hash_for(result.key, spec.digest, what='private key')
        new = build_csr(target, result.key, hash_algorithm)
        data = new.public_bytes(serialization.Encoding.PEM)
    else:
        if spec.kind == KIND_CA:
            signer = result.key
            subject_public_key = result.key.public_key()
            issuer_cert = None
            what = 'private key'
        else:
            signer = result.ca_key
            issuer_cert = result.ca_cert
            subject_public_key = result.csr.public_key() if spec.signs_csr else result.key.public_key()
            what = 'CA private key'
        hash_algorithm = signature_hash_for(signer, spec.digest, what=what)
        new = build_certificate(target, subject_public_key, signer, result.not_before, result.not_after,
                                hash_algorithm, issuer_cert=issuer_cert)
        data = new.public_bytes(serialization.Encoding.PEM)
    write_file_atomic(spec.path, data, spec.file_mode)
    result.new = new
    result.written = True
    return result


def _predicted_summary(result):
    """Best guess of the new certificate/CSR for check mode diffs."""
    spec = result.spec
    target = result.target
    if target is None:
        return {'state': 'would be (re)issued once its inputs exist'}
    if spec.kind == KIND_CSR:
        return {
            'subject': name_to_string(target.subject),
            'subject_alt_names': list(target.subject_alt_names),
            'key_type': target.key_description,
        }
    return {
        'subject': name_to_string(target.subject),
        'issuer': name_to_string(target.subject if target.is_ca else result.ca_cert.subject),
        'subject_alt_names': list(target.subject_alt_names),
        'extended_key_usage': target.extended_key_usage,
        'is_ca': target.is_ca,
        'key_type': target.key_description,
        'signature_hash': _predicted_hash_name(result),
        'not_before': iso8601(result.not_before),
        'not_after': iso8601(result.not_after),
        'serial': '(new random serial)',
        'fingerprint_sha256': '(computed when issued)',
    }


def _predicted_hash_name(result):
    spec = result.spec
    signer = result.ca_key if spec.is_leaf else result.key
    try:
        if signer is None or result.key_action == 'generate' and not spec.is_leaf:
            # the CA key is about to be generated with the wanted type
            if spec.key_type == 'ed25519':
                return None
            if spec.digest != 'auto':
                return spec.digest
            return 'sha384' if (spec.key_type == 'ecdsa' and spec.key_size == 384) else 'sha256'
        algorithm = signature_hash_for(signer, spec.digest)
    except TLSError:
        return None
    return None if algorithm is None else algorithm.name


def _summary(obj, kind):
    return csr_summary(obj) if kind == KIND_CSR else certificate_summary(obj)


def build_result(result):
    """Return values (dict) for the module."""
    spec = result.spec
    obj = result.new if result.new is not None else result.current
    out = {
        'changed': result.changed,
        'reasons': list(result.reasons),
        'kind': spec.kind,
        'path': spec.path,
        'privatekey_created': result.privatekey_created,
    }
    if spec.uses_own_key:
        out['privatekey_path'] = spec.privatekey_path
    if spec.signs_csr:
        out['csr_path'] = spec.csr_path
    if spec.kind == KIND_CSR:
        out['csr_created'] = result.written
        summary = csr_summary(obj) if obj is not None else {}
        out['subject'] = summary.get('subject')
        out['subject_alt_names'] = summary.get('subject_alt_names', [])
        out['key_type'] = summary.get('key_type')
        out['common_name'] = _first_attribute(obj.subject, NameOID.COMMON_NAME) if obj is not None else None
        # The CSR is public: handing it back saves the caller a second read of the file.
        out['csr'] = obj.public_bytes(serialization.Encoding.PEM).decode('ascii') if obj is not None else None
        return out
    out['certificate_created'] = result.written
    summary = certificate_summary(obj) if obj is not None else {}
    for key in ('subject', 'issuer', 'not_before', 'not_after', 'serial', 'fingerprint_sha256', 'key_type',
                'extended_key_usage'):
        out[key] = summary.get(key)
    out['subject_alt_names'] = summary.get('subject_alt_names', [])
    out['common_name'] = _first_attribute(obj.subject, NameOID.COMMON_NAME) if obj is not None else None
    return out


def build_diff(result, check_mode):
    before = _summary(result.current, result.spec.kind)
    if not result.issue:
        after = dict(before)
    elif result.new is not None:
        after = _summary(result.new, result.spec.kind)
    else:
        after = _predicted_summary(result) if check_mode else {}
    return {'before': before, 'after': after}


def run(spec, check_mode=False, now=None):
    """plan + apply (unless check mode).

    Returns ``(result_dict, diff_dict, warnings)``.
    """
    result = plan(spec, check_mode=check_mode, now=now)
    if not check_mode and result.changed:
        apply(result)
    return build_result(result), build_diff(result, check_mode), list(result.warnings)
