# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/_openpgp: keys of a binary keyring as `apt-key add` writes it (gpg into a pre-created file), removed
by fingerprint, and checked against gpg's own reading of the result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest

from ansible_collections.hardened.docker.plugins.module_utils import _openpgp

pytestmark = pytest.mark.skipif(shutil.which('gpg') is None, reason='gpg is needed to make real keys')


class Gpg(object):
    def __init__(self, home):
        self.home = str(home)
        os.chmod(self.home, 0o700)

    def __call__(self, *args):
        return subprocess.run(['gpg', '--batch', '--quiet'] + list(args), env=dict(os.environ, GNUPGHOME=self.home),
                              check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout

    def keyring_fingerprints(self, path):
        """The primary fingerprints gpg reads from a keyring file."""
        out = self('--no-default-keyring', '--keyring', str(path), '--with-colons', '--list-keys').decode()
        lines = out.splitlines()
        return [lines[i + 1].split(':')[9] for i, line in enumerate(lines) if line.startswith('pub:')]


@pytest.fixture(scope='module')
def ring(tmp_path_factory):
    """(gpg, path of an apt-key style keyring holding an RSA key and an ed25519 key with a subkey, [fprs])."""
    gpg = Gpg(tmp_path_factory.mktemp('gnupg'))
    gpg('--passphrase', '', '--quick-generate-key', 'docker <docker@example.invalid>', 'rsa2048', 'sign', 'never')
    gpg('--passphrase', '', '--quick-generate-key', 'other <other@example.invalid>', 'ed25519', 'default', 'never')
    path = tmp_path_factory.mktemp('apt') / 'trusted.gpg'
    path.touch()  # as apt-key did: a pre-created file makes gpg write a plain keyring, not a keybox
    exported = tmp_path_factory.mktemp('export') / 'keys.gpg'
    exported.write_bytes(gpg('--export', 'docker@example.invalid', 'other@example.invalid'))
    gpg('--no-default-keyring', '--keyring', str(path), '--import', str(exported))
    fprs = gpg.keyring_fingerprints(path)
    assert len(fprs) == 2
    return gpg, path, fprs


def test_keys_are_read_with_their_fingerprints_in_order(ring):
    _gpg, path, fprs = ring
    raw = path.read_bytes()
    keys = _openpgp.keys(raw)
    assert [fpr for fpr, _start, _end in keys] == fprs
    # The keys cover the file without gaps: the second starts where the first ends.
    assert keys[0][2] == keys[1][1] and keys[1][2] == len(raw)


def test_removing_one_key_leaves_the_other_as_gpg_reads_it(ring, tmp_path):
    gpg, path, (docker, other) = ring
    new, removed, kept = _openpgp.remove_keys(path.read_bytes(), [' '.join([docker[i:i + 4] for i in range(0, 40, 4)]).lower()])
    assert removed == [docker] and kept == [other]
    result = tmp_path / 'trusted.gpg'
    result.write_bytes(new)
    assert gpg.keyring_fingerprints(result) == [other]
    # The kept key's packets are unchanged, its subkey included.
    start, end = [(s, e) for f, s, e in _openpgp.keys(path.read_bytes()) if f == other][0]
    assert new == path.read_bytes()[start:end]


def test_nothing_matching_changes_nothing(ring):
    _gpg, path, fprs = ring
    raw = path.read_bytes()
    assert _openpgp.remove_keys(raw, ['0123456789ABCDEF0123456789ABCDEF01234567']) == (raw, [], fprs)


def test_a_keybox_is_not_read_as_a_keyring(ring, tmp_path):
    gpg, _path, _fprs = ring
    keybox = tmp_path / 'pubring.kbx'
    exported = tmp_path / 'k.gpg'
    exported.write_bytes(gpg('--export', 'other@example.invalid'))
    gpg('--no-default-keyring', '--keyring', str(keybox), '--import', str(exported))
    with pytest.raises(ValueError, match='not an OpenPGP packet at offset 0'):
        _openpgp.remove_keys(keybox.read_bytes(), [])
