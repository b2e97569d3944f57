# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter openpgp_fingerprints: the primary key fingerprints of an ASCII-armored OpenPGP public key block."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: openpgp_fingerprints
short_description: The fingerprints of the primary keys in an ASCII-armored OpenPGP public key block
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - Reads the public key packets (tag 6) of an ASCII-armored OpenPGP key block (RFC 4880, RFC 9580) and returns
    each primary key's fingerprint as upper-case hex, in the order of the block. Subkeys are not listed.
  - Version 4 keys (SHA-1 over the key packet), version 5 and 6 keys (SHA-256) are read.
  - The engine role checks Docker's repository key with it before apt trusts the key, with nothing but Python
    on the controller (no gpg on the managed host).
  - Fails on text that is not an armored public key block, on a broken checksum and on truncated packets.
options:
  _input:
    description: The armored key block (the text of C(https://download.docker.com/linux/debian/gpg), for example).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse a key that is not the expected one
  ansible.builtin.assert:
    that: key.content | hardened.docker.openpgp_fingerprints == ['9DC858229FC7DD38854AE2D88D81803C0EBFCD88']
"""

RETURN = r"""
_value:
  description: The primary keys' fingerprints, upper-case hex without blanks.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError  # noqa: E402

from ansible_collections.hardened.docker.plugins.module_utils import _openpgp  # noqa: E402


def openpgp_fingerprints(text):
    """The fingerprints of the primary public keys (tag 6) in the armored block ``text``."""
    try:
        fingerprints = [_openpgp.fingerprint(body) for tag, body, _start, _end in _openpgp.packets(
            _openpgp.dearmor(text or '')) if tag == _openpgp.PUBLIC_KEY]
    except ValueError as exc:
        raise AnsibleFilterError('openpgp_fingerprints: %s' % exc)
    if not fingerprints:
        raise AnsibleFilterError('openpgp_fingerprints: the block holds no public key')
    return fingerprints


class FilterModule(object):
    """OpenPGP key filters."""

    def filters(self):
        return {'openpgp_fingerprints': openpgp_fingerprints}
