# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""OpenPGP public keys read with nothing but Python (RFC 4880, RFC 9580): armor, packets, fingerprints.

Used by the filter ``openpgp_fingerprints`` (an armored block on the controller) and the module
``apt_legacy_keys`` (a binary keyring such as ``/etc/apt/trusted.gpg`` on the host). Errors are
``ValueError`` with a message for a person.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib

BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----'
END = '-----END PGP PUBLIC KEY BLOCK-----'
PUBLIC_KEY = 6


def _crc24(data):
    crc = 0xB704CE
    for byte in bytearray(data):
        crc ^= byte << 16
        for _bit in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def dearmor(text):
    """The binary packets of an ASCII-armored public key block, its checksum checked when present."""
    lines = [line.strip() for line in text.splitlines()]
    if BEGIN not in lines or END not in lines:
        raise ValueError('not an ASCII-armored OpenPGP public key block')
    body = lines[lines.index(BEGIN) + 1:lines.index(END)]
    # Armor headers (Version:, Comment:) end with the first blank line.
    if '' in body and any(':' in line for line in body[:body.index('')]):
        body = body[body.index('') + 1:]
    checksum = [line for line in body if line.startswith('=')]
    data = ''.join(line for line in body if line and not line.startswith('='))
    try:
        raw = base64.b64decode(data.encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ValueError('the armored block is not valid base64: %s' % exc)
    if checksum:
        try:
            expected = base64.b64decode(checksum[0][1:].encode('ascii'))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            expected = b''
        if len(expected) == 3 and int(binascii.hexlify(expected), 16) != _crc24(raw):
            raise ValueError('the armored block fails its checksum')
    return bytearray(raw)


def packets(raw):
    """(tag, body, start, end) for each packet, old and new header formats; start..end spans the header too."""
    raw = bytearray(raw)
    pos = 0
    while pos < len(raw):
        start, head = pos, raw[pos]
        if not head & 0x80:
            raise ValueError('not an OpenPGP packet at offset %d' % pos)
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
                raise ValueError('partial body lengths do not occur in key blocks')
        else:  # old format
            tag = (head >> 2) & 0x0F
            size = {0: 1, 1: 2, 2: 4}.get(head & 0x03)
            if size is None:
                raise ValueError('indeterminate packet length in a key block')
            length, pos = int(binascii.hexlify(raw[pos:pos + size]) or b'0', 16), pos + size
        if pos + length > len(raw):
            raise ValueError('truncated packet (tag %d)' % tag)
        yield tag, raw[pos:pos + length], start, pos + length
        pos += length


def fingerprint(body):
    """The fingerprint of a public key packet's body, upper-case hex."""
    version = body[0] if body else 0
    if version == 4:
        digest = hashlib.sha1(b'\x99' + len(body).to_bytes(2, 'big') + bytes(body))  # nosec - the v4 fingerprint is SHA-1
    elif version in (5, 6):
        prefix = b'\x9a' if version == 5 else b'\x9b'
        digest = hashlib.sha256(prefix + len(body).to_bytes(4, 'big') + bytes(body))
    else:
        raise ValueError('unsupported key version %d' % version)
    return digest.hexdigest().upper()


def keys(raw):
    """Each transferable public key of a binary keyring as (primary fingerprint, start, end): a key runs from its
    public key packet (tag 6) to the next one, with its user IDs, signatures and subkeys. Packets before the first
    key (gpg's ring trust or marker packets) belong to no key."""
    found = []
    for tag, body, start, end in packets(raw):
        if tag == PUBLIC_KEY:
            found.append([fingerprint(body), start, end])
        elif found:
            found[-1][2] = end
    return [tuple(key) for key in found]


def remove_keys(raw, fingerprints):
    """``raw`` without the keys whose primary fingerprint is in ``fingerprints`` (upper-case hex, blanks ignored),
    the other keys byte for byte: (new raw, removed fingerprints, kept fingerprints)."""
    wanted = set(f.replace(' ', '').upper() for f in fingerprints)
    raw = bytearray(raw)
    out, removed, kept, pos = bytearray(), [], [], 0
    for fpr, start, end in keys(raw):
        if fpr in wanted:
            out += raw[pos:start]
            removed.append(fpr)
        else:
            out += raw[pos:end]
            kept.append(fpr)
        pos = end
    out += raw[pos:]
    return bytes(out), removed, kept
