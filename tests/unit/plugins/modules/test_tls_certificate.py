# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Module-level tests: run tls_certificate.main() the way Ansible does (args in, JSON out)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible.module_utils import basic
from ansible_collections.hardened.docker.plugins.module_utils._tls import options
from ansible_collections.hardened.docker.plugins.modules import tls_certificate

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    import contextlib
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old


CA_PASS = 'module-test-passphrase'


def run_module(capsys, args, check_mode=False, diff=False):
    """Run main(); return (exit code, parsed JSON result, raw stdout)."""
    args = dict(args)
    args['_ansible_check_mode'] = check_mode
    args['_ansible_diff'] = diff
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            tls_certificate.main()
    raw = capsys.readouterr().out
    return info.value.code, json.loads(raw), raw


def ok(capsys, args, **kwargs):
    code, result, raw = run_module(capsys, args, **kwargs)
    assert code == 0, result
    assert not result.get('failed'), result
    return result, raw


def fail(capsys, args, **kwargs):
    code, result, raw = run_module(capsys, args, **kwargs)
    assert code == 1 and result.get('failed'), result
    return result, raw


def refused_server(capsys, pki, override):
    """Run the server task with ``override`` (``None`` drops an option); it must fail. Returns (args, result)."""
    args = dict(pki['server'])
    args.update(override)
    args = {k: v for k, v in args.items() if v is not None}
    result, _raw = fail(capsys, args)
    return args, result


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def listing(directory):
    return sorted(os.listdir(str(directory)))


@pytest.fixture
def pki(tmp_path):
    d = tmp_path
    return dict(
        ca=dict(kind='ca', path=str(d / 'ca.pem'), privatekey_path=str(d / 'ca-key.pem'),
                privatekey_passphrase=CA_PASS, common_name='Module Test CA'),
        server=dict(kind='server', path=str(d / 'server-cert.pem'), privatekey_path=str(d / 'server-key.pem'),
                    common_name='docker1.example.com',
                    subject_alt_names=['DNS:docker1.example.com', 'IP:192.0.2.10', 'IP:2001:db8::10'],
                    ca_path=str(d / 'ca.pem'), ca_privatekey_path=str(d / 'ca-key.pem'),
                    ca_privatekey_passphrase=CA_PASS),
        client=dict(kind='client', path=str(d / 'client-cert.pem'), privatekey_path=str(d / 'client-key.pem'),
                    common_name='admin', ca_path=str(d / 'ca.pem'), ca_privatekey_path=str(d / 'ca-key.pem'),
                    ca_privatekey_passphrase=CA_PASS),
        dir=d,
    )


def test_argument_spec_and_check_mode_declared():
    spec = tls_certificate.argument_spec()
    assert spec['privatekey_passphrase']['no_log'] is True
    assert spec['ca_privatekey_passphrase']['no_log'] is True
    assert spec['kind']['choices'] == ['ca', 'server', 'client', 'csr']
    for name in ('kind', 'path', 'privatekey_path', 'common_name', 'subject_alt_names', 'ca_path',
                 'ca_privatekey_path', 'ca_privatekey_passphrase', 'csr_path', 'key_type', 'key_size',
                 'valid_days', 'renew_before_days', 'privatekey_passphrase', 'privatekey_mode', 'force',
                 'organization', 'digest'):
        assert name in spec


def test_full_pki_and_idempotence(capsys, pki):
    for name in ('ca', 'server', 'client'):
        result, raw = ok(capsys, pki[name])
        assert result['changed'] is True, name
        assert result['reasons'], name
        assert CA_PASS not in raw  # no_log
    assert mode_of(pki['ca']['privatekey_path']) == 0o400
    assert mode_of(pki['ca']['path']) == 0o444
    assert mode_of(pki['server']['privatekey_path']) == 0o400
    assert mode_of(pki['server']['path']) == 0o444
    before = listing(pki['dir'])
    for name in ('ca', 'server', 'client'):
        result, _raw = ok(capsys, pki[name])
        assert result['changed'] is False, (name, result['reasons'])
        assert result['reasons'] == []
    assert listing(pki['dir']) == before

    result, _raw = ok(capsys, pki['server'])
    cert = x509.load_pem_x509_certificate(open(pki['server']['path'], 'rb').read())
    assert int(result['serial'], 16) == cert.serial_number
    assert result['subject_alt_names'] == ['DNS:docker1.example.com', 'IP:192.0.2.10', 'IP:2001:db8::10']
    assert result['issuer'] == 'CN=Module Test CA'
    assert result['not_after'].endswith('Z') and 'T' in result['not_after']
    assert len(result['fingerprint_sha256'].split(':')) == 32


