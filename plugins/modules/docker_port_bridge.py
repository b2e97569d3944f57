#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: docker_port_bridge
short_description: Keep published container ports answering while dockerd restarts with live-restore
version_added: 0.1.0
author:
  - hardened.docker maintainers (!UNKNOWN)
description:
  - At every start dockerd's bridge driver removes and recreates its iptables chains (C(nat DOCKER), C(filter DOCKER))
    before it restores the port mappings of the live-restored containers, and C(docker-proxy) dies with the old
    dockerd; for that moment a published port refuses new connections.
  - O(state=present) copies dockerd's own rules of C(nat DOCKER) and C(filter DOCKER) into chains of the collection's
    own, C(HARDENED-DOCKER-BRIDGE) in C(nat) and C(filter), and jumps to them from just before each of dockerd's
    jumps to C(DOCKER) (C(nat PREROUTING) and C(OUTPUT), C(filter FORWARD)), with the same match; dockerd's removal
    does not touch them, and the operator's rules before dockerd's (C(DOCKER-USER)) still come first.
  - Every jump carries a deadline (C(-m time --datestop), O(lifetime)), so that rules a killed run leaves behind stop
    matching by themselves, and the next O(state=absent) removes them. A kernel without the C(time) match gets no
    bridge (nothing is left half-made).
  - O(state=absent) removes the bridge, when O(wait) is set first waiting until dockerd has every mapping the bridge
    carries back in its own chains. It is a no-op when there is no bridge.
  - Nothing happens without an C(iptables) binary, or without port mappings in C(nat DOCKER) (dockerd does not
    manage iptables, or nothing is published), or when C(nat PREROUTING)/C(OUTPUT) or C(filter FORWARD) has no jump
    to C(DOCKER) (the layout of Engine 20.10 to 27; Engine 28 reaches C(filter DOCKER) through its own
    C(DOCKER-FORWARD) chains), rather than half a bridge. Only IPv4, ip6tables mappings are not bridged.
  - A failure to insert a rule never fails the task; what was inserted is removed again and a warning says why.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hardened.docker.attributes.linux
attributes:
  check_mode:
    support: full
    details: Reports the rules it would insert or remove.
  diff_mode:
    support: full
    details: The bridge's rules before and after.
options:
  state:
    description:
      - V(present) puts the bridge up for dockerd's current mappings (replacing one that is already there);
        V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  lifetime:
    description:
      - With O(state=present), seconds after which the bridge's jumps stop matching, whatever happens to the run.
    type: int
    default: 300
  wait:
    description:
      - With O(state=absent), seconds to wait for dockerd's own mappings to be back before the bridge is removed
        (it is removed after that time in any case). V(0) removes it at once.
    type: int
    default: 0
notes:
  - The daemon role calls it around a restart with running containers and live-restore, when dockerd manages
    iptables; see the role's README.
"""

EXAMPLES = r"""
- name: Keep the published ports answering across the restart
  hardened.docker.docker_port_bridge:
    state: present

- name: Restart docker
  ansible.builtin.systemd_service:
    name: docker.service
    state: restarted

- name: Remove the bridge once dockerd has its mappings back
  hardened.docker.docker_port_bridge:
    state: absent
    wait: 30
"""

RETURN = r"""
rules:
  description: The bridge's rules, as iptables arguments (V(-t nat -A HARDENED-DOCKER-BRIDGE ...)) (the ones inserted, or the ones removed).
  returned: always
  type: list
  elements: str
expires:
  description: The deadline of the jumps (UTC, C(--datestop)), with O(state=present) and a bridge.
  returned: always
  type: str
restored:
  description: With O(state=absent) and a bridge, whether dockerd had every mapping back before the bridge was removed.
  returned: always
  type: bool
waited:
  description: Seconds waited for dockerd's mappings.
  returned: always
  type: float
msg:
  description: What was done and why.
  returned: always
  type: str
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardened.docker.plugins.module_utils import _port_bridge as pb


class Tables(object):
    def __init__(self, module, iptables):
        self.module = module
        self.iptables = iptables

    def run(self, table, args):
        return self.module.run_command([self.iptables, '-w', '5', '-t', table] + list(args))

    def chain(self, table, chain):
        """The chain's rules, or None when it does not exist."""
        rc, out, _err = self.run(table, ['-S', chain])
        return pb.parse_rules(out, chain) if rc == 0 else None

    def read(self, names):
        chains = {}
        for table in pb.TABLES:
            for chain in tuple(pb.JUMP_CHAINS[table]) + tuple(names):
                chains[(table, chain)] = self.chain(table, chain)
        return chains

    def apply(self, commands):
        """Run the commands; the first failure's message, or None."""
        for table, args in commands:
            rc, out, err = self.run(table, args)
            if rc != 0:
                return '%s (%s)' % (pb.describe([(table, args)])[0], (err or out).strip())
        return None


