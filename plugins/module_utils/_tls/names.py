# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names: subject alternative names (parse, validate, normalise), subjects, name comparison, extensions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.hardened.docker.plugins.module_utils._tls.common import (
    HAS_CRYPTOGRAPHY, KIND_CLIENT, KIND_SERVER, TLSError,
)

try:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # pragma: no cover - common.HAS_CRYPTOGRAPHY tells the module
    pass

_DNS_LABEL_RE = re.compile(r'^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')

EKU_NAMES = {}
if HAS_CRYPTOGRAPHY:
    EKU_NAMES = {
        ExtendedKeyUsageOID.SERVER_AUTH: 'serverAuth',
        ExtendedKeyUsageOID.CLIENT_AUTH: 'clientAuth',
        ExtendedKeyUsageOID.CODE_SIGNING: 'codeSigning',
        ExtendedKeyUsageOID.EMAIL_PROTECTION: 'emailProtection',
        ExtendedKeyUsageOID.TIME_STAMPING: 'timeStamping',
        ExtendedKeyUsageOID.OCSP_SIGNING: 'OCSPSigning',
    }


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


def get_extension(obj, ext_class):
    try:
        return obj.extensions.get_extension_for_class(ext_class)
    except x509.ExtensionNotFound:
        return None


def get_subject_alt_names(obj):
    """SANs of a certificate or CSR in ``DNS:``/``IP:`` form (file order)."""
    try:
        ext = get_extension(obj, x509.SubjectAlternativeName)
    except Exception:  # malformed extension
        return []
    if ext is None:
        return []
    return [general_name_to_string(name) for name in ext.value]


def get_extended_key_usage(cert):
    ext = get_extension(cert, x509.ExtendedKeyUsage)
    if ext is None:
        return []
    return [EKU_NAMES.get(oid, oid.dotted_string) for oid in ext.value]


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


def first_attribute(name, oid):
    values = name.get_attributes_for_oid(oid)
    return values[0].value if values else None


def eku_oids_for_kind(kind):
    if kind == KIND_SERVER:
        return [ExtendedKeyUsageOID.SERVER_AUTH]
    if kind == KIND_CLIENT:
        return [ExtendedKeyUsageOID.CLIENT_AUTH]
    return []
