# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Idempotency checks: why a certificate, CSR or private key has to be (re)generated.

Each check returns a list of human-readable reasons, empty when the existing file is up to date; the module
returns them as ``reasons`` (a list says more than a plain bool)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.hardened.docker.plugins.module_utils._tls.common import (
    DEFAULT_RENEW_BEFORE_DAYS, KIND_CA, WEAK_SIGNATURE_HASHES, cert_not_after, iso8601, load_certificate_data,
    load_csr_data, utcnow,
)
from ansible_collections.hardened.docker.plugins.module_utils._tls.keys import (
    describe_key, key_type_and_size, public_keys_equal, signature_hash_name, verify_signature,
)
from ansible_collections.hardened.docker.plugins.module_utils._tls.names import (
    EKU_NAMES, eku_oids_for_kind, get_extended_key_usage, get_extension, get_subject_alt_names, name_to_string,
    names_equal,
)

try:
    from cryptography import x509
except ImportError:  # pragma: no cover - common.HAS_CRYPTOGRAPHY tells the module
    pass


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
        return [EKU_NAMES[oid] for oid in eku_oids_for_kind(self.kind)]


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
        basic = get_extension(cert, x509.BasicConstraints)
        key_usage = get_extension(cert, x509.KeyUsage)
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
    hash_name = signature_hash_name(cert)
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
    hash_name = signature_hash_name(csr)
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
