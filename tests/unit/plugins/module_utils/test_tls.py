# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/tls.py, on real cryptography (nothing mocked)."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import stat

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.hardened.docker.plugins.module_utils import tls

UTC = datetime.timezone.utc
PASS = 'correct horse battery staple'

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


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def spec(**params):
    return tls.spec_from_params(params)


def ca_params(directory, **extra):
    params = dict(kind='ca', path=os.path.join(str(directory), 'ca.pem'),
                  privatekey_path=os.path.join(str(directory), 'ca-key.pem'),
                  common_name='Test Docker CA', organization='Hardened')
    params.update(extra)
    return params


def leaf_params(directory, ca_dir, kind='server', name='server', **extra):
    params = dict(kind=kind, path=os.path.join(str(directory), name + '-cert.pem'),
                  privatekey_path=os.path.join(str(directory), name + '-key.pem'),
                  common_name='docker1.example.com',
                  ca_path=os.path.join(str(ca_dir), 'ca.pem'),
                  ca_privatekey_path=os.path.join(str(ca_dir), 'ca-key.pem'))
    if kind == 'server':
        params['subject_alt_names'] = ['DNS:docker1.example.com', 'IP:192.0.2.10', 'IP:2001:db8::10']
    params.update(extra)
    return params


def run(params, check_mode=False, now=None):
    return tls.run(spec(**params), check_mode=check_mode, now=now)


def load_cert(path):
    with open(path, 'rb') as f:
        return x509.load_pem_x509_certificate(f.read())


def load_key(path, passphrase=None):
    with open(path, 'rb') as f:
        return serialization.load_pem_private_key(f.read(), passphrase.encode() if passphrase else None)


