# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_tls/flow.py: plan/apply/result, check mode, files, the CSR flow, diff."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import stat

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.hardened.docker.plugins.module_utils._tls import builders, checks, common, flow, names
from ansible_collections.hardened.docker.tests.unit.plugins.module_utils._tls.helpers import (
    new_ca, PASS, ca_params, leaf_params, run, load_cert, load_key, spki, mode_of, snapshot, has_reason,
)


def test_missing_ca_files(out, tmp_path):
    with pytest.raises(common.TLSError, match='CA file\\(s\\) not found'):
        run(leaf_params(out, tmp_path / 'nope'))
    assert os.listdir(str(out)) == []


def test_non_ca_certificate_cannot_sign(ca_dir, out, tmp_path):
    leaf = leaf_params(out, ca_dir, kind='client', name='client')
    run(leaf)
    with pytest.raises(common.TLSError, match='is not a CA certificate'):
        run(dict(leaf_params(tmp_path, ca_dir, name='s2'), ca_path=leaf['path'], ca_privatekey_path=leaf['privatekey_path']))


def test_expired_ca_is_refused(tmp_path, out):
    ca = new_ca(tmp_path / 'ca', now=common.utcnow() - datetime.timedelta(days=200), valid_days=100)
    with pytest.raises(common.TLSError, match='expired on .*renew the CA first'):
        run(leaf_params(out, ca))


def test_leaf_validity_capped_at_ca_expiry(tmp_path, out):
    ca = new_ca(tmp_path / 'ca', valid_days=100)
    result, _diff, warnings = run(leaf_params(out, ca))
    ca_cert = load_cert(str(ca / 'ca.pem'))
    assert common.cert_not_after(load_cert(result['path'])) == common.cert_not_after(ca_cert)
    assert has_reason(warnings, 'capped at the CA certificate')
    assert run(leaf_params(out, ca))[0]['changed'] is False


def test_ca_expiring_within_renew_window_is_refused(tmp_path, out):
    ca = new_ca(tmp_path / 'ca', now=common.utcnow() - datetime.timedelta(days=80), valid_days=100)
    with pytest.raises(common.TLSError, match='within renew_before_days \\(30\\).*renew the CA first'):
        run(leaf_params(out, ca))


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
    with pytest.raises(common.TLSError, match='not found'):
        run(params)


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
    flow.write_file_atomic(path, b'one', 0o400)
    flow.write_file_atomic(path, b'two', 0o440)
    with open(path, 'rb') as f:
        assert f.read() == b'two'
    assert mode_of(path) == 0o440
    assert os.listdir(str(tmp_path)) == ['f']
    with pytest.raises(TypeError):
        flow.write_file_atomic(path, None, 0o400)
    assert os.listdir(str(tmp_path)) == ['f']  # temporary file cleaned up
    with pytest.raises(common.TLSError, match='does not exist'):
        flow.write_file_atomic(str(tmp_path / 'no' / 'f'), b'x', 0o400)


def test_key_never_world_readable_during_write(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(stat.S_IMODE(os.stat(src).st_mode))
        return real_replace(src, dst)

    monkeypatch.setattr(flow.os, 'replace', spy)
    run(ca_params(tmp_path))
    assert seen == [0o400, 0o444]


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
    real_read = flow._read_file
    monkeypatch.setattr(flow, '_read_file', lambda path, what: reads.append(path) or real_read(path, what))

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


def test_csr_server_without_any_san_is_refused(ca_dir, out):
    run(dict(kind='csr', path=str(out / 'h.csr'), privatekey_path=str(out / 'h-key.pem'), common_name='h'))
    with pytest.raises(common.TLSError, match='requests no DNS/IP subject alternative names'):
        run(dict(kind='server', path=str(out / 'c.pem'), csr_path=str(out / 'h.csr'),
                 ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem')))


def test_tampered_csr_is_refused(ca_dir, out):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = builders.build_csr(checks.Target(kind='csr', subject=names.build_subject('a')), key, hashes.SHA256())
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF  # corrupt the signature value (last bytes of the DER)
    bad = x509.load_der_x509_csr(bytes(der))
    flow.write_file_atomic(str(out / 'bad.csr'), bad.public_bytes(serialization.Encoding.PEM), 0o444)
    with pytest.raises(common.TLSError, match='signature of CSR .* is invalid'):
        run(dict(kind='client', path=str(out / 'c.pem'), csr_path=str(out / 'bad.csr'),
                 ca_path=str(ca_dir / 'ca.pem'), ca_privatekey_path=str(ca_dir / 'ca-key.pem')))


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
