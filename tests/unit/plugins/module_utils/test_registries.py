# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for plugins/module_utils/_registries.py, on real cryptography certificates (nothing mocked)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.hardened.docker.plugins.module_utils import _registries
from ansible_collections.hardened.docker.plugins.filter.registry_input_problems import FilterModule

NOW = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)


def _cert(name, days=365, key=None, start=-1):
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW + datetime.timedelta(days=start)).not_valid_after(NOW + datetime.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii'), key


def _key_pem(key, password=None):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode('ascii')


CA, _CA_KEY = _cert('registry CA')


def problems(entries):
    return _registries.input_problems(entries, now=NOW)


def test_good_entries_have_no_problem():
    client, key = _cert('client')
    assert problems([{'address': 'registry.example.com:5000', 'ca': CA},
                     {'address': 'mirror.example.com', 'ca': CA + CA, 'internal': True},
                     {'address': '10.0.0.5:443', 'client_cert': client, 'client_key': _key_pem(key)},
                     {'address': '[fd00::5]:5000'}]) == []
    assert problems([]) == []


@pytest.mark.parametrize('address', ['https://reg.example', 'reg.example/v2', 'reg.example:0', 'reg.example:70000',
                                     'reg example', '', '-reg.example'])
def test_a_bad_address_names_the_entry_and_the_form(address):
    found = problems([{'address': address, 'ca': CA}])
    assert found == ['registries_trusted[0].address "%s" is not HOST or HOST:PORT as in an image name (no scheme, '
                     'no path), e.g. registry.example.com:5000' % address]


def test_a_missing_address_and_a_duplicate():
    found = problems([{'ca': CA}, {'address': 'r:5000'}, {'address': 'r:5000'}])
    assert found[0].startswith('registries_trusted[0].address is missing: is not HOST or HOST:PORT')
    assert found[1] == 'registries_trusted[2].address r:5000 is listed twice'


def test_a_ca_that_is_not_pem_and_one_that_expired():
    old, _key = _cert('old CA', days=-2, start=-400)
    found = problems([{'address': 'a:1', 'ca': 'not a certificate'}, {'address': 'b:1', 'ca': old}])
    assert found[0].startswith("registries_trusted[0] (a:1).ca holds no PEM certificate (-----BEGIN CERTIFICATE-----): "
                               "give the PEM of the CA")
    assert found[1].startswith('registries_trusted[1] (b:1).ca: the certificate CN=old CA expired on 2026-12-04')


def test_client_pairs():
    client, key = _cert('client')
    _other_cert, other_key = _cert('other')
    found = problems([{'address': 'a:1', 'client_cert': client},
                      {'address': 'b:1', 'client_cert': client, 'client_key': _key_pem(other_key)},
                      {'address': 'c:1', 'client_cert': client, 'client_key': _key_pem(key, b'secret')},
                      {'address': 'd:1', 'client_cert': 'x', 'client_key': _key_pem(key)}])
    assert found == [
        'registries_trusted[0] (a:1): client_cert and client_key go together (dockerd presents the pair to the '
        'registry); give both or neither',
        'registries_trusted[1] (b:1): client_key does not belong to client_cert',
        'registries_trusted[2] (c:1).client_key is not an unencrypted PEM private key (TypeError): dockerd cannot '
        'read a key with a passphrase',
        'registries_trusted[3] (d:1).client_cert holds no PEM certificate (-----BEGIN CERTIFICATE-----)']
    # No message repeats key material.
    assert not any('PRIVATE KEY' in message for message in found)


def test_unknown_keys_and_wrong_types():
    assert problems([{'address': 'a:1', 'cacert': CA}]) == [
        'registries_trusted[0] (a:1): unknown key(s) cacert; use address, ca, client_cert, client_key, internal']
    assert problems(['a:1']) == ['registries_trusted[0] must be a dict {address: HOST:PORT, ca: PEM}']
    assert problems({'address': 'a'}) == [
        'registries_trusted must be a list of registries ({address: HOST:PORT, ca: PEM}), not dict']


def test_the_filter_is_the_function():
    assert FilterModule().filters()['registry_input_problems']([{'address': 'a b'}])[0].startswith(
        'registries_trusted[0].address "a b"')
