# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One builder per kind: CA certificate, server certificate, client certificate, CSR.

The builders only create and sign; what to build is a ``checks.Target`` and whether to build is decided by
``flow.plan``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hardened.docker.plugins.module_utils._tls.common import KIND_CA, KIND_CLIENT, KIND_SERVER
from ansible_collections.hardened.docker.plugins.module_utils._tls.names import (
    eku_oids_for_kind, get_extension, san_to_general_name,
)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
except ImportError:  # pragma: no cover - common.HAS_CRYPTOGRAPHY tells the module
    pass


def _key_usage(ca, rsa_key):
    """keyCertSign and cRLSign for a CA; digitalSignature (plus keyEncipherment for an RSA key) otherwise."""
    return x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=(not ca) and rsa_key,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def _subject_alt_names(target):
    return x509.SubjectAlternativeName([san_to_general_name(s) for s in target.subject_alt_names])


def _certificate_builder(target, subject_public_key, issuer_name, not_before, not_after, serial_number):
    """Subject, issuer, key, serial, validity and the subject key identifier; returns ``(builder, ski)``."""
    ski = x509.SubjectKeyIdentifier.from_public_key(subject_public_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(target.subject)
        .issuer_name(issuer_name)
        .public_key(subject_public_key)
        .serial_number(serial_number or x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(ski, critical=False)
    )
    return builder, ski


def build_ca_certificate(target, subject_public_key, signer_key, not_before, not_after, hash_algorithm,
                         issuer_cert=None, serial_number=None):
    """Self-signed CA: basicConstraints CA:true pathlen 0 and keyUsage keyCertSign, cRLSign (both critical).

    ``issuer_cert`` is not used (a CA certificate here is always self-signed).
    """
    builder, ski = _certificate_builder(target, subject_public_key, target.subject, not_before, not_after,
                                        serial_number)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(_key_usage(True, False), critical=True)
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                                    critical=False)
    return builder.sign(private_key=signer_key, algorithm=hash_algorithm)


def _build_leaf_certificate(kind, target, subject_public_key, signer_key, not_before, not_after, hash_algorithm,
                            issuer_cert=None, serial_number=None):
    """End-entity certificate of ``kind`` signed by ``issuer_cert``'s key ``signer_key`` (self-signed without one).

    basicConstraints CA:false and keyUsage digitalSignature (plus keyEncipherment for RSA), both critical; the
    extended key usage of ``kind``; the SANs; the authority key identifier of the issuer.
    """
    issuer_name = target.subject if issuer_cert is None else issuer_cert.subject
    builder, _ski = _certificate_builder(target, subject_public_key, issuer_name, not_before, not_after,
                                         serial_number)
    is_rsa = isinstance(subject_public_key, rsa.RSAPublicKey)
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    builder = builder.add_extension(_key_usage(False, is_rsa), critical=True)
    builder = builder.add_extension(x509.ExtendedKeyUsage(eku_oids_for_kind(kind)), critical=False)
    if target.subject_alt_names:
        builder = builder.add_extension(_subject_alt_names(target), critical=False)
    issuer_ski = None
    if issuer_cert is not None:
        ext = get_extension(issuer_cert, x509.SubjectKeyIdentifier)
        issuer_ski = ext.value if ext is not None else None
    if issuer_ski is not None:
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski)
    else:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_cert.public_key() if issuer_cert is not None else signer_key.public_key())
    builder = builder.add_extension(aki, critical=False)
    return builder.sign(private_key=signer_key, algorithm=hash_algorithm)


def build_server_certificate(*args, **kwargs):
    """Server certificate for dockerd (extendedKeyUsage serverAuth); arguments as :func:`build_ca_certificate`."""
    return _build_leaf_certificate(KIND_SERVER, *args, **kwargs)


def build_client_certificate(*args, **kwargs):
    """Client certificate for the docker CLI (extendedKeyUsage clientAuth); arguments as for a server."""
    return _build_leaf_certificate(KIND_CLIENT, *args, **kwargs)


CERTIFICATE_BUILDERS = {
    KIND_CA: build_ca_certificate,
    KIND_SERVER: build_server_certificate,
    KIND_CLIENT: build_client_certificate,
}


def build_certificate(target, subject_public_key, signer_key, not_before, not_after,
                      hash_algorithm, issuer_cert=None, serial_number=None):
    """Create and sign a certificate for ``target`` with the builder of its kind.

    ``issuer_cert`` is None for a self-signed CA.
    """
    builder = CERTIFICATE_BUILDERS[target.kind]
    return builder(target, subject_public_key, signer_key, not_before, not_after, hash_algorithm,
                   issuer_cert=issuer_cert, serial_number=serial_number)


def build_csr(target, private_key, hash_algorithm):
    """Certificate signing request (``kind=csr``): the subject and the SANs, signed with the host's own key."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(target.subject)
    if target.subject_alt_names:
        builder = builder.add_extension(_subject_alt_names(target), critical=False)
    return builder.sign(private_key, hash_algorithm)
