"""openpgp_fingerprints: the primary key fingerprints of armored key blocks, checked against gpg's own reading."""

import os
import shutil
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hardened.docker.plugins.filter.openpgp_fingerprints import FilterModule

fingerprints = FilterModule().filters()['openpgp_fingerprints']

pytestmark = pytest.mark.skipif(shutil.which('gpg') is None, reason='gpg is needed to make real keys')


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    """Real keys made by gpg: RSA without subkey, ed25519 with a cv25519 subkey; (armored block, gpg's fprs)."""
    home = tmp_path_factory.mktemp('gnupg')
    os.chmod(home, 0o700)
    env = dict(os.environ, GNUPGHOME=str(home))

    def gpg(*args):
        return subprocess.run(['gpg', '--batch', '--quiet'] + list(args), env=env, check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode()

    gpg('--passphrase', '', '--quick-generate-key', 'rsa <rsa@example.invalid>', 'rsa2048', 'sign', 'never')
    gpg('--passphrase', '', '--quick-generate-key', 'ed <ed@example.invalid>', 'ed25519', 'default', 'never')
    result = {}
    for uid in ('rsa@example.invalid', 'ed@example.invalid'):
        block = gpg('--armor', '--export', uid)
        shown = gpg('--show-keys', '--with-colons', input_file(home, block))
        # gpg's fpr line follows each pub and each sub line: keep the primary keys' ones.
        lines = shown.splitlines()
        fprs = [lines[i + 1].split(':')[9] for i, line in enumerate(lines) if line.startswith('pub:')]
        result[uid] = (block, fprs)
    result['both'] = (gpg('--armor', '--export', 'rsa@example.invalid', 'ed@example.invalid'), None)
    return result


def input_file(home, text):
    path = os.path.join(str(home), 'block.asc')
    with open(path, 'w') as handle:
        handle.write(text)
    return path


def test_rsa_and_ed25519_keys_match_gpg(keys):
    for uid in ('rsa@example.invalid', 'ed@example.invalid'):
        block, expected = keys[uid]
        assert len(expected) == 1 and len(expected[0]) == 40
        # The ed25519 key's subkey is not a primary key and is not listed.
        assert fingerprints(block) == expected, uid


def test_a_block_with_two_keys_lists_both_in_order(keys):
    assert fingerprints(keys['both'][0]) == keys['rsa@example.invalid'][1] + keys['ed@example.invalid'][1]


def test_armor_headers_and_windows_line_ends_are_read(keys):
    block = keys['rsa@example.invalid'][0]
    with_header = block.replace('-----\n', '-----\nComment: a comment\n', 1).replace('\n', '\r\n')
    assert fingerprints(with_header) == keys['rsa@example.invalid'][1]


def test_a_broken_block_is_refused(keys):
    block = keys['rsa@example.invalid'][0]
    lines = block.splitlines()
    # Flip one character of the base64 body: the CRC-24 no longer matches.
    body = next(i for i, line in enumerate(lines) if len(line) > 60)
    lines[body] = ('B' if lines[body][10] != 'B' else 'C').join([lines[body][:10], lines[body][11:]])
    with pytest.raises(AnsibleFilterError, match='checksum|packet|base64'):
        fingerprints('\n'.join(lines))


def test_text_that_is_no_key_block_is_refused():
    for text in ('', '<html>404 Not Found</html>', '-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----'):
        with pytest.raises(AnsibleFilterError, match='not an ASCII-armored OpenPGP public key block'):
            fingerprints(text)
