# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/_tls/names.py: subject alternative names."""

from __future__ import annotations

import pytest

from ansible_collections.hardened.docker.plugins.module_utils._tls import common, names


@pytest.mark.parametrize('entry', [
    'docker1.example.com', '192.0.2.1', 'DNS:', 'DNS:-bad.example.com', 'DNS:bad-.example.com',
    'DNS:exa mple.com', 'DNS:under_score.example.com', 'DNS:*.com', 'DNS:a.*.example.com', 'DNS:example.com.',
    'DNS:b\u00fccher.example', 'DNS:' + 'a' * 64 + '.com', 'IP:300.1.1.1', 'IP:10.0.0.0/8', 'IP:fe80::1%eth0',
    'IP:2001:db8::g', 'IP:', 'URI:https://example.com', 'email:root@example.com', 42,
])
def test_bad_subject_alt_names_are_refused(entry):
    with pytest.raises(common.TLSError, match='invalid subject_alt_names entry'):
        names.parse_subject_alt_names([entry])


def test_bad_san_hint():
    with pytest.raises(common.TLSError, match='did you mean IP:192.0.2.1'):
        names.parse_subject_alt_names(['192.0.2.1'])
    with pytest.raises(common.TLSError, match='did you mean DNS:docker1'):
        names.parse_subject_alt_names(['docker1'])


def test_good_subject_alt_names_are_normalised():
    assert names.parse_subject_alt_names([
        'DNS:Docker1.Example.com', ' dns:localhost ', 'DNS:*.swarm.example.com', 'IP:192.0.2.1',
        'IP:2001:0DB8:0000::0001', 'IP:[::1]', 'ip:::ffff:192.0.2.1', 'DNS:localhost',
    ]) == [
        'DNS:docker1.example.com', 'DNS:localhost', 'DNS:*.swarm.example.com', 'IP:192.0.2.1',
        'IP:2001:db8::1', 'IP:::1', 'IP:::ffff:c000:201',
    ]
