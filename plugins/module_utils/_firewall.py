# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The remote API's allow-list as an nftables table of the collection's own.

The table (``inet hardened_docker`` by default) has a base chain on the input hook. It accepts the listed TCP ports
from loopback and from the allowed networks and drops them from everywhere else; it touches no other traffic and no
other table, so it coexists with the iptables-nft or nftables chains dockerd makes, and a daemon restart (which
rebuilds dockerd's own chains) leaves it alone. A drop in any base chain on a hook is final, an accept only ends this
chain, so the table can only narrow what other rules allow, never widen it.

With a policy for published container ports, a second base chain on the forward hook judges every connection that
was DNATed on its way in (``ct status dnat``: what dockerd's published ports are) and that does not come from a Docker
bridge (containers reaching a published port of the host): it is accepted from the published networks only. This is
what Docker's documentation puts into the DOCKER-USER chain, here in the collection's own table, so that it works with
iptables and with dockerd's nftables backend alike and survives daemon restarts.

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
                   ports_var='ports', published_networks=None, published_var='published_networks'):
    """One message per problem, each naming the variable; empty when the allow-list can be made.

    ``published_networks`` None means no policy for published container ports.
    """
    _v4, _v6, net_problems = parse_networks(allowed_networks)
    _ports, port_problems = parse_ports(ports)
    problems = ['%s: %s' % (networks_var, p) for p in net_problems]
    problems += ['%s: %s' % (ports_var, p) for p in port_problems]
    if published_networks is not None:
        problems += ['%s: %s' % (published_var, p) for p in parse_networks(published_networks)[2]]
    if not _TABLE_NAME.match(_text(table)):
        problems.append('table: %r is not an nftables table name (a letter, then up to 31 letters, digits or _)'
                        % _text(table))
    if not net_problems and isinstance(allowed_networks, (list, tuple)) and allowed_networks and not port_problems \
            and not _ports:
        problems.append('%s is set but there is no port to protect (%s is empty)' % (networks_var, ports_var))
    return problems


#: The comments of the two drop rules, by which the reports tell their counters apart.
REMOTE_API_DROP = 'hardened.docker: not in the allowed networks'
PUBLISHED_DROP = 'hardened.docker: published port, not from the published networks'


def _sets(prefix, networks):
    v4, v6, _problems = parse_networks(networks)
    lines = []
    for name, kind, nets in (('%s_v4' % prefix, 'ipv4_addr', v4), ('%s_v6' % prefix, 'ipv6_addr', v6)):
        lines += ['  set %s {' % name, '    type %s' % kind, '    flags interval']
        if nets:
            lines.append('    elements = { %s }' % ', '.join(nets))
        lines.append('  }')
    return lines


def render(allowed_networks, ports, table=DEFAULT_TABLE, published_networks=None):
    """The rules file that replaces the table as a whole. Raises ValueError on bad input.

    No ``ports``: no remote API chain. ``published_networks`` None: no policy for published container ports.
    """
    problems = input_problems(allowed_networks, ports, table, published_networks=published_networks)
    if problems:
        raise ValueError('; '.join(problems))
    port_list, _problems = parse_ports(ports)
    what = ['TCP %s only from loopback and the allowed networks' % ', '.join(str(p) for p in port_list)] \
        if port_list else []
    if published_networks is not None:
        what.append('published container ports only from the published networks')
    lines = [
        '# Managed by hardened.docker (tls role): %s.' % '; '.join(what),
        '# Loading this file replaces the table inet %s as a whole, in one transaction.' % table,
        'table inet %s' % table,
        'delete table inet %s' % table,
        'table inet %s {' % table,
    ]
    if port_list:
        lines += _sets('allowed', allowed_networks) + [
            # Only the listed ports are judged; every other packet leaves this table untouched.
            '  chain input {',
            '    type filter hook input priority filter - 10; policy accept;',
            '    tcp dport { %s } jump remote_api' % ', '.join(str(p) for p in port_list),
            '  }',
            '  chain remote_api {',
            '    iifname "lo" accept',
            '    ip saddr @allowed_v4 accept',
            '    ip6 saddr @allowed_v6 accept',
            '    counter drop comment "%s"' % REMOTE_API_DROP,
            '  }',
        ]
    if published_networks is not None:
        lines += _sets('published', published_networks) + [
            # Connections DNATed on their way in (published ports), in their original direction only.
            '  chain forward {',
            '    type filter hook forward priority filter - 10; policy accept;',
            '    ct status dnat ct direction original jump published',
            '  }',
            '  chain published {',
            # Containers on a Docker bridge reaching a port the host publishes.
            '    iifname "docker0" accept',
            '    iifname "br-*" accept',
            '    ip saddr @published_v4 accept',
            '    ip6 saddr @published_v6 accept',
            '    counter drop comment "%s"' % PUBLISHED_DROP,
            '  }',
        ]
    lines.append('}')
    return '\n'.join(lines) + '\n'


def summary(allowed_networks, ports, published_networks=None):
    """What the rules do, for the module's return value and the reports."""
    v4, v6, _problems = parse_networks(allowed_networks)
    port_list, _problems = parse_ports(ports)
    found = {'ports': port_list, 'allowed_networks': v4 + v6 if port_list else [],
             'published_policy': published_networks is not None, 'published_networks': []}
    if published_networks is not None:
        p4, p6, _problems = parse_networks(published_networks)
        found['published_networks'] = p4 + p6
    return found


def _dropped(text, comment):
    match = re.search(r'counter packets (\d+) bytes \d+ drop comment "%s"' % re.escape(comment), text)
    return int(match.group(1)) if match else None


def parse_table_listing(text):
    """From ``nft list table inet NAME``: the ``ports`` and ``allowed_networks`` of the remote API, its
    ``dropped_packets``; ``published_policy``, the ``published_networks`` and ``published_dropped_packets``.

    Only understands the layout :func:`render` writes (what the reports read back from the kernel).
    """
    result = {'ports': [], 'allowed_networks': [], 'dropped_packets': None, 'published_policy': False,
              'published_networks': [], 'published_dropped_packets': None}
    if not text:
        return result
    match = re.search(r'tcp dport (\{[0-9, ]+\}|[0-9]+) jump remote_api', text)
    if match:
        result['ports'] = sorted(int(p) for p in re.findall(r'\d+', match.group(1)))
    for match in re.finditer(r'set (allowed|published)_v[46] \{[^}]*?elements = \{([^}]*)\}', text):
        key = 'allowed_networks' if match.group(1) == 'allowed' else 'published_networks'
        result[key] += [e.strip() for e in match.group(2).replace('\n', ' ').split(',') if e.strip()]
    result['dropped_packets'] = _dropped(text, REMOTE_API_DROP)
    result['published_policy'] = 'jump published' in text
    result['published_dropped_packets'] = _dropped(text, PUBLISHED_DROP)
    return result