def test_check_mode_and_diff(capsys, pki):
    result, _raw = ok(capsys, pki['ca'], check_mode=True, diff=True)
    assert result['changed'] is True
    assert listing(pki['dir']) == []
    assert result['diff']['before'] == {}
    assert result['diff']['after']['subject'] == 'CN=Module Test CA'

    # the CA does not exist yet in check mode: the server task predicts a change instead of failing
    result, _raw = ok(capsys, pki['server'], check_mode=True, diff=True)
    assert result['changed'] is True
    # warnings are plain strings before ansible-core 2.19 and structured afterwards
    assert 'does not exist (yet)' in json.dumps(result.get('warnings', []))
    assert listing(pki['dir']) == []

    ok(capsys, pki['ca'])
    ok(capsys, pki['server'])
    snapshot = {name: open(str(pki['dir'] / name), 'rb').read() for name in listing(pki['dir'])}
    changed = dict(pki['server'], subject_alt_names=['DNS:docker2.example.com'])
    result, raw = ok(capsys, changed, check_mode=True, diff=True)
    assert result['changed'] is True
    assert any('subject_alt_names changed' in r for r in result['reasons'])
    assert result['diff']['before']['subject_alt_names'] == pki['server']['subject_alt_names']
    assert result['diff']['after']['subject_alt_names'] == ['DNS:docker2.example.com']
    assert 'PRIVATE KEY' not in raw
    assert {name: open(str(pki['dir'] / name), 'rb').read() for name in listing(pki['dir'])} == snapshot

    result, raw = ok(capsys, changed, diff=True)
    assert result['changed'] is True
    assert result['diff']['after']['fingerprint_sha256'] == result['fingerprint_sha256']
    assert result['diff']['before']['fingerprint_sha256'] != result['fingerprint_sha256']
    assert 'PRIVATE KEY' not in raw and CA_PASS not in raw
    for path in (pki['server']['privatekey_path'],):
        for line in open(path).read().splitlines():
            if not line.startswith('-----'):
                assert line not in raw


def test_file_attributes(capsys, pki):
    ok(capsys, pki['ca'])
    args = dict(pki['client'], mode='0640', privatekey_mode='0440')
    ok(capsys, args)
    assert mode_of(args['path']) == 0o640
    assert mode_of(args['privatekey_path']) == 0o440
    # only the mode differs -> changed, but nothing is reissued
    result, _raw = ok(capsys, dict(args, mode='0444'))
    assert result['changed'] is True and result['reasons'] == []
    assert mode_of(args['path']) == 0o444
    result, _raw = ok(capsys, dict(args, mode='0444'))
    assert result['changed'] is False
    # check mode reports a mode change without applying it
    os.chmod(args['privatekey_path'], 0o600)
    result, _raw = ok(capsys, dict(args, mode='0444'), check_mode=True)
    assert result['changed'] is True
    assert mode_of(args['privatekey_path']) == 0o600
    result, _raw = ok(capsys, dict(args, mode='0444'))
    assert mode_of(args['privatekey_path']) == 0o440


@pytest.mark.parametrize('override, message', [
    (dict(key_type='rsa', key_size=1024), 'RSA keys shorter than 2048 bits are refused'),
    (dict(digest='sha1'), 'digest=sha1 is refused'),
    (dict(subject_alt_names=['docker1.example.com']), 'must start with DNS: or IP:'),
    (dict(subject_alt_names=['IP:999.1.1.1']), 'not a valid IPv4 or IPv6 address'),
    (dict(ca_path=None), 'kind is server but all of the following are missing: ca_path'),
    (dict(subject_alt_names=None), 'requires at least one subject_alt_names entry'),
    (dict(privatekey_mode='0604'), 'would give other users access'),
])
def test_refusals(capsys, pki, override, message):
    _args, result = refused_server(capsys, pki, override)
    assert message in result['msg']
    assert listing(pki['dir']) == []


