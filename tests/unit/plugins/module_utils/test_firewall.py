# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The remote API's allow-list: input checks, the rules file and reading the kernel's table back.

That the kernel takes the rules file and drops what it should is proven by the tls scenario on a real host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hardened.docker.plugins.filter.firewall_input_problems import firewall_input_problems
from ansible_collections.hardened.docker.plugins.module_utils import _firewall as fw


def test_networks_are_split_by_family_collapsed_and_addresses_become_hosts():
    v4, v6, problems = fw.parse_networks(['10.1.0.0/16', '10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '2001:db8:1::/48'])
    assert (v4, v6, problems) == (['10.0.0.0/8', '192.0.2.7/32'], ['2001:db8::/32'], [])


@pytest.mark.parametrize('networks, needle', [
    (['10.0.0.1/8'], "'10.0.0.1/8' is not a network: 10.0.0.1/8 has host bits set"),
    (['10.0.0.0/33'], "'10.0.0.0/33' is not a network"),
    (['office'], "'office' is not a network"),
    ('10.0.0.0/8', 'must be a list of networks'),
])
def test_bad_networks_are_named_with_the_variable(networks, needle):
    problems = firewall_input_problems(networks, [2376])
    assert len(problems) == 1 and problems[0].startswith('tls_allowed_networks: ') and needle in problems[0], problems


@pytest.mark.parametrize('ports, needle', [
    ([0], '0 is not a TCP port'),
    ([65536], '65536 is not a TCP port'),
    (['api'], 'api is not a TCP port'),
    ([True], 'True is not a TCP port'),
])
def test_bad_ports(ports, needle):
    problems = firewall_input_problems(['10.0.0.0/8'], ports, ports_var='tls_role_firewall_ports')
    assert problems == ['tls_role_firewall_ports: %s (1-65535)' % needle]


def test_a_table_name_nft_would_refuse_and_no_port():
    assert 'is not an nftables table name' in fw.input_problems([], [2376], table='hardened-docker')[0]
    assert fw.input_problems(['10.0.0.0/8'], []) == [
        'tls_allowed_networks is set but there is no port to protect (ports is empty)']
    assert fw.input_problems([], [2376]) == []


def test_render_replaces_the_table_and_judges_only_the_ports():
    text = fw.render(['192.0.2.0/24', '2001:db8::1'], [9323, 2376, 2376])
    lines = [line.strip() for line in text.splitlines()]
    # Idempotent reload in one transaction: make sure it exists, delete it, define it again.
    assert lines[2:5] == ['table inet hardened_docker', 'delete table inet hardened_docker',
                          'table inet hardened_docker {']
    assert 'elements = { 192.0.2.0/24 }' in lines and 'elements = { 2001:db8::1/128 }' in lines
    assert 'type filter hook input priority filter - 10; policy accept;' in lines
    # Nothing but TCP to the listed ports reaches the drop.
    assert 'tcp dport { 2376, 9323 } jump remote_api' in lines
    chain = lines[lines.index('chain remote_api {') + 1:]
    assert chain[:4] == ['iifname "lo" accept', 'ip saddr @allowed_v4 accept', 'ip6 saddr @allowed_v6 accept',
                         'counter drop comment "hardened.docker: not in the allowed networks"']


def test_render_with_no_network_has_empty_sets_and_refuses_bad_input():
    text = fw.render([], [2376])
    assert 'elements' not in text and 'tcp dport { 2376 } jump remote_api' in text
    with pytest.raises(ValueError, match='has host bits set'):
        fw.render(['10.0.0.1/8'], [2376])


# What `nft list table inet hardened_docker` printed for the rendered file (nftables 1.0.6, Debian 12).
LISTING = """table inet hardened_docker {
\tset allowed_v4 {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 10.0.0.0/8, 172.17.0.1 }
\t}

\tset allowed_v6 {
\t\ttype ipv6_addr
\t\tflags interval
\t\telements = { 2001:db8::/32 }
\t}

\tchain input {
\t\ttype filter hook input priority filter - 10; policy accept;
\t\ttcp dport { 2376, 9323 } jump remote_api
\t}

\tchain remote_api {
\t\tiifname "lo" accept
\t\tip saddr @allowed_v4 accept
\t\tip6 saddr @allowed_v6 accept
\t\tcounter packets 3 bytes 180 drop comment "hardened.docker: not in the allowed networks"
\t}
}
"""


def test_parse_table_listing_reads_ports_networks_and_the_drop_counter():
    assert fw.parse_table_listing(LISTING) == {'ports': [2376, 9323],
                                               'allowed_networks': ['10.0.0.0/8', '172.17.0.1', '2001:db8::/32'],
                                               'dropped_packets': 3, 'published_policy': False,
                                               'published_networks': [], 'published_dropped_packets': None}
    one_port = LISTING.replace('{ 2376, 9323 }', '2376')
    assert fw.parse_table_listing(one_port)['ports'] == [2376]
    assert fw.parse_table_listing(None) == {'ports': [], 'allowed_networks': [], 'dropped_packets': None,
                                            'published_policy': False, 'published_networks': [],
                                            'published_dropped_packets': None}


# The same table with the policy for published container ports, as nft lists it.
LISTING_PUBLISHED = LISTING[:-2] + """
\tset published_v4 {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 192.0.2.0/24 }
\t}

\tset published_v6 {
\t\ttype ipv6_addr
\t\tflags interval
\t}

\tchain forward {
\t\ttype filter hook forward priority filter - 10; policy accept;
\t\tct status dnat ct direction original jump published
\t}

\tchain published {
\t\tiifname "docker0" accept
\t\tiifname "br-*" accept
\t\tip saddr @published_v4 accept
\t\tip6 saddr @published_v6 accept
\t\tcounter packets 7 bytes 420 drop comment "hardened.docker: published port, not from the published networks"
\t}
}
"""


def test_parse_table_listing_tells_the_two_policies_apart():
    found = fw.parse_table_listing(LISTING_PUBLISHED)
    assert found == {'ports': [2376, 9323], 'allowed_networks': ['10.0.0.0/8', '172.17.0.1', '2001:db8::/32'],
                     'dropped_packets': 3, 'published_policy': True, 'published_networks': ['192.0.2.0/24'],
                     'published_dropped_packets': 7}


def test_render_the_published_port_policy():
    text = fw.render([], [], published_networks=['192.0.2.0/24', '2001:db8::/32'])
    lines = [line.strip() for line in text.splitlines()]
    # Without an allow-list for the remote API there is no input chain at all.
    assert 'chain input {' not in lines and 'chain remote_api {' not in lines
    assert lines[0] == '# Managed by hardened.docker (tls role): published container ports only from the published networks.'
    assert 'type filter hook forward priority filter - 10; policy accept;' in lines
    # Only connections dockerd's published ports DNATed, in their original direction.
    assert 'ct status dnat ct direction original jump published' in lines
    chain = lines[lines.index('chain published {') + 1:]
    assert chain[:5] == ['iifname "docker0" accept', 'iifname "br-*" accept', 'ip saddr @published_v4 accept',
                         'ip6 saddr @published_v6 accept',
                         'counter drop comment "hardened.docker: published port, not from the published networks"']
    assert 'elements = { 192.0.2.0/24 }' in lines and 'elements = { 2001:db8::/32 }' in lines
    both = fw.render(['10.0.0.0/8'], [2376], published_networks=[])
    assert 'jump remote_api' in both and 'jump published' in both
    assert fw.summary(['10.0.0.0/8'], [2376], published_networks=[]) == {
        'ports': [2376], 'allowed_networks': ['10.0.0.0/8'], 'published_policy': True, 'published_networks': []}
    assert fw.summary([], [2376])['published_policy'] is False


def test_bad_published_networks_are_named_with_the_variable():
    assert firewall_input_problems([], [], published_networks=['10.0.0.1/8']) == [
        "tls_published_networks: '10.0.0.1/8' is not a network: 10.0.0.1/8 has host bits set"]
    assert firewall_input_problems([], [], published_networks=None) == []
