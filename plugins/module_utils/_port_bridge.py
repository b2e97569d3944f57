# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The port bridge of the daemon role: pure rule logic, used by the docker_port_bridge module.

At every start dockerd's bridge driver removes and recreates its iptables chains (nat DOCKER,
filter DOCKER) before it restores the port mappings of live-restored containers; for that
moment a published port refuses connections. The bridge copies dockerd's own rules into
chains of the collection's own (BRIDGE_CHAIN in nat and filter), jumped to from just before
dockerd's jumps (nat PREROUTING and OUTPUT, filter FORWARD), which dockerd's removal never
touches. The jumps carry a deadline (``-m time --datestop``): rules a killed run leaves behind
stop matching by themselves, and the next run removes them.

Only IPv4 (iptables): ip6tables mappings are not bridged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex
import time

BRIDGE_CHAIN = 'HARDENED-DOCKER-BRIDGE'
DOCKER_CHAIN = 'DOCKER'
# Where dockerd jumps to its DOCKER chain, per table.
JUMP_CHAINS = {'nat': ('PREROUTING', 'OUTPUT'), 'filter': ('FORWARD',)}
TABLES = ('nat', 'filter')


def parse_rules(text, chain):
    """The ``-A chain ...`` lines of ``iptables -S`` output as argument lists (without ``-A chain``)."""
    rules = []
    for line in (text or '').splitlines():
        args = shlex.split(line)
        if len(args) >= 2 and args[0] == '-A' and args[1] == chain:
            rules.append(args[2:])
    return rules


def _target(args):
    for index, arg in enumerate(args[:-1]):
        if arg in ('-j', '--jump'):
            return args[index + 1]
    return None


def mapping_key(args):
    """A rule without ``! -i BRIDGE``: dockerd drops that match with userland-proxy false (hairpin)."""
    key, index = [], 0
    while index < len(args):
        if args[index] == '!' and args[index + 1:index + 2] in (['-i'], ['--in-interface']):
            index += 3
            continue
        key.append(args[index])
        index += 1
    return tuple(key)


def deadline(lifetime, now=None):
    """The ``--datestop`` value (UTC, which xt_time uses unless told --kerneltz) ``lifetime`` seconds from now."""
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime((time.time() if now is None else now) + int(lifetime)))


def plan(chains, stop):
    """The bridge for dockerd's current rules.

    ``chains``: {(table, chain): [args, ...]} for nat/filter DOCKER and the JUMP_CHAINS (a chain
    that does not exist is missing or None). Returns the commands in the order they apply:
    [(table, [iptables args]), ...] - chains created and filled first, jumps inserted last -,
    or [] when dockerd has no port mapping (no DNAT rule in nat DOCKER) to bridge, or when nat or
    filter has no jump to DOCKER where dockerd 20.10-27 puts it.
    """
    nat_docker = chains.get(('nat', DOCKER_CHAIN)) or []
    if not any(_target(rule) == 'DNAT' for rule in nat_docker):
        return []
    # A chain layout this bridge does not know (Engine 28 jumps to filter DOCKER from its own
    # DOCKER-FORWARD chains, not from FORWARD): no bridge rather than half of one.
    for table in TABLES:
        if not any(_target(rule) == DOCKER_CHAIN for chain in JUMP_CHAINS[table]
                   for rule in chains.get((table, chain)) or []):
            return []
    commands = []
    for table in TABLES:
        commands.append((table, ['-N', BRIDGE_CHAIN]))
        for rule in chains.get((table, DOCKER_CHAIN)) or []:
            commands.append((table, ['-A', BRIDGE_CHAIN] + list(rule)))
    for table in TABLES:
        for chain in JUMP_CHAINS[table]:
            rules = chains.get((table, chain)) or []
            inserted = 0
            for position, rule in enumerate(rules, start=1):
                if _target(rule) != DOCKER_CHAIN:
                    continue
                # Just before dockerd's own jump, with dockerd's match: the operator's rules
                # before it (DOCKER-USER, DOCKER-ISOLATION in FORWARD) still come first.
                index = rule.index('-j') if '-j' in rule else rule.index('--jump')
                jump = list(rule[:index]) + ['-m', 'time', '--datestop', stop, '-j', BRIDGE_CHAIN]
                commands.append((table, ['-I', chain, str(position + inserted)] + jump))
                inserted += 1
    return commands


def removal(chains, bridge_exists):
    """The commands that remove the bridge: its jumps first, then its chains.

    ``chains``: as for plan(), with the JUMP_CHAINS; ``bridge_exists``: {table: bool}, whether
    BRIDGE_CHAIN exists in that table.
    """
    commands = []
    for table in TABLES:
        for chain in JUMP_CHAINS[table]:
            for rule in chains.get((table, chain)) or []:
                if _target(rule) == BRIDGE_CHAIN:
                    commands.append((table, ['-D', chain] + list(rule)))
    for table in TABLES:
        if bridge_exists.get(table):
            commands.append((table, ['-F', BRIDGE_CHAIN]))
            commands.append((table, ['-X', BRIDGE_CHAIN]))
    return commands


def restored(bridge, docker):
    """Whether dockerd has every mapping the bridge carries back in its own chains.

    ``bridge`` and ``docker``: {table: [args, ...]} of BRIDGE_CHAIN and DOCKER. The DNAT rules
    (nat) and ACCEPT rules (filter) count.
    """
    for table, wanted in (('nat', 'DNAT'), ('filter', 'ACCEPT')):
        have = set(mapping_key(rule) for rule in docker.get(table) or [])
        for rule in bridge.get(table) or []:
            if _target(rule) == wanted and mapping_key(rule) not in have:
                return False
    return True


def _join(args):
    return ' '.join(arg if arg == '!' else shlex.quote(arg) for arg in args)


def describe(commands):
    """The commands as lines for a diff or a message: ``-t nat -A CHAIN ...``."""
    return ['-t %s %s' % (table, _join(args)) for table, args in commands]


def listing(chains):
    """The bridge's rules as they stand, for a diff: {(table, chain): [args]} -> lines."""
    lines = []
    for table in TABLES:
        for rule in chains.get((table, BRIDGE_CHAIN)) or []:
            lines.append('-t %s -A %s %s' % (table, BRIDGE_CHAIN, _join(rule)))
        for chain in JUMP_CHAINS[table]:
            for rule in chains.get((table, chain)) or []:
                if _target(rule) == BRIDGE_CHAIN:
                    lines.append('-t %s -A %s %s' % (table, chain, _join(rule)))
    return lines
