# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hardened.docker.apt_legacy_keys's main() on real keyrings made by gpg as `apt-key add` made them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.hardened.docker.plugins.modules import apt_legacy_keys as module

pytestmark = pytest.mark.skipif(shutil.which('gpg') is None, reason='gpg is needed to make real keys')


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    """{uid: (binary export, fingerprint)} for two keys made by gpg."""
    home = tmp_path_factory.mktemp('gnupg')
    os.chmod(str(home), 0o700)

    def gpg(*args):
        return subprocess.run(['gpg', '--batch', '--quiet'] + list(args), env=dict(os.environ, GNUPGHOME=str(home)),
                              check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout

    result = {}
    for uid in ('docker', 'other'):
        gpg('--passphrase', '', '--quick-generate-key', '%s <%s@example.invalid>' % (uid, uid), 'ed25519', 'sign', 'never')
        listing = gpg('--with-colons', '--list-keys', '%s@example.invalid' % uid).decode().splitlines()
        fpr = [line.split(':')[9] for line in listing if line.startswith('fpr:')][0]
        result[uid] = (gpg('--export', '%s@example.invalid' % uid), fpr)
    return result


@pytest.fixture
def run(capsys):
    def _run(expect_failure=False, **args):
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        result = json.loads(capsys.readouterr().out)
        assert bool(result.get('failed')) is expect_failure, result
        return result

    return _run


def test_removes_only_the_listed_key_keeping_mode_and_reports_it_in_check_mode_first(run, keys, tmp_path):
    path = tmp_path / 'trusted.gpg'
    path.write_bytes(keys['other'][0] + keys['docker'][0])
    os.chmod(str(path), 0o640)
    before = path.read_bytes()
    checked = run(path=str(path), fingerprints=[keys['docker'][1]], _ansible_check_mode=True)
    assert checked['changed'] and checked['removed'] == [keys['docker'][1]] and checked['kept'] == [keys['other'][1]]
    assert path.read_bytes() == before
    done = run(path=str(path), fingerprints=[keys['docker'][1]])
    assert done['changed'] and done['removed'] == [keys['docker'][1]]
    assert path.read_bytes() == keys['other'][0]
    assert os.stat(str(path)).st_mode & 0o7777 == 0o640
    again = run(path=str(path), fingerprints=[keys['docker'][1]])
    assert not again['changed'] and again['kept'] == [keys['other'][1]]


def test_the_last_key_removed_removes_the_file(run, keys, tmp_path):
    path = tmp_path / 'trusted.gpg'
    path.write_bytes(keys['docker'][0])
    assert run(path=str(path), fingerprints=[keys['docker'][1]])['changed']
    assert not path.exists()
    assert not run(path=str(path), fingerprints=[keys['docker'][1]])['changed']


def test_a_file_that_is_no_keyring_fails_unchanged(run, tmp_path):
    path = tmp_path / 'trusted.gpg'
    path.write_bytes(b'-----BEGIN PGP PUBLIC KEY BLOCK-----\n')
    result = run(expect_failure=True, path=str(path), fingerprints=['AB'])
    assert 'is not a binary OpenPGP keyring' in result['msg'] and 'Nothing was changed' in result['msg']
    assert path.read_bytes() == b'-----BEGIN PGP PUBLIC KEY BLOCK-----\n'
