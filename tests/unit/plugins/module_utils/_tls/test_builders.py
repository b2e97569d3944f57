# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_tls/builders.py: what each kind of certificate contains (real cryptography, nothing mocked)."""

from __future__ import annotations

import datetime
import os

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.hardened.docker.plugins.module_utils._tls import common, keys
from ansible_collections.hardened.docker.tests.unit.plugins.module_utils._tls.helpers import (
    ca_params, leaf_params, run, load_cert, load_key, spki, has_reason,
)


def test_ca_certificate_contents(ca_dir):
    cert = load_cert(os.path.join(str(ca_dir), 'ca.pem'))
    key = load_key(os.path.join(str(ca_dir), 'ca-key.pem'))
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert ski.value == x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    assert cert.issuer == cert.subject
    assert keys.verify_signature(cert, key.public_key())
    assert cert.signature_hash_algorithm.name == 'sha256'
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == 'secp256r1'
    assert 0 < cert.serial_number < 2 ** 159
    lifetime = common.cert_not_after(cert) - common.cert_not_before(cert)
    assert lifetime == datetime.timedelta(days=3650) + common.BACKDATE
    assert common.cert_not_before(cert) < common.utcnow() - datetime.timedelta(minutes=4)


def test_server_certificate_contents(ca_dir, out):
    result, _diff, _warnings = run(leaf_params(out, ca_dir))
    cert = load_cert(result['path'])
    ca = load_cert(os.path.join(str(ca_dir), 'ca.pem'))
    key = load_key(result['privatekey_path'])
    assert spki(cert.public_key()) == spki(key.public_key())
    assert keys.verify_signature(cert, ca.public_key())
    assert cert.issuer == ca.subject
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ['docker1.example.com']
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ['192.0.2.10', '2001:db8::10']
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert not usage.value.key_encipherment  # ECDSA key
    assert not usage.value.key_cert_sign
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ca_ski.digest
    assert common.cert_not_after(cert) - common.cert_not_before(cert) == datetime.timedelta(days=365) + common.BACKDATE
    # return values
    assert result['changed'] is True
    assert result['subject_alt_names'] == ['DNS:docker1.example.com', 'IP:192.0.2.10', 'IP:2001:db8::10']
    assert result['serial'] == '%X' % cert.serial_number or result['serial'] == '0%X' % cert.serial_number
    assert int(result['serial'], 16) == cert.serial_number
    assert result['fingerprint_sha256'] == ':'.join('%02X' % b for b in cert.fingerprint(hashes.SHA256()))
    assert result['not_after'] == common.cert_not_after(cert).strftime('%Y-%m-%dT%H:%M:%SZ')
    assert result['not_after'].endswith('Z')
    assert result['extended_key_usage'] == ['serverAuth']
    assert result['key_type'] == 'ECDSA P-256'
    assert result['privatekey_created'] is True and result['certificate_created'] is True


def test_client_certificate_has_client_auth(ca_dir, out):
    result, _diff, _warnings = run(leaf_params(out, ca_dir, kind='client', name='client', common_name='admin'))
    cert = load_cert(result['path'])
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert result['subject_alt_names'] == []
    assert result['subject'] == 'CN=admin'


def test_rsa_leaf_gets_key_encipherment(ca_dir, out):
    result, _diff, _warnings = run(leaf_params(out, ca_dir, kind='client', name='c', key_type='rsa', key_size=2048))
    cert = load_cert(result['path'])
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment
    assert result['key_type'] == 'RSA 2048'
    assert isinstance(load_key(result['privatekey_path']), rsa.RSAPrivateKey)


def test_rsa_4096_ca(tmp_path):
    """The only RSA 4096 key in the suite (slow to generate)."""
    result, _diff, _warnings = run(ca_params(tmp_path, key_type='rsa', key_size=4096))
    cert = load_cert(result['path'])
    assert cert.public_key().key_size == 4096
    assert cert.signature_hash_algorithm.name == 'sha256'
    assert run(ca_params(tmp_path, key_type='rsa', key_size=4096))[0]['changed'] is False


def test_p384_ca_signs_with_sha384(tmp_path):
    ca = tmp_path / 'ca'
    ca.mkdir()
    result, _diff, _warnings = run(ca_params(ca, key_type='ecdsa', key_size=384))
    assert load_cert(result['path']).signature_hash_algorithm.name == 'sha384'
    leaf, _diff, _warnings = run(leaf_params(tmp_path, ca))
    cert = load_cert(leaf['path'])
    assert cert.signature_hash_algorithm.name == 'sha384'  # signer is P-384
    assert leaf['key_type'] == 'ECDSA P-256'


def test_ed25519_ca_and_leaf(tmp_path):
    ca = tmp_path / 'ca'
    ca.mkdir()
    run(ca_params(ca, key_type='ed25519'))
    assert load_cert(str(ca / 'ca.pem')).signature_hash_algorithm is None
    leaf, _diff, _warnings = run(leaf_params(tmp_path, ca, key_type='ed25519'))
    assert leaf['key_type'] == 'Ed25519'
    assert isinstance(load_key(leaf['privatekey_path']), ed25519.Ed25519PrivateKey)
    assert run(leaf_params(tmp_path, ca, key_type='ed25519'))[0]['changed'] is False
    with pytest.raises(common.TLSError, match='the CA private key .* is Ed25519'):
        run(leaf_params(tmp_path, ca, name='x', digest='sha512'))
    assert not os.path.exists(str(tmp_path / 'x-key.pem'))  # refused before anything was written


def test_explicit_digest(ca_dir, out):
    params = leaf_params(out, ca_dir, digest='sha512')
    run(params)
    assert load_cert(params['path']).signature_hash_algorithm.name == 'sha512'
    assert run(params)[0]['changed'] is False
    result, _diff, _warnings = run(dict(params, digest='sha384'))
    assert has_reason(result['reasons'], 'signature hash changed: sha512 -> sha384')
    # auto does not reissue a sha384 certificate signed by a P-256 CA
    assert run(dict(params, digest='auto'))[0]['changed'] is False
