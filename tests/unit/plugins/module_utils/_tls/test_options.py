# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_tls/options.py: argument spec, per-kind rules, value checks, input_problems."""

from __future__ import annotations

import pytest

from ansible_collections.hardened.docker.plugins.module_utils._tls import common, options
from ansible_collections.hardened.docker.tests.unit.plugins.module_utils._tls.helpers import (
    spec, ca_params, leaf_params,
)


def test_default_rsa_size_is_3072():
    assert spec(**leaf_params('/tmp', '/tmp/ca', key_type='rsa')).key_size == 3072
    assert spec(**leaf_params('/tmp', '/tmp/ca')).key_type == 'ecdsa'
    assert spec(**leaf_params('/tmp', '/tmp/ca')).key_size == 256


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
    (dict(ca_path=None), 'kind is server but all of the following are missing: ca_path'),
    (dict(ca_privatekey_path=None), 'missing: ca_privatekey_path'),
    (dict(subject_alt_names=None), 'kind=server requires at least one subject_alt_names entry'),
    (dict(subject_alt_names=[]), 'kind=server requires at least one subject_alt_names entry'),
    (dict(common_name=None), 'kind is server but any of the following are missing: common_name, csr_path'),
    (dict(common_name='x' * 65), 'at most 64 characters'),
    (dict(privatekey_path=None), 'kind is server but any of the following are missing: privatekey_path, csr_path'),
    (dict(csr_path='/tmp/x.csr'), 'parameters are mutually exclusive: csr_path|privatekey_path'),
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
    with pytest.raises(common.TLSError, match=None) as info:
        spec(**base)
    assert message in str(info.value)


@pytest.mark.parametrize('params, message', [
    (dict(ca_path='/x/ca.pem'), 'kind=ca issues a self-signed CA certificate; ca_path must not be set'),
    (dict(csr_path='/x/a.csr'), 'parameters are mutually exclusive: csr_path|privatekey_path'),
    (dict(subject_alt_names=['DNS:x']), 'subject_alt_names is not used for kind=ca'),
    (dict(key_type='ed25519', digest='sha256'), 'cannot be used with key_type=ed25519'),
    (dict(path='/tmp/same.pem', privatekey_path='/tmp/same.pem'), 'point to the same file'),
])
def test_invalid_ca_options(params, message, tmp_path):
    base = ca_params(tmp_path)
    base.update(params)
    with pytest.raises(common.TLSError) as info:
        spec(**base)
    assert message in str(info.value)


def test_invalid_csr_options(tmp_path):
    with pytest.raises(common.TLSError, match='kind=csr only creates a private key and a CSR'):
        spec(kind='csr', path=str(tmp_path / 'a.csr'), privatekey_path=str(tmp_path / 'k'), common_name='x',
             ca_path='/x/ca.pem')


def test_input_problems_accepts_the_defaults():
    assert options.input_problems([
        {'what': 'CA', 'params': {'kind': 'ca', 'common_name': 'hardened.docker CA', 'key_type': 'ecdsa',
                                  'key_size': 256, 'valid_days': 3650}},
        {'what': 'server', 'params': {'kind': 'server', 'common_name': 'host1', 'key_type': 'ecdsa', 'key_size': 256,
                                      'subject_alt_names': ['DNS:localhost', 'IP:10.0.0.5'], 'valid_days': 365,
                                      'renew_before_days': 30}},
        {'what': 'client admin', 'params': {'kind': 'client', 'common_name': 'admin', 'key_type': 'ed25519'}},
    ]) == []


def test_input_problems_lists_every_bad_request_with_its_label():
    problems = options.input_problems([
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