def _listing_of(commands):
    lines = []
    for table, args in commands:
        if args[0] == '-A':
            lines.append(pb.describe([(table, args)])[0])
        elif args[0] == '-I':
            lines.append(pb.describe([(table, ['-A', args[1]] + args[3:])])[0])
    return lines


def _remove(module, tables, current):
    exists = dict((table, current.get((table, pb.BRIDGE_CHAIN)) is not None) for table in pb.TABLES)
    commands = pb.removal(current, exists)
    if commands and not module.check_mode:
        problem = tables.apply(commands)
        if problem:
            module.fail_json(msg='Could not remove the port bridge (%s); remove the %s chains by hand'
                             % (problem, pb.BRIDGE_CHAIN), rules=pb.listing(current))
    return commands


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            lifetime=dict(type='int', default=300),
            wait=dict(type='int', default=0),
        ),
        supports_check_mode=True,
    )
    state = module.params['state']
    result = dict(changed=False, rules=[], expires='', restored=False, waited=0.0)
    iptables = module.get_bin_path('iptables')
    if not iptables:
        module.exit_json(msg='no iptables binary: nothing to bridge', **result)
    tables = Tables(module, iptables)
    current = tables.read([pb.BRIDGE_CHAIN, pb.DOCKER_CHAIN])
    before = pb.listing(current)

    if state == 'absent':
        if not before and all(current.get((t, pb.BRIDGE_CHAIN)) is None for t in pb.TABLES):
            module.exit_json(msg='no port bridge', **result)
        started = time.time()
        if module.params['wait'] > 0 and not module.check_mode:
            while True:
                result['restored'] = pb.restored(
                    dict((t, current.get((t, pb.BRIDGE_CHAIN))) for t in pb.TABLES),
                    dict((t, tables.chain(t, pb.DOCKER_CHAIN)) for t in pb.TABLES))
                if result['restored'] or time.time() - started >= module.params['wait']:
                    break
                time.sleep(0.1)
            current = tables.read([pb.BRIDGE_CHAIN, pb.DOCKER_CHAIN])
            before = pb.listing(current)
        result['waited'] = round(time.time() - started, 2)
        _remove(module, tables, current)
        result.update(changed=True, rules=before,
                      msg='port bridge removed (%s)' % ('dockerd had its port mappings back' if result['restored']
                                                        else 'without waiting for dockerd' if not module.params['wait']
                                                        else 'dockerd did not have every mapping back after %ss'
                                                        % module.params['wait']))
        if module.params['wait'] and not result['restored'] and not module.check_mode:
            module.warn('dockerd did not restore every published port the bridge carried within %ss' % module.params['wait'])
        result['diff'] = dict(before='\n'.join(before) + ('\n' if before else ''), after='')
        module.exit_json(**result)

    # present: a bridge already there (a run that was stopped) is replaced by one for dockerd's current rules.
    stop = pb.deadline(module.params['lifetime'])
    commands = pb.plan(current, stop)
    removed = bool(before) or any(current.get((t, pb.BRIDGE_CHAIN)) is not None for t in pb.TABLES)
    after = _listing_of(commands)
    result['diff'] = dict(before='\n'.join(before) + ('\n' if before else ''),
                          after='\n'.join(after) + ('\n' if after else ''))
    if not commands:
        if removed:
            _remove(module, tables, current)
        result.update(changed=removed, rules=[],
                      msg='no port mapping in nat %s (nothing published, or dockerd does not manage iptables), or '
                          'jumps to it where this bridge does not know them: no port bridge' % pb.DOCKER_CHAIN)
        module.exit_json(**result)
    result.update(changed=True, rules=after, expires=stop)
    if module.check_mode:
        module.exit_json(msg='would put up the port bridge until %s UTC' % stop, **result)
    if removed:
        _remove(module, tables, current)
    problem = tables.apply(commands)
    if problem:
        _remove(module, tables, tables.read([pb.BRIDGE_CHAIN]))
        module.warn('no port bridge: %s' % problem)
        result.update(changed=removed, rules=[], expires='', msg='no port bridge: %s' % problem)
        result['diff']['after'] = ''
        module.exit_json(**result)
    module.exit_json(msg='port bridge up until %s UTC' % stop, **result)


if __name__ == '__main__':
    main()