@pytest.mark.parametrize('override, message', [
    (dict(common_name=None), 'kind is server but any of the following are missing: common_name, csr_path'),
    (dict(csr_path='/x/server.csr'), 'parameters are mutually exclusive: csr_path|privatekey_path'),
    (dict(key_type='dsa'), 'value of key_type must be one of: ecdsa, rsa, ed25519, got: dsa'),
    (dict(valid_days=30), 'renew_before_days (30) must be smaller than valid_days (30)'),
])
def test_plan_filter_reports_the_module_message(capsys, pki, override, message):
    """The tls role's plan (tls_input_problems) refuses what the module refuses, with the module's own message."""
    args, result = refused_server(capsys, pki, override)
    assert message in result['msg']
    assert options.input_problems([{'what': 'server', 'params': args}]) == ['server: ' + result['msg']]


@pytest.mark.parametrize('option', ['ca_path', 'ca_privatekey_path'])
def test_option_given_as_null_counts_as_missing(capsys, pki, option):
    """required_if only asks whether an option is there; null is refused like a missing option, not a traceback."""
    result, _raw = fail(capsys, dict(pki['server'], **{option: None}))
    assert result['msg'] == 'kind is server but all of the following are missing: %s' % option
    assert listing(pki['dir']) == []


def test_missing_ca_fails_outside_check_mode(capsys, pki):
    result, _raw = fail(capsys, pki['server'])
    assert 'CA file(s) not found' in result['msg']


def test_wrong_ca_passphrase(capsys, pki):
    ok(capsys, pki['ca'])
    result, raw = fail(capsys, dict(pki['server'], ca_privatekey_passphrase='nope'))
    assert 'wrong ca_privatekey_passphrase' in result['msg']
    assert not os.path.exists(pki['server']['path'])
    assert not os.path.exists(pki['server']['privatekey_path'])


def test_csr_flow(capsys, tmp_path):
    host = tmp_path / 'host'
    ca = tmp_path / 'ca'
    host.mkdir()
    ca.mkdir()
    ok(capsys, dict(kind='ca', path=str(ca / 'ca.pem'), privatekey_path=str(ca / 'ca-key.pem'), common_name='CA'))
    csr_args = dict(kind='csr', path=str(host / 'node.csr'), privatekey_path=str(host / 'node-key.pem'),
                    common_name='node1', subject_alt_names=['DNS:node1', 'IP:::1'])
    result, _raw = ok(capsys, csr_args)
    assert result['changed'] and result['privatekey_created'] and result['csr_created']
    assert result['subject_alt_names'] == ['DNS:node1', 'IP:::1']
    assert ok(capsys, csr_args)[0]['changed'] is False

    os.rename(str(host / 'node.csr'), str(ca / 'node.csr'))  # "fetch"
    sign = dict(kind='server', path=str(ca / 'node-cert.pem'), csr_path=str(ca / 'node.csr'),
                ca_path=str(ca / 'ca.pem'), ca_privatekey_path=str(ca / 'ca-key.pem'))
    result, _raw = ok(capsys, sign)
    assert result['changed'] is True and result['csr_path'] == sign['csr_path']
    assert result['subject'] == 'CN=node1'
    assert listing(ca) == ['ca-key.pem', 'ca.pem', 'node-cert.pem', 'node.csr']
    cert = x509.load_pem_x509_certificate(open(sign['path'], 'rb').read())
    key = serialization.load_pem_private_key(open(csr_args['privatekey_path'], 'rb').read(), None)
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    assert cert.public_key().public_bytes(serialization.Encoding.DER, pub) == \
        key.public_key().public_bytes(serialization.Encoding.DER, pub)
    assert ok(capsys, sign)[0]['changed'] is False

    result, _raw = fail(capsys, dict(sign, privatekey_path=str(ca / 'x-key.pem')))
    assert 'parameters are mutually exclusive: csr_path|privatekey_path' in result['msg']


def test_missing_cryptography_is_reported(capsys, pki, monkeypatch):
    monkeypatch.setattr(tls_certificate.common, 'HAS_CRYPTOGRAPHY', False)
    result, _raw = fail(capsys, pki['ca'])
    assert 'cryptography' in result['msg']
    assert listing(pki['dir']) == []