def spki(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(directory):
    out = {}
    for name in sorted(os.listdir(str(directory))):
        full = os.path.join(str(directory), name)
        st = os.stat(full)
        with open(full, 'rb') as f:
            out[name] = (f.read(), st.st_mtime_ns, stat.S_IMODE(st.st_mode))
    return out


def has_reason(reasons, text):
    return any(text in reason for reason in reasons)


@pytest.fixture(scope='session')
def ca_dir(tmp_path_factory):
    """One ECDSA P-256 CA shared (read-only) by most tests."""
    directory = tmp_path_factory.mktemp('ca')
    run(ca_params(directory))
    return directory


@pytest.fixture
def own_ca(tmp_path):
    """A CA private to the test (may be modified)."""
    directory = tmp_path / 'ca'
    directory.mkdir()
    run(ca_params(directory))
    return directory


@pytest.fixture
def out(tmp_path):
    directory = tmp_path / 'out'
    directory.mkdir()
    return directory


# ---------------------------------------------------------------------------
# certificate contents
# ---------------------------------------------------------------------------

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
    assert tls.verify_signature(cert, key.public_key())
    assert cert.signature_hash_algorithm.name == 'sha256'
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == 'secp256r1'
    assert 0 < cert.serial_number < 2 ** 159
    lifetime = tls.cert_not_after(cert) - tls.cert_not_before(cert)
    assert lifetime == datetime.timedelta(days=3650) + tls.BACKDATE
    assert tls.cert_not_before(cert) < tls.utcnow() - datetime.timedelta(minutes=4)


def test_server_certificate_contents(ca_dir, out):
    result, _diff, _warnings = run(leaf_params(out, ca_dir))
    cert = load_cert(result['path'])
    ca = load_cert(os.path.join(str(ca_dir), 'ca.pem'))
    key = load_key(result['privatekey_path'])
    assert spki(cert.public_key()) == spki(key.public_key())
    assert tls.verify_signature(cert, ca.public_key())
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
    assert tls.cert_not_after(cert) - tls.cert_not_before(cert) == datetime.timedelta(days=365) + tls.BACKDATE
    # return values
    assert result['changed'] is True
    assert result['subject_alt_names'] == ['DNS:docker1.example.com', 'IP:192.0.2.10', 'IP:2001:db8::10']
    assert result['serial'] == '%X' % cert.serial_number or result['serial'] == '0%X' % cert.serial_number
    assert int(result['serial'], 16) == cert.serial_number
    assert result['fingerprint_sha256'] == ':'.join('%02X' % b for b in cert.fingerprint(hashes.SHA256()))
    assert result['not_after'] == tls.cert_not_after(cert).strftime('%Y-%m-%dT%H:%M:%SZ')
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


def test_default_rsa_size_is_3072():
    assert spec(**leaf_params('/tmp', '/tmp/ca', key_type='rsa')).key_size == 3072
    assert spec(**leaf_params('/tmp', '/tmp/ca')).key_type == 'ecdsa'
    assert spec(**leaf_params('/tmp', '/tmp/ca')).key_size == 256


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
    with pytest.raises(tls.TLSError, match='the CA private key .* is Ed25519'):
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


# ---------------------------------------------------------------------------
# idempotence
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# reissue reasons
# ---------------------------------------------------------------------------

def test_reason_missing_certificate(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    os.unlink(params['path'])
    result, _diff, _warnings = run(params)
    assert result['reasons'] == ['certificate %s does not exist' % params['path']]
    assert result['privatekey_created'] is False


def test_reason_unparsable_certificate(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    os.chmod(params['path'], 0o644)
    with open(params['path'], 'w') as f:
        f.write('garbage')
    result, _diff, _warnings = run(params)
    assert has_reason(result['reasons'], 'cannot be parsed')
    assert load_cert(params['path'])


def test_reason_key_mismatch(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    other = ec.generate_private_key(ec.SECP256R1())
    tls.write_file_atomic(params['privatekey_path'], tls.serialize_private_key(other), 0o400)
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
    assert tls.verify_signature(load_cert(params['path']), load_cert(str(own_ca / 'ca.pem')).public_key())


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
    run(params, now=tls.utcnow() - datetime.timedelta(days=350))  # expires in ~15 days
    result, _diff, _warnings = run(params)
    assert len(result['reasons']) == 1
    assert 'within renew_before_days (30)' in result['reasons'][0]
    # renewed: valid for a year from now
    assert tls.cert_not_after(load_cert(params['path'])) > tls.utcnow() + datetime.timedelta(days=364)
    # a smaller window keeps the short-lived certificate
    run(params, now=tls.utcnow() - datetime.timedelta(days=350))
    assert run(dict(params, renew_before_days=10))[0]['changed'] is False


def test_reason_expired(ca_dir, out):
    params = leaf_params(out, ca_dir, kind='client')
    run(params, now=tls.utcnow() - datetime.timedelta(days=400))
    assert tls.cert_not_after(load_cert(params['path'])) < tls.utcnow()
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
    run(params)
    os.chmod(params['privatekey_path'], 0o600)
    with open(params['privatekey_path'], 'w') as f:
        f.write('not a key')
    result, _diff, _warnings = run(params)
    assert has_reason(result['reasons'], 'cannot be parsed')
    assert result['privatekey_created'] is True
    assert spki(load_cert(params['path']).public_key()) == spki(load_key(params['privatekey_path']).public_key())


def test_needs_regeneration_pure():
    key = ec.generate_private_key(ec.SECP256R1())
    target = tls.Target(kind='ca', subject=tls.build_subject('weak'), public_key=key.public_key(),
                        key_description='ECDSA P-256')
    assert tls.needs_regeneration(None, target) == ['certificate does not exist']
    assert tls.needs_regeneration(b'junk', target)[0].startswith('certificate cannot be parsed')
    reasons = tls.needs_regeneration(SHA1_CERT, target)
    assert has_reason(reasons, 'weak hash SHA1')
    assert has_reason(reasons, 'does not match the private key')
    # a freshly built certificate is up to date
    now = tls.utcnow()
    cert = tls.build_certificate(target, key.public_key(), key, now - tls.BACKDATE, now + datetime.timedelta(days=90),
                                 hashes.SHA256())
    assert tls.needs_regeneration(cert, target, now=now) == []
    assert tls.needs_regeneration(cert, target, now=now + datetime.timedelta(days=61)) != []


def test_leaf_certificate_at_ca_path_is_reissued(ca_dir, tmp_path):
    leaf = leaf_params(tmp_path, ca_dir, kind='client', name='x')
    run(leaf)
    result, _diff, _warnings = run(dict(kind='ca', path=leaf['path'], privatekey_path=leaf['privatekey_path'],
                                        common_name='docker1.example.com'))
    assert has_reason(result['reasons'], 'is not a CA certificate')
    assert has_reason(result['reasons'], 'is not self-signed')


# ---------------------------------------------------------------------------
# refusals / validation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('params, message', [
    (dict(key_type='rsa', key_size=1024), 'RSA keys shorter than 2048 bits are refused'),
    (dict(key_type='rsa', key_size=2500), 'must be one of 2048, 3072, 4096'),
    (dict(key_type='ecdsa', key_size=521), 'must be one of 256, 384'),
    (dict(key_type='ed25519', key_size=256), 'key_size is not used with key_type=ed25519'),
    (dict(key_type='dsa'), 'key_type must be one of'),
    (dict(digest='sha1'), 'digest=sha1 is refused'),
    (dict(digest='SHA-1'), 'is refused'),
    (dict(digest='md5'), 'is refused'),
    (dict(digest='whirlpool'), 'digest must be one of'),
    (dict(ca_path=None), 'requires ca_path and ca_privatekey_path'),
    (dict(ca_privatekey_path=None), 'missing: ca_privatekey_path'),
    (dict(subject_alt_names=None), 'kind=server requires at least one subject_alt_names entry'),
    (dict(subject_alt_names=[]), 'kind=server requires at least one subject_alt_names entry'),
    (dict(common_name=None), 'requires common_name'),
    (dict(common_name='x' * 65), 'at most 64 characters'),
    (dict(privatekey_path=None), 'requires privatekey_path'),
    (dict(csr_path='/tmp/x.csr'), 'privatekey_path must not be set together with csr_path'),
    (dict(valid_days=0), 'valid_days must be between'),
    (dict(valid_days=30), 'renew_before_days (30) must be smaller than valid_days (30)'),
    (dict(renew_before_days=-1), 'must not be negative'),
    (dict(privatekey_mode='0644'), 'would give other users access'),
    (dict(privatekey_mode='u=r'), 'must be an octal mode'),
    (dict(privatekey_passphrase=''), 'must not be empty'),
    (dict(kind='intermediate'), 'kind must be one of'),
])
def test_invalid_leaf_options(params, message, tmp_path):
    base = leaf_params(tmp_path, tmp_path / 'ca')
    base.update(params)
    with pytest.raises(tls.TLSError, match=None) as info:
        spec(**base)
    assert message in str(info.value)


@pytest.mark.parametrize('params, message', [
    (dict(ca_path='/x/ca.pem'), 'kind=ca issues a self-signed CA certificate; ca_path must not be set'),
    (dict(csr_path='/x/a.csr'), 'csr_path must not be set'),
    (dict(subject_alt_names=['DNS:x']), 'subject_alt_names is not used for kind=ca'),
    (dict(key_type='ed25519', digest='sha256'), 'cannot be used with key_type=ed25519'),
    (dict(path='/tmp/same.pem', privatekey_path='/tmp/same.pem'), 'point to the same file'),
])
def test_invalid_ca_options(params, message, tmp_path):
    base = ca_params(tmp_path)
    base.update(params)
    with pytest.raises(tls.TLSError) as info:
        spec(**base)
    assert message in str(info.value)


def test_invalid_csr_options(tmp_path):
    with pytest.raises(tls.TLSError, match='kind=csr only creates a private key and a CSR'):
        spec(kind='csr', path=str(tmp_path / 'a.csr'), privatekey_path=str(tmp_path / 'k'), common_name='x',
             ca_path='/x/ca.pem')


@pytest.mark.parametrize('entry', [
    'docker1.example.com', '192.0.2.1', 'DNS:', 'DNS:-bad.example.com', 'DNS:bad-.example.com',
    'DNS:exa mple.com', 'DNS:under_score.example.com', 'DNS:*.com', 'DNS:a.*.example.com', 'DNS:example.com.',
    'DNS:b\u00fccher.example', 'DNS:' + 'a' * 64 + '.com', 'IP:300.1.1.1', 'IP:10.0.0.0/8', 'IP:fe80::1%eth0',
    'IP:2001:db8::g', 'IP:', 'URI:https://example.com', 'email:root@example.com', 42,
])
def test_bad_subject_alt_names_are_refused(entry):
    with pytest.raises(tls.TLSError, match='invalid subject_alt_names entry'):
        tls.parse_subject_alt_names([entry])


def test_bad_san_hint():
    with pytest.raises(tls.TLSError, match='did you mean IP:192.0.2.1'):
        tls.parse_subject_alt_names(['192.0.2.1'])
    with pytest.raises(tls.TLSError, match='did you mean DNS:docker1'):
        tls.parse_subject_alt_names(['docker1'])


def test_good_subject_alt_names_are_normalised():
    assert tls.parse_subject_alt_names([
        'DNS:Docker1.Example.com', ' dns:localhost ', 'DNS:*.swarm.example.com', 'IP:192.0.2.1',
        'IP:2001:0DB8:0000::0001', 'IP:[::1]', 'ip:::ffff:192.0.2.1', 'DNS:localhost',
    ]) == [
        'DNS:docker1.example.com', 'DNS:localhost', 'DNS:*.swarm.example.com', 'IP:192.0.2.1',
        'IP:2001:db8::1', 'IP:::1', 'IP:::ffff:c000:201',
    ]


def test_missing_ca_files(out, tmp_path):
    with pytest.raises(tls.TLSError, match='CA file\\(s\\) not found'):
        run(leaf_params(out, tmp_path / 'nope'))
    assert os.listdir(str(out)) == []


def test_rsa_1024_ca_key_is_refused(tmp_path, out):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    now = tls.utcnow()
    target = tls.Target(kind='ca', subject=tls.build_subject('weak CA'))
    cert = tls.build_certificate(target, key.public_key(), key, now, now + datetime.timedelta(days=30),
                                 hashes.SHA256())
    tls.write_file_atomic(str(tmp_path / 'ca.pem'), cert.public_bytes(serialization.Encoding.PEM), 0o444)
    tls.write_file_atomic(str(tmp_path / 'ca-key.pem'), tls.serialize_private_key(key), 0o400)
    with pytest.raises(tls.TLSError, match='RSA 1024 key; RSA keys shorter than 2048 bits are refused'):
        run(leaf_params(out, tmp_path))


def test_ca_key_must_match_ca_cert(own_ca, ca_dir, out):
    shutil.copy(str(ca_dir / 'ca-key.pem'), str(own_ca / 'ca-key.pem'))
    with pytest.raises(tls.TLSError, match='does not belong to CA certificate'):
        run(leaf_params(out, own_ca))


def test_non_ca_certificate_cannot_sign(ca_dir, out, tmp_path):
    leaf = leaf_params(out, ca_dir, kind='client', name='client')
    run(leaf)
    with pytest.raises(tls.TLSError, match='is not a CA certificate'):
        run(dict(leaf_params(tmp_path, ca_dir, name='s2'), ca_path=leaf['path'], ca_privatekey_path=leaf['privatekey_path']))


def test_expired_ca_is_refused(tmp_path, out):
    ca = tmp_path / 'ca'
    ca.mkdir()
    run(ca_params(ca, valid_days=100), now=tls.utcnow() - datetime.timedelta(days=200))
    with pytest.raises(tls.TLSError, match='expired on .*renew the CA first'):
        run(leaf_params(out, ca))


def test_leaf_validity_capped_at_ca_expiry(tmp_path, out):
    ca = tmp_path / 'ca'
    ca.mkdir()
    run(ca_params(ca, valid_days=100))
    result, _diff, warnings = run(leaf_params(out, ca))
    ca_cert = load_cert(str(ca / 'ca.pem'))
    assert tls.cert_not_after(load_cert(result['path'])) == tls.cert_not_after(ca_cert)
    assert has_reason(warnings, 'capped at the CA certificate')
    assert run(leaf_params(out, ca))[0]['changed'] is False


def test_ca_expiring_within_renew_window_is_refused(tmp_path, out):
    ca = tmp_path / 'ca'
    ca.mkdir()
    run(ca_params(ca, valid_days=100), now=tls.utcnow() - datetime.timedelta(days=80))
    with pytest.raises(tls.TLSError, match='within renew_before_days \\(30\\).*renew the CA first'):
        run(leaf_params(out, ca))


# ---------------------------------------------------------------------------
# check mode
# ---------------------------------------------------------------------------

def test_check_mode_writes_nothing(ca_dir, out):
    params = leaf_params(out, ca_dir)
    result, diff, _warnings = run(params, check_mode=True)
    assert result['changed'] is True
    assert result['reasons'] == ['private key %s does not exist' % params['privatekey_path'],
                                 'certificate %s does not exist' % params['path']]
    assert result['certificate_created'] is False and result['privatekey_created'] is False
    assert os.listdir(str(out)) == []
    assert diff['before'] == {}
    assert diff['after']['subject_alt_names'] == params['subject_alt_names']
    assert diff['after']['serial'] == '(new random serial)'

    run(params)
    before = snapshot(out)
    result, diff, _warnings = run(dict(params, subject_alt_names=['DNS:other.example.com']), check_mode=True)
    assert result['changed'] is True and has_reason(result['reasons'], 'subject_alt_names changed')
    assert snapshot(out) == before
    assert diff['before']['subject_alt_names'] != diff['after']['subject_alt_names']
    result, _diff, _warnings = run(dict(params, key_type='rsa', key_size=2048), check_mode=True)
    assert result['changed'] is True
    assert snapshot(out) == before
    assert run(params, check_mode=True)[0]['changed'] is False


def test_check_mode_without_ca_yet(tmp_path, out):
    result, diff, warnings = run(leaf_params(out, tmp_path / 'not-yet'), check_mode=True)
    assert result['changed'] is True
    assert has_reason(warnings, 'does not exist (yet)')
    assert os.listdir(str(out)) == []


def test_check_mode_without_csr_yet(ca_dir, out):
    params = dict(kind='client', path=str(out / 'c.pem'), csr_path=str(out / 'missing.csr'),
                  ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem'))
    result, _diff, warnings = run(params, check_mode=True)
    assert result['changed'] is True and has_reason(warnings, 'CSR')
    with pytest.raises(tls.TLSError, match='not found'):
        run(params)


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------

def test_file_modes(ca_dir, out):
    params = leaf_params(out, ca_dir)
    run(params)
    assert mode_of(params['privatekey_path']) == 0o400
    assert mode_of(params['path']) == 0o444
    assert mode_of(str(ca_dir / 'ca-key.pem')) == 0o400
    assert mode_of(str(ca_dir / 'ca.pem')) == 0o444
    params = leaf_params(out, ca_dir, name='other', privatekey_mode='0440', mode='0644')
    run(params)
    assert mode_of(params['privatekey_path']) == 0o440
    assert mode_of(params['path']) == 0o644
    assert sorted(os.listdir(str(out))) == ['other-cert.pem', 'other-key.pem', 'server-cert.pem', 'server-key.pem']


def test_write_file_atomic(tmp_path):
    path = str(tmp_path / 'f')
    tls.write_file_atomic(path, b'one', 0o400)
    tls.write_file_atomic(path, b'two', 0o440)
    with open(path, 'rb') as f:
        assert f.read() == b'two'
    assert mode_of(path) == 0o440
    assert os.listdir(str(tmp_path)) == ['f']
    with pytest.raises(TypeError):
        tls.write_file_atomic(path, None, 0o400)
    assert os.listdir(str(tmp_path)) == ['f']  # temporary file cleaned up
    with pytest.raises(tls.TLSError, match='does not exist'):
        tls.write_file_atomic(str(tmp_path / 'no' / 'f'), b'x', 0o400)


def test_key_never_world_readable_during_write(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(stat.S_IMODE(os.stat(src).st_mode))
        return real_replace(src, dst)

    monkeypatch.setattr(tls.os, 'replace', spy)
    run(ca_params(tmp_path))
    assert seen == [0o400, 0o444]


# ---------------------------------------------------------------------------
# CSR flow
# ---------------------------------------------------------------------------

def test_csr_flow_private_key_never_read_by_signer(ca_dir, tmp_path, monkeypatch):
    host = tmp_path / 'host'
    signer = tmp_path / 'signer'
    host.mkdir()
    signer.mkdir()
    csr_params = dict(kind='csr', path=str(host / 'server.csr'), privatekey_path=str(host / 'server-key.pem'),
                      common_name='docker1.example.com', organization='Hardened',
                      subject_alt_names=['DNS:docker1.example.com', 'IP:192.0.2.10'])
    result, _diff, _warnings = run(csr_params)
    assert result['changed'] and result['privatekey_created'] and result['csr_created']
    assert result['subject'] == 'CN=docker1.example.com,O=Hardened'
    assert result['subject_alt_names'] == ['DNS:docker1.example.com', 'IP:192.0.2.10']
    assert mode_of(csr_params['privatekey_path']) == 0o400
    assert mode_of(csr_params['path']) == 0o444
    host_public = spki(load_key(csr_params['privatekey_path']).public_key())

    # the result hands back the CSR (public) exactly as written; the signer gets it from there
    with open(csr_params['path']) as handle:
        assert result['csr'] == handle.read()
    assert result['csr'].startswith('-----BEGIN CERTIFICATE REQUEST-----')
    (signer / 'server.csr').write_text(result['csr'])
    hidden = tmp_path / 'elsewhere'
    os.rename(str(host), str(hidden))
    reads = []
    real_read = tls._read_file
    monkeypatch.setattr(tls, '_read_file', lambda path, what: reads.append(path) or real_read(path, what))

    sign_params = dict(kind='server', path=str(signer / 'server-cert.pem'), csr_path=str(signer / 'server.csr'),
                       ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem'))
    signed, _diff, _warnings = run(sign_params)
    assert signed['changed'] is True
    assert 'privatekey_path' not in signed and signed['csr_path'] == sign_params['csr_path']
    assert all('elsewhere' not in path and 'host' not in path for path in reads)
    cert = load_cert(sign_params['path'])
    assert spki(cert.public_key()) == host_public
    assert signed['subject'] == 'CN=docker1.example.com,O=Hardened'  # taken from the CSR
    assert signed['subject_alt_names'] == ['DNS:docker1.example.com', 'IP:192.0.2.10']
    assert signed['extended_key_usage'] == ['serverAuth']
    assert sorted(os.listdir(str(signer))) == ['server-cert.pem', 'server.csr']
    assert run(sign_params)[0]['changed'] is False

    # explicit SANs on the signing side win over the CSR's
    override, _diff, _warnings = run(dict(sign_params, subject_alt_names=['DNS:docker1.example.com']))
    assert has_reason(override['reasons'], 'subject_alt_names changed')
    assert override['subject_alt_names'] == ['DNS:docker1.example.com']

    # a new CSR (new key on the host) -> the certificate follows the CSR's key
    os.rename(str(hidden), str(host))
    os.unlink(csr_params['privatekey_path'])
    regenerated, _diff, _warnings = run(csr_params)
    assert regenerated['privatekey_created'] and regenerated['csr_created']
    assert has_reason(regenerated['reasons'], 'does not exist')
    os.chmod(str(signer / 'server.csr'), 0o644)
    shutil.copy(csr_params['path'], str(signer / 'server.csr'))
    resigned, _diff, _warnings = run(sign_params)
    assert has_reason(resigned['reasons'], "does not match the CSR's public key")


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


def test_csr_key_type_enforced_on_signing_side(ca_dir, out):
    run(dict(kind='csr', path=str(out / 'h.csr'), privatekey_path=str(out / 'h-key.pem'), common_name='h'))
    params = dict(kind='client', path=str(out / 'c.pem'), csr_path=str(out / 'h.csr'), key_type='rsa',
                  ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem'))
    with pytest.raises(tls.TLSError, match='has a ECDSA P-256 key, but key_type/key_size ask for RSA 3072'):
        run(params)


def test_csr_server_without_any_san_is_refused(ca_dir, out):
    run(dict(kind='csr', path=str(out / 'h.csr'), privatekey_path=str(out / 'h-key.pem'), common_name='h'))
    with pytest.raises(tls.TLSError, match='requests no DNS/IP subject alternative names'):
        run(dict(kind='server', path=str(out / 'c.pem'), csr_path=str(out / 'h.csr'),
                 ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem')))


def test_csr_with_rsa_1024_is_refused(ca_dir, out):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    csr = tls.build_csr(tls.Target(kind='csr', subject=tls.build_subject('weak')), key, hashes.SHA256())
    tls.write_file_atomic(str(out / 'weak.csr'), csr.public_bytes(serialization.Encoding.PEM), 0o444)
    with pytest.raises(tls.TLSError, match='RSA 1024 key; RSA keys shorter than 2048 bits are refused'):
        run(dict(kind='client', path=str(out / 'c.pem'), csr_path=str(out / 'weak.csr'),
                 ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem')))


def test_tampered_csr_is_refused(ca_dir, out):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = tls.build_csr(tls.Target(kind='csr', subject=tls.build_subject('a')), key, hashes.SHA256())
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF  # corrupt the signature value (last bytes of the DER)
    bad = x509.load_der_x509_csr(bytes(der))
    tls.write_file_atomic(str(out / 'bad.csr'), bad.public_bytes(serialization.Encoding.PEM), 0o444)
    with pytest.raises(tls.TLSError, match='signature of CSR .* is invalid'):
        run(dict(kind='client', path=str(out / 'c.pem'), csr_path=str(out / 'bad.csr'),
                 ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem')))


# ---------------------------------------------------------------------------
# passphrases
# ---------------------------------------------------------------------------

def test_encrypted_ca_key(tmp_path, out):
    ca = tmp_path / 'ca'
    ca.mkdir()
    result, _diff, _warnings = run(ca_params(ca, privatekey_passphrase=PASS))
    with open(str(ca / 'ca-key.pem'), 'rb') as f:
        assert f.read().startswith(b'-----BEGIN ENCRYPTED PRIVATE KEY-----')
    assert run(ca_params(ca, privatekey_passphrase=PASS))[0]['changed'] is False
    with pytest.raises(tls.TLSError, match='wrong privatekey_passphrase'):
        run(ca_params(ca, privatekey_passphrase='wrong'))
    with pytest.raises(tls.TLSError, match='is encrypted; set privatekey_passphrase'):
        run(ca_params(ca))

    leaf = leaf_params(out, ca, ca_privatekey_passphrase=PASS)
    assert run(leaf)[0]['changed'] is True
    assert run(leaf)[0]['changed'] is False
    before = snapshot(out)
    with pytest.raises(tls.TLSError, match='cannot decrypt CA private key .*: wrong ca_privatekey_passphrase'):
        run(dict(leaf, ca_privatekey_passphrase='wrong', force=True))
    with pytest.raises(tls.TLSError, match='is encrypted; set ca_privatekey_passphrase'):
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


# ---------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------

def test_diff_has_no_key_material(tmp_path, ca_dir, out):
    params = leaf_params(out, ca_dir)
    _result, diff_check, _warnings = run(params, check_mode=True)
    result, diff, _warnings = run(params)
    _result, diff_change, _warnings = run(dict(params, common_name='other', force=True))
    _result, diff_ca, _warnings = run(ca_params(tmp_path / 'out', privatekey_passphrase=PASS))
    _result, diff_csr, _warnings = run(dict(kind='csr', path=str(out / 'a.csr'), privatekey_path=str(out / 'a-key.pem'),
                                            common_name='a'))
    key_files = [params['privatekey_path'], str(out / 'a-key.pem'), str(ca_dir / 'ca-key.pem')]
    key_lines = []
    for path in key_files:
        with open(path) as f:
            key_lines += [line for line in f.read().splitlines() if line and not line.startswith('-----')]
    for d in (diff_check, diff, diff_change, diff_ca, diff_csr):
        text = json.dumps(d)
        assert 'PRIVATE KEY' not in text
        for line in key_lines:
            assert line not in text
    assert diff['before'] == {}
    assert set(diff['after']) >= {'subject', 'subject_alt_names', 'extended_key_usage', 'key_type', 'issuer',
                                  'not_after', 'serial', 'fingerprint_sha256'}
    assert diff['after']['fingerprint_sha256'] == result['fingerprint_sha256']
    assert diff_change['before']['subject'] == 'CN=docker1.example.com'
    assert diff_change['after']['subject'] == 'CN=other'
    assert diff_csr['after'] == {'subject': 'CN=a', 'subject_alt_names': [], 'key_type': 'ECDSA P-256'}


# --- input_problems: the tls role's plan --------------------------------------

def test_input_problems_accepts_the_defaults():
    assert tls.input_problems([
        {'what': 'CA', 'params': {'kind': 'ca', 'common_name': 'hardened.docker CA', 'key_type': 'ecdsa',
                                  'key_size': 256, 'valid_days': 3650}},
        {'what': 'server', 'params': {'kind': 'server', 'common_name': 'host1', 'key_type': 'ecdsa', 'key_size': 256,
                                      'subject_alt_names': ['DNS:localhost', 'IP:10.0.0.5'], 'valid_days': 365,
                                      'renew_before_days': 30}},
        {'what': 'client admin', 'params': {'kind': 'client', 'common_name': 'admin', 'key_type': 'ed25519'}},
    ]) == []


def test_input_problems_lists_every_bad_request_with_its_label():
    problems = tls.input_problems([
        {'what': 'CA (tls_key_type, tls_key_size)', 'params': {'kind': 'ca', 'common_name': 'CA', 'key_type': 'rsa',
                                                               'key_size': 1024}},
        {'what': 'server (tls_extra_sans)', 'params': {'kind': 'server', 'common_name': 'h',
                                                       'subject_alt_names': ['DNS:ok', 'IP:999.1.1.1']}},
        {'what': 'client admin (valid_days)', 'params': {'kind': 'client', 'common_name': 'admin', 'valid_days': 30,
                                                         'renew_before_days': 30}},
    ])
    assert len(problems) == 3
    assert problems[0].startswith('CA (tls_key_type, tls_key_size): RSA keys shorter than 2048 bits')
    assert problems[1].startswith('server (tls_extra_sans): ') and '999.1.1.1' in problems[1]
    assert problems[2].startswith('client admin (valid_days): renew_before_days (30) must be smaller')
