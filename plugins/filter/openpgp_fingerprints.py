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

import base64  # noqa: E402
import binascii  # noqa: E402
import hashlib  # noqa: E402

from ansible.errors import AnsibleFilterError  # noqa: E402

_BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----'
_END = '-----END PGP PUBLIC KEY BLOCK-----'


def _crc24(data):
    crc = 0xB704CE
    for byte in bytearray(data):
        crc ^= byte << 16
        for _bit in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _dearmor(text):
    lines = [line.strip() for line in text.splitlines()]
    if _BEGIN not in lines or _END not in lines:
        raise AnsibleFilterError('openpgp_fingerprints: not an ASCII-armored OpenPGP public key block')
    body = lines[lines.index(_BEGIN) + 1:lines.index(_END)]
    # Armor headers (Version:, Comment:) end with the first blank line.
    if '' in body and any(':' in line for line in body[:body.index('')]):
        body = body[body.index('') + 1:]
    checksum = [line for line in body if line.startswith('=')]
    data = ''.join(line for line in body if line and not line.startswith('='))
    try:
        raw = base64.b64decode(data.encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise AnsibleFilterError('openpgp_fingerprints: the armored block is not valid base64: %s' % exc)
    if checksum:
        try:
            expected = base64.b64decode(checksum[0][1:].encode('ascii'))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            expected = b''
        if len(expected) == 3 and int(binascii.hexlify(expected), 16) != _crc24(raw):
            raise AnsibleFilterError('openpgp_fingerprints: the armored block fails its checksum')
    return bytearray(raw)


def _packets(raw):
    """(tag, body) for each packet, old and new header formats."""
    pos = 0
    while pos < len(raw):
        head = raw[pos]
        if not head & 0x80:
            raise AnsibleFilterError('openpgp_fingerprints: not an OpenPGP packet at offset %d' % pos)
        pos += 1
        if head & 0x40:  # new format
            tag = head & 0x3F
            first = raw[pos] if pos < len(raw) else 0
            if first < 192:
                length, pos = first, pos + 1
            elif first < 224:
                length, pos = ((first - 192) << 8) + raw[pos + 1] + 192, pos + 2
            elif first == 255:
                length, pos = int(binascii.hexlify(raw[pos + 1:pos + 5]), 16), pos + 5
            else:
                raise AnsibleFilterError('openpgp_fingerprints: partial body lengths do not occur in key blocks')
        else:  # old format
            tag = (head >> 2) & 0x0F
            size = {0: 1, 1: 2, 2: 4}.get(head & 0x03)
            if size is None:
                raise AnsibleFilterError('openpgp_fingerprints: indeterminate packet length in a key block')
            length, pos = int(binascii.hexlify(raw[pos:pos + size]) or b'0', 16), pos + size
        if pos + length > len(raw):
            raise AnsibleFilterError('openpgp_fingerprints: truncated packet (tag %d)' % tag)
        yield tag, raw[pos:pos + length]
        pos += length


def openpgp_fingerprints(text):
    """The fingerprints of the primary public keys (tag 6) in the armored block ``text``."""
    fingerprints = []
    for tag, body in _packets(_dearmor(text or '')):
        if tag != 6:
            continue
        version = body[0] if body else 0
        if version == 4:
            digest = hashlib.sha1(b'\x99' + len(body).to_bytes(2, 'big') + bytes(body))  # nosec - the v4 fingerprint is SHA-1
        elif version in (5, 6):
            prefix = b'\x9a' if version == 5 else b'\x9b'
            digest = hashlib.sha256(prefix + len(body).to_bytes(4, 'big') + bytes(body))
        else:
            raise AnsibleFilterError('openpgp_fingerprints: unsupported key version %d' % version)
        fingerprints.append(digest.hexdigest().upper())
    if not fingerprints:
        raise AnsibleFilterError('openpgp_fingerprints: the block holds no public key')
    return fingerprints


class FilterModule(object):
    """OpenPGP key filters."""

    def filters(self):
        return {'openpgp_fingerprints': openpgp_fingerprints}
