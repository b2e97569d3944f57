# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_tls/checks.py: the reasons to (re)issue, idempotence."""

from __future__ import annotations

import datetime
import os

import pytest

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.hardened.docker.plugins.module_utils._tls import builders, checks, common, flow, keys, names
from ansible_collections.hardened.docker.tests.unit.plugins.module_utils._tls.helpers import (
    clobber, ca_params, leaf_params, run, load_cert, load_key, spki, snapshot, has_reason,
)


# ecdsa-with-SHA1, self-signed, valid until 2126 (made once with openssl for this test).
SHA1_CERT = b"""-----BEGIN CERTIFICATE-----
MIIBcjCCARqgAwIBAgIUYScR3qeZpm+92eaQW24lLCMDoiMwCQYHKoZIzj0EATAP
MQ0wCwYDVQQDDAR3ZWFrMCAXDTI2MTEyNDA2NDk0MVoYDzIxMjYxMDMxMDY0OTQx
WjAPMQ0wCwYDVQQDDAR3ZWFrMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEh6Lp
wSc8qe+wlKaIos7ZA/FW8trppKCCLZHRNhwVCCWGa3YNGnkgAcygxgqUFiLcV8WF
FZtQYxJ90ydafQi6yKNTMFEwHQYDVR0OBBYEFJV9RWevlj2dcSuouC/U8iiPEHvf
MB8GA1UdIwQYMBaAFJV9RWevlj2dcSuouC/U8iiPEHvfMA8GA1UdEwEB/wQFMAMB
Af8wCQYHKoZIzj0EAQNHADBEAiBYR9Ab/AEy9pi98rQQryd70ytkXBPefaRm25hp
1XkEGAIgAMI+17Q3IulwvJ2HHfpVbZ4YRcUE45SJ0aflYw/I4+0=
-----END CERTIFICATE-----
"""


def run_with_broken_file(params, option, text, mode):
    """Issue ``params``, break the file of ``option`` (``text``, with ``mode``), run again; returns the result."""
    run(params)
    clobber(params[option], text, mode)
    return run(params)[0]


@pytest.mark.parametrize('kind', ['ca', 'server', 'client', 'csr'])
def test_second_run_is_unchanged(kind, ca_dir, out):
    if kind == 'ca':
        params = ca_params(out)
    elif kind == 'csr':
        params = dict(kind='csr', path=str(out / 'host.csr'), privatekey_path=str(out / 'host-key.pem'),
                      common_name='docker1', subject_alt_names=['DNS:docker1'])
    else:
        params = leaf_params(out, ca_dir, kind=kind)
    first, _diff, _warnings = run(params)
    assert first['changed'] is True
    before = snapshot(out)
    second, diff, warnings = run(params)
    assert second['changed'] is False
    assert second['reasons'] == []
    assert diff['before'] == diff['after']
    assert warnings == []
    assert snapshot(out) == before


