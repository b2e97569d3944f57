# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_tls/keys.py: key acceptance, passphrases (real cryptography, nothing mocked)."""

from __future__ import annotations

import datetime
import shutil

import pytest

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.hardened.docker.plugins.module_utils._tls import builders, checks, common, flow, keys, names
from ansible_collections.hardened.docker.tests.unit.plugins.module_utils._tls.helpers import (
    PASS, ca_params, leaf_params, run, load_cert, load_key, spki, snapshot, has_reason,
)


def test_rsa_1024_ca_key_is_refused(tmp_path, out):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    now = common.utcnow()
    target = checks.Target(kind='ca', subject=names.build_subject('weak CA'))
    cert = builders.build_certificate(target, key.public_key(), key, now, now + datetime.timedelta(days=30),
                                      hashes.SHA256())
    flow.write_file_atomic(str(tmp_path / 'ca.pem'), cert.public_bytes(serialization.Encoding.PEM), 0o444)
    flow.write_file_atomic(str(tmp_path / 'ca-key.pem'), keys.serialize_private_key(key), 0o400)
    with pytest.raises(common.TLSError, match='RSA 1024 key; RSA keys shorter than 2048 bits are refused'):
        run(leaf_params(out, tmp_path))


def test_ca_key_must_match_ca_cert(own_ca, ca_dir, out):
    shutil.copy(str(ca_dir / 'ca-key.pem'), str(own_ca / 'ca-key.pem'))
    with pytest.raises(common.TLSError, match='does not belong to CA certificate'):
        run(leaf_params(out, own_ca))


def test_csr_with_rsa_1024_is_refused(ca_dir, out):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    csr = builders.build_csr(checks.Target(kind='csr', subject=names.build_subject('weak')), key, hashes.SHA256())
    flow.write_file_atomic(str(out / 'weak.csr'), csr.public_bytes(serialization.Encoding.PEM), 0o444)
    with pytest.raises(common.TLSError, match='RSA 1024 key; RSA keys shorter than 2048 bits are refused'):
        run(dict(kind='client', path=str(out / 'c.pem'), csr_path=str(out / 'weak.csr'),
                 ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem')))


def test_csr_key_type_enforced_on_signing_side(ca_dir, out):
    run(dict(kind='csr', path=str(out / 'h.csr'), privatekey_path=str(out / 'h-key.pem'), common_name='h'))
    params = dict(kind='client', path=str(out / 'c.pem'), csr_path=str(out / 'h.csr'), key_type='rsa',
                  ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem'))
    with pytest.raises(common.TLSError, match='has a ECDSA P-256 key, but key_type/key_size ask for RSA 3072'):
        run(params)


def test_encrypted_ca_key(tmp_path, out):
    ca = tmp_path / 'ca'
    ca.mkdir()
    result, _diff, _warnings = run(ca_params(ca, privatekey_passphrase=PASS))
    with open(str(ca / 'ca-key.pem'), 'rb') as f:
        assert f.read().startswith(b'-----BEGIN ENCRYPTED PRIVATE KEY-----')
    assert run(ca_params(ca, privatekey_passphrase=PASS))[0]['changed'] is False
    with pytest.raises(common.TLSError, match='wrong privatekey_passphrase'):
        run(ca_params(ca, privatekey_passphrase='wrong'))
    with pytest.raises(common.TLSError, match='is encrypted; set privatekey_passphrase'):
        run(ca_params(ca))

    leaf = leaf_params(out, ca, ca_privatekey_passphrase=PASS)
    assert run(leaf)[0]['changed'] is True
    assert run(leaf)[0]['changed'] is False
    before = snapshot(out)
    with pytest.raises(common.TLSError, match='cannot decrypt CA private key .*: wrong ca_privatekey_passphrase'):
        run(dict(leaf, ca_privatekey_passphrase='wrong', force=True))
    with pytest.raises(common.TLSError, match='is encrypted; set ca_privatekey_passphrase'):
        run(dict(leaf, ca_privatekey_passphrase=None))
    assert snapshot(out) == before


def test_passphrase_added_to_existing_key(tmp_path):
    run(ca_params(tmp_path))
    key_before = spki(load_key(str(tmp_path / 'ca-key.pem')).public_key())
    cert_before = load_cert(str(tmp_path / 'ca.pem'))
    result, _diff, _warnings = run(ca_params(tmp_path, privatekey_passphrase=PASS))
    assert result['changed'] is True
    assert result['reasons'] == ['private key %s is not encrypted but privatekey_passphrase is set'
                                 % (tmp_path / 'ca-key.pem')]
    assert result['privatekey_created'] is False and result['certificate_created'] is False
    assert spki(load_key(str(tmp_path / 'ca-key.pem'), PASS).public_key()) == key_before
    assert load_cert(str(tmp_path / 'ca.pem')) == cert_before
    assert run(ca_params(tmp_path, privatekey_passphrase=PASS))[0]['changed'] is False


def test_unencrypted_ca_key_with_passphrase_warns(ca_dir, out):
    result, _diff, warnings = run(leaf_params(out, ca_dir, ca_privatekey_passphrase='unused'))
    assert result['changed'] is True
    assert has_reason(warnings, 'is not encrypted')
