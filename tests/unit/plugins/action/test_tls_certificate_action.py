# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin's in-process answer: it must equal the module's own answer whenever it gives one, and give
none (so the module runs) whenever the module would change, warn or fail. Real files and real keys."""

from __future__ import annotations

import grp
import json
import os
import pwd
import sys

import pytest

from ansible_collections.hardened.docker.plugins.action import tls_certificate as action

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'modules'))
from test_tls_certificate import ok, pki  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position

# Keys of the module's result that the in-process answer does not repeat: AnsibleModule adds them on exit.
MODULE_ONLY_KEYS = {'invocation'}


def module_answer(capsys, args, check_mode=False, diff=False):
    result, _raw = ok(capsys, args, check_mode=check_mode, diff=diff)
    return {k: v for k, v in result.items() if k not in MODULE_ONLY_KEYS}


def test_unchanged_answer_equals_the_module(capsys, pki):  # noqa: F811
    for name in ('ca', 'server', 'client'):
        assert action.unchanged_result(pki[name], False, False) is None, name  # nothing exists yet
        assert ok(capsys, pki[name])[0]['changed'] is True
    for name in ('ca', 'server', 'client'):
        for check_mode in (False, True):
            for diff in (False, True):
                answer = action.unchanged_result(pki[name], check_mode, diff)
                assert answer is not None, (name, check_mode, diff)
                assert answer == module_answer(capsys, pki[name], check_mode, diff), (name, check_mode, diff)
                assert answer['changed'] is False
    # the diff never carries key material, and neither does the answer
    text = json.dumps(action.unchanged_result(pki['server'], False, True))
    assert 'PRIVATE KEY' not in text and 'Test-CA-passphrase' not in text


def test_signing_a_csr_on_the_controller(capsys, pki, tmp_path):  # noqa: F811
    ok(capsys, pki['ca'])
    csr = dict(kind='csr', path=str(tmp_path / 'host.csr'), privatekey_path=str(tmp_path / 'host-key.pem'),
               common_name='docker1', subject_alt_names=['DNS:docker1'])
    ok(capsys, csr)
    sign = dict(kind='server', path=str(tmp_path / 'host-cert.pem'), csr_path=csr['path'], ca_path=pki['ca']['path'],
                ca_privatekey_path=pki['ca']['privatekey_path'],
                ca_privatekey_passphrase=pki['ca']['privatekey_passphrase'], mode='0644')
    assert action.unchanged_result(sign, False, False) is None
    ok(capsys, sign)
    answer = action.unchanged_result(sign, False, False)
    assert answer == module_answer(capsys, sign)
    assert answer['subject_alt_names'] == ['DNS:docker1'] and answer['not_after']
    # a new CSR (a new key on the host) must be signed again: the module runs
    os.remove(csr['privatekey_path'])
    ok(capsys, csr)
    assert action.unchanged_result(sign, False, False) is None


@pytest.mark.parametrize('change, why', [
    (lambda p: os.chmod(p['ca']['path'], 0o644), 'the certificate mode is not the one asked for'),
    (lambda p: os.chmod(p['ca']['privatekey_path'], 0o440), 'the key mode is not the one asked for'),
    (lambda p: os.remove(p['ca']['path']), 'the certificate is missing'),
])
def test_module_runs_when_a_file_needs_work(capsys, pki, change, why):  # noqa: F811
    ok(capsys, pki['ca'])
    change(pki)
    assert action.unchanged_result(pki['ca'], False, False) is None, why
    assert ok(capsys, pki['ca'])[0]['changed'] is True, why


@pytest.mark.parametrize('override, why', [
    ({'mode': 'u=r,go=r'}, 'a symbolic mode is the module\'s to judge'),
    ({'setype': 'cert_t'}, 'SELinux options are the module\'s'),
    ({'attributes': '+i'}, 'file attributes are the module\'s'),
    ({'owner': 'no-such-user-hd'}, 'an owner that does not exist is the module\'s error'),
    ({'valid_days': 7, 'renew_before_days': 30}, 'a renewal is a change'),
    ({'key_size': 1024, 'key_type': 'rsa'}, 'an invalid option is the module\'s error'),
    ({'force': True}, 'force reissues'),
])
def test_module_runs_for_what_the_answer_does_not_judge(capsys, pki, override, why):  # noqa: F811
    ok(capsys, pki['ca'])
    args = dict(pki['ca'], **override)
    assert action.unchanged_result(args, False, False) is None, why


def test_owner_and_group_are_compared(capsys, pki):  # noqa: F811
    ok(capsys, pki['ca'])
    me, my_group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    args = dict(pki['ca'], owner=me, group=my_group)
    assert action.unchanged_result(args, False, False) == module_answer(capsys, args)
    assert action.file_attributes_hold(pki['ca']['path'], 0o444, str(os.getuid()), str(os.getgid()))
    assert not action.file_attributes_hold(pki['ca']['path'], 0o444, str(os.getuid() + 1), None)
    assert not action.file_attributes_hold(str(pki['dir'] / 'missing.pem'), None, None, None)
