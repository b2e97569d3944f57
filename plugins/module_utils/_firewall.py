# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The remote API's allow-list as an nftables table of the collection's own.

The table (``inet hardened_docker`` by default) has one base chain on the input hook. It accepts the listed TCP ports
from loopback and from the allowed networks and drops them from everywhere else; it touches no other traffic and no
other table, so it coexists with the iptables-nft or nftables chains dockerd makes, and a daemon restart (which
rebuilds dockerd's own chains) leaves it alone. A drop in any base chain on a hook is final, an accept only ends this
chain, so the table can only narrow what other rules allow, never widen it.

The rules file replaces the whole table in one transaction (``table``; ``delete table``; ``table {...}``), so loading
it again is idempotent and never leaves a moment without the rules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

DEFAULT_TABLE = 'hardened_docker'
DEFAULT_RULES_FILE = '/etc/hardened-docker/firewall.nft'
_TABLE_NAME = re.compile(r'^[A-Za-z][A-Za-z0-9_]{0,31}$')


def _text(value):
    try:
        return u'%s' % (value,)
    except Exception:  # pragma: no cover - only for exotic objects
        return repr(value)


def parse_networks(networks):
    """(IPv4 networks, IPv6 networks, problems) of a list of CIDRs or addresses.

    A bare address is its own /32 or /128. Host bits must be zero (``10.0.0.1/8`` is a typo more often than not).
    """
    v4, v6, problems = [], [], []
    if not isinstance(networks, (list, tuple)):
        return v4, v6, ['must be a list of networks like [10.0.0.0/8, 2001:db8::/32], got %s' % _text(networks)]
    for entry in networks:
        text = _text(entry).strip()
        try:
            net = ipaddress.ip_network(text, strict=True)
        except ValueError as exc:
            problems.append('%r is not a network: %s' % (text, exc))
            continue
        (v4 if net.version == 4 else v6).append(net)
    return _collapse(v4), _collapse(v6), problems


def _collapse(nets):
    return [str(n) for n in ipaddress.collapse_addresses(sorted(set(nets)))]


def parse_ports(ports):
    """(sorted unique ports, problems)."""
    out, problems = set(), []
    if not isinstance(ports, (list, tuple)):
        return [], ['must be a list of TCP ports, got %s' % _text(ports)]
    for port in ports:
        try:
            number = int(_text(port))
        except ValueError:
            number = None
        if number is None or not 0 < number < 65536 or isinstance(port, bool):
            problems.append('%s is not a TCP port (1-65535)' % _text(port))
        else:
            out.add(number)
    return sorted(out), problems


def input_problems(allowed_networks, ports, table=DEFAULT_TABLE, networks_var='tls_allowed_networks',
                   ports_var='ports'):
    """One message per problem, each naming the variable; empty when the allow-list can be made."""
    _v4, _v6, net_problems = parse_networks(allowed_networks)
    _ports, port_problems = parse_ports(ports)
    problems = ['%s: %s' % (networks_var, p) for p in net_problems]
    problems += ['%s: %s' % (ports_var, p) for p in port_problems]
    if not _TABLE_NAME.match(_text(table)):
        problems.append('table: %r is not an nftables table name (a letter, then up to 31 letters, digits or _)'
                        % _text(table))
    if not net_problems and isinstance(allowed_networks, (list, tuple)) and allowed_networks and not port_problems \
            and not _ports:
        problems.append('%s is set but there is no port to protect (%s is empty)' % (networks_var, ports_var))
    return problems


def render(allowed_networks, ports, table=DEFAULT_TABLE):
    """The rules file that replaces the table as a whole. Raises ValueError on bad input."""
    problems = input_problems(allowed_networks, ports, table)
    if problems:
        raise ValueError('; '.join(problems))
    v4, v6, _problems = parse_networks(allowed_networks)
    port_list, _problems = parse_ports(ports)
    dports = '{ %s }' % ', '.join(str(p) for p in port_list)
    lines = [
        '# Managed by hardened.docker (tls role): TCP %s only from loopback and the allowed networks.'
        % ', '.join(str(p) for p in port_list),
        '# Loading this file replaces the table inet %s as a whole, in one transaction.' % table,
        'table inet %s' % table,
        'delete table inet %s' % table,
        'table inet %s {' % table,
    ]
    for name, kind, nets in (('allowed_v4', 'ipv4_addr', v4), ('allowed_v6', 'ipv6_addr', v6)):
        lines += ['  set %s {' % name, '    type %s' % kind, '    flags interval']
        if nets:
            lines.append('    elements = { %s }' % ', '.join(nets))
        lines.append('  }')
    lines += [
        # Only the listed ports are judged; every other packet leaves this table untouched.
        '  chain input {',
        '    type filter hook input priority filter - 10; policy accept;',
        '    tcp dport %s jump remote_api' % dports,
        '  }',
        '  chain remote_api {',
        '    iifname "lo" accept',
        '    ip saddr @allowed_v4 accept',
        '    ip6 saddr @allowed_v6 accept',
        '    counter drop comment "hardened.docker: not in the allowed networks"',
        '  }',
        '}',
    ]
    return '\n'.join(lines) + '\n'


def summary(allowed_networks, ports):
    """What the rules do, for the module's return value and the reports."""
    v4, v6, _problems = parse_networks(allowed_networks)
    port_list, _problems = parse_ports(ports)
    return {'ports': port_list, 'allowed_networks': v4 + v6}


def parse_table_listing(text):
    """From ``nft list table inet NAME``: {'ports': [...], 'allowed_networks': [...], 'dropped_packets': N or None}.

    Only understands the layout :func:`render` writes (what the reports read back from the kernel).
    """
    result = {'ports': [], 'allowed_networks': [], 'dropped_packets': None}
    if not text:
        return result
    match = re.search(r'tcp dport (\{[0-9, ]+\}|[0-9]+) jump remote_api', text)
    if match:
        result['ports'] = sorted(int(p) for p in re.findall(r'\d+', match.group(1)))
    for match in re.finditer(r'elements = \{([^}]*)\}', text):
        result['allowed_networks'] += [e.strip() for e in match.group(1).replace('\n', ' ').split(',') if e.strip()]
    match = re.search(r'counter packets (\d+) bytes \d+ drop', text)
    if match:
        result['dropped_packets'] = int(match.group(1))
    return result