def test_san_order_and_spelling_do_not_matter(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    params['subject_alt_names'] = ['ip:2001:0DB8:0:0::10', 'IP:192.0.2.10', 'dns:Docker1.Example.COM', 'IP:192.0.2.10']
    assert run(params)[0]['changed'] is False


def test_reason_missing_certificate(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    os.unlink(params['path'])
    result, _diff, _warnings = run(params)
    assert result['reasons'] == ['certificate %s does not exist' % params['path']]
    assert result['privatekey_created'] is False


def test_reason_unparsable_certificate(ca_dir, out):
    params = leaf_params(out, ca_dir)
    result = run_with_broken_file(params, 'path', 'garbage', 0o644)
    assert has_reason(result['reasons'], 'cannot be parsed')
    assert load_cert(params['path'])


def test_reason_key_mismatch(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    other = ec.generate_private_key(ec.SECP256R1())
    flow.write_file_atomic(params['privatekey_path'], keys.serialize_private_key(other), 0o400)
    result, _diff, _warnings = run(params)
    assert has_reason(result['reasons'], 'does not match the private key')
    assert result['privatekey_created'] is False
    assert spki(load_cert(params['path']).public_key()) == spki(other.public_key())


def test_reason_subject_change(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    result, _diff, _warnings = run(dict(params, common_name='docker2.example.com'))
    assert has_reason(result['reasons'], 'subject changed: CN=docker1.example.com -> CN=docker2.example.com')
    result, _diff, _warnings = run(dict(params, common_name='docker2.example.com', organization='Ops'))
    assert has_reason(result['reasons'], 'subject changed')
    assert load_cert(params['path']).subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == 'Ops'


def test_reason_san_change(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    result, _diff, _warnings = run(dict(params, subject_alt_names=['DNS:docker1.example.com', 'IP:192.0.2.11']))
    assert has_reason(result['reasons'], 'subject_alt_names changed')
    assert result['subject_alt_names'] == ['DNS:docker1.example.com', 'IP:192.0.2.11']


def test_reason_eku_change(ca_dir, out):
    params = leaf_params(out, ca_dir, kind='client', subject_alt_names=['DNS:docker1.example.com'])
    run(params)
    result, _diff, _warnings = run(dict(params, kind='server'))
    assert has_reason(result['reasons'], 'extended key usage changed: clientAuth -> serverAuth')
    assert result['extended_key_usage'] == ['serverAuth']


def test_reason_key_type_change(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    result, _diff, _warnings = run(dict(params, key_type='rsa', key_size=2048))
    assert has_reason(result['reasons'], 'private key %s is ECDSA P-256, wanted RSA 2048' % params['privatekey_path'])
    assert has_reason(result['reasons'], 'key type changed')
    assert result['privatekey_created'] is True
    assert isinstance(load_key(params['privatekey_path']), rsa.RSAPrivateKey)
    assert result['key_type'] == 'RSA 2048'


def test_reason_key_size_change(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    result, _diff, _warnings = run(dict(params, key_size=384))
    assert has_reason(result['reasons'], 'wanted ECDSA P-384')
    assert load_key(params['privatekey_path']).curve.name == 'secp384r1'


def test_reason_ca_replaced_same_subject(own_ca, out):
    params = leaf_params(out, own_ca)
    run(params)
    os.unlink(str(own_ca / 'ca-key.pem'))  # new CA key, same subject
    run(ca_params(own_ca))
    result, _diff, _warnings = run(params)
    assert result['reasons'] == ['CA changed: the signature does not verify with the CA public key']
    assert keys.verify_signature(load_cert(params['path']), load_cert(str(own_ca / 'ca.pem')).public_key())


def test_reason_ca_subject_changed(own_ca, out):
    params = leaf_params(out, own_ca)
    run(params)
    run(ca_params(own_ca, common_name='Another CA'))
    result, _diff, _warnings = run(params)
    assert has_reason(result['reasons'], 'CA changed: issuer CN=Test Docker CA,O=Hardened differs from the CA subject')


def test_reissued_ca_with_same_key_keeps_leaf(own_ca, out):
    params = leaf_params(out, own_ca)
    run(params)
    ca_result, _diff, _warnings = run(ca_params(own_ca, force=True))
    assert ca_result['reasons'] == ['force is set'] and ca_result['privatekey_created'] is False
    assert run(params)[0]['changed'] is False


def test_reason_expiry_within_renew_before_days(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params, now=common.utcnow() - datetime.timedelta(days=350))  # expires in ~15 days
    result, _diff, _warnings = run(params)
    assert len(result['reasons']) == 1
    assert 'within renew_before_days (30)' in result['reasons'][0]
    # renewed: valid for a year from now
    assert common.cert_not_after(load_cert(params['path'])) > common.utcnow() + datetime.timedelta(days=364)
    # a smaller window keeps the short-lived certificate
    run(params, now=common.utcnow() - datetime.timedelta(days=350))
    assert run(dict(params, renew_before_days=10))[0]['changed'] is False


def test_reason_expired(ca_dir, out):
    params = leaf_params(out, ca_dir, kind='client')
    run(params, now=common.utcnow() - datetime.timedelta(days=400))
    assert common.cert_not_after(load_cert(params['path'])) < common.utcnow()
    result, _diff, _warnings = run(params)
    assert has_reason(result['reasons'], 'expired on')


def test_force(ca_dir, out):
    params = leaf_params(out, ca_dir)
    first, _diff, _warnings = run(params)
    second, _diff, _warnings = run(dict(params, force=True))
    assert second['reasons'] == ['force is set']
    assert second['serial'] != first['serial']
    assert second['privatekey_created'] is False


def test_unparsable_private_key_is_regenerated(ca_dir, out):
    params = leaf_params(out, ca_dir)
    result = run_with_broken_file(params, 'privatekey_path', 'not a key', 0o600)
    assert has_reason(result['reasons'], 'cannot be parsed')
    assert result['privatekey_created'] is True
    assert spki(load_cert(params['path']).public_key()) == spki(load_key(params['privatekey_path']).public_key())


def test_needs_regeneration_pure():
    key = ec.generate_private_key(ec.SECP256R1())
    target = checks.Target(kind='ca', subject=names.build_subject('weak'), public_key=key.public_key(),
                           key_description='ECDSA P-256')
    assert checks.needs_regeneration(None, target) == ['certificate does not exist']
    assert checks.needs_regeneration(b'junk', target)[0].startswith('certificate cannot be parsed')
    reasons = checks.needs_regeneration(SHA1_CERT, target)
    assert has_reason(reasons, 'weak hash SHA1')
    assert has_reason(reasons, 'does not match the private key')
    # a freshly built certificate is up to date
    now = common.utcnow()
    cert = builders.build_certificate(target, key.public_key(), key, now - common.BACKDATE,
                                      now + datetime.timedelta(days=90), hashes.SHA256())
    assert checks.needs_regeneration(cert, target, now=now) == []
    assert checks.needs_regeneration(cert, target, now=now + datetime.timedelta(days=61)) != []


def test_leaf_certificate_at_ca_path_is_reissued(ca_dir, tmp_path):
    leaf = leaf_params(tmp_path, ca_dir, kind='client', name='x')
    run(leaf)
    result, _diff, _warnings = run(dict(kind='ca', path=leaf['path'], privatekey_path=leaf['privatekey_path'],
                                        common_name='docker1.example.com'))
    assert has_reason(result['reasons'], 'is not a CA certificate')
    assert has_reason(result['reasons'], 'is not self-signed')


def test_csr_reasons(out):
    params = dict(kind='csr', path=str(out / 'h.csr'), privatekey_path=str(out / 'h-key.pem'),
                  common_name='docker1', subject_alt_names=['DNS:docker1'])
    run(params)
    result, _diff, _warnings = run(dict(params, subject_alt_names=['DNS:docker1', 'IP:::1']))
    assert has_reason(result['reasons'], 'subject_alt_names changed')
    assert result['privatekey_created'] is False and result['csr_created'] is True
    result, _diff, _warnings = run(dict(params, common_name='docker2', subject_alt_names=['DNS:docker1', 'IP:::1']))
    assert has_reason(result['reasons'], 'subject changed')
    result, _diff, _warnings = run(dict(params, key_type='rsa', key_size=2048, common_name='docker2',
                                        subject_alt_names=['DNS:docker1', 'IP:::1']))
    assert has_reason(result['reasons'], 'wanted RSA 2048')
    assert result['key_type'] == 'RSA 2048'
