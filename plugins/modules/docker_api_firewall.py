#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: docker_api_firewall
short_description: Accept the Docker remote API's ports only from allowed networks, in an nftables table of its own
version_added: 0.2.0
author:
  - hardened.docker maintainers (!UNKNOWN)
description:
  - Writes an nftables rules file and loads it. The file replaces the table O(table) (family C(inet)) as a whole in one
    transaction; the table has a base chain on the C(input) hook (priority C(filter - 10)) that sends TCP packets for
    O(ports) to a chain that accepts them from loopback and from O(allowed_networks) and drops (and counts) the rest.
  - No other traffic and no other table is touched, so the rules coexist with the chains dockerd makes (iptables-nft
    or nftables), and a daemon restart leaves them alone. A drop in any base chain is final, so the table can only
    narrow what other rules allow.
  - The new file is checked with C(nft --check) before it replaces the old one (atomically), and loaded when it
    changed or when the kernel's table differs from it (for example after a reboot or an C(nft flush ruleset)).
  - With O(published_networks), a second base chain on the C(forward) hook (priority C(filter - 10)) accepts
    connections to published container ports (every forwarded connection that was DNATed on its way in, C(ct status
    dnat), in its original direction) only from those networks and from Docker's bridges (containers reaching a port
    the host publishes), and drops and counts the rest. Docker's documentation puts such rules into the
    C(DOCKER-USER) chain; this table works with dockerd's iptables and nftables backends alike and survives daemon
    restarts.
  - O(state=absent) deletes the table from the kernel and removes the file.
  - Loading the file again at every daemon start (the tls role's C(ExecStartPre=) drop-in, or its block in
    C(/etc/default/docker) without systemd) is up to the caller.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hardened.docker.attributes.linux
attributes:
  check_mode:
    support: full
    details: >-
      Reports whether the file or the kernel's table would change; writes and loads nothing. Without C(nft) (not
      installed yet) it reports the file and the table as to be created.
  diff_mode:
    support: full
    details: The rules file before and after.
options:
  allowed_networks:
    description:
      - Networks (CIDR) or addresses allowed to reach O(ports), IPv4 and IPv6, e.g. C([10.0.0.0/8, 2001:db8::/32]).
      - Host bits must be zero. Loopback is always allowed.
      - An empty list drops every connection to O(ports) that does not come from loopback.
    type: list
    elements: str
    default: []
  ports:
    description:
      - TCP ports to protect, e.g. C([2376]) (the TLS remote API) and dockerd's metrics port.
      - An empty list leaves the host's own ports alone (only the O(published_networks) policy, if any).
    type: list
    elements: int
    default: [2376]
  published_networks:
    description:
      - Networks (CIDR) or addresses that may connect to published container ports, IPv4 and IPv6. Host bits must be
        zero.
      - Null (the default) sets no policy for published ports; an empty list lets only Docker's bridges reach them.
    type: list
    elements: str
  table:
    description: Name of the nftables table (family C(inet)) that is the collection's own.
    type: str
    default: hardened_docker
  rules_file:
    description: Path of the rules file (mode 0600, root).
    type: path
    default: /etc/hardened-docker/firewall.nft
  state:
    description: V(present) writes and loads the rules; V(absent) deletes the table and the file.
    type: str
    choices: [present, absent]
    default: present
requirements:
  - nftables (the C(nft) command) with O(state=present)
seealso:
  - module: hardened.docker.docker_port_bridge
"""

EXAMPLES = r"""
- name: The remote API only from the admin network
  hardened.docker.docker_api_firewall:
    allowed_networks: [10.20.0.0/16]
    ports: [2376]

- name: Published container ports only from the office network, the remote API as it was
  hardened.docker.docker_api_firewall:
    allowed_networks: [10.20.0.0/16]
    ports: [2376]
    published_networks: [192.0.2.0/24]

- name: Remove the allow-list
  hardened.docker.docker_api_firewall:
    state: absent
"""

RETURN = r"""
rules_file:
  description: Path of the rules file.
  returned: always
  type: str
table:
  description: The table, as C(inet NAME).
  returned: always
  type: str
  sample: inet hardened_docker
ports:
  description: The protected ports (sorted, unique).
  returned: always
  type: list
  elements: int
allowed_networks:
  description: The allowed networks, collapsed (IPv4 first).
  returned: always
  type: list
  elements: str
published_policy:
  description: Whether the table has the policy for published container ports.
  returned: always
  type: bool
published_networks:
  description: The networks published container ports accept connections from, collapsed (IPv4 first).
  returned: always
  type: list
  elements: str
published_dropped_packets:
  description: Packets to published ports the table has dropped since it was last loaded (null when unknown or off).
  returned: always
  type: int
file_changed:
  description: Whether the rules file was (or would be) written.
  returned: always
  type: bool
loaded:
  description: Whether the rules were (or would be) loaded into the kernel on this run.
  returned: always
  type: bool
dropped_packets:
  description: Packets the table has dropped since it was last loaded, as the kernel counts them (null when unknown).
  returned: always
  type: int
"""

import ipaddress  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.hardened.docker.plugins.module_utils import _firewall  # noqa: E402
from ansible_collections.hardened.docker.plugins.module_utils.fileutil import atomic_write  # noqa: E402


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8', 'replace')
    except (IOError, OSError):
        return None


def _normal(networks):
    return sorted(str(ipaddress.ip_network(n, strict=False)) for n in networks)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            allowed_networks=dict(type='list', elements='str', default=[]),
            ports=dict(type='list', elements='int', default=[2376]),
            published_networks=dict(type='list', elements='str'),
            table=dict(type='str', default=_firewall.DEFAULT_TABLE),
            rules_file=dict(type='path', default=_firewall.DEFAULT_RULES_FILE),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    table = p['table']
    result = dict(changed=False, rules_file=p['rules_file'], table='inet %s' % table, ports=[], allowed_networks=[],
                  published_policy=False, published_networks=[], file_changed=False, loaded=False,
                  dropped_packets=None, published_dropped_packets=None)
    problems = _firewall.input_problems(p['allowed_networks'], p['ports'] if p['state'] == 'present' else [2376],
                                        table, networks_var='allowed_networks',
                                        published_networks=p['published_networks'])
    if problems:
        module.fail_json(msg='; '.join(problems) + '. Nothing was changed.', **result)
    # Check mode on a host where nftables is not installed yet (the role installs it first) reports the change.
    nft = module.get_bin_path('nft', required=p['state'] == 'present' and not module.check_mode)
    listing = None
    if nft:
        rc, out, _err = module.run_command([nft, 'list', 'table', 'inet', table])
        listing = out if rc == 0 else None
    current = _read(p['rules_file'])

    if p['state'] == 'absent':
        result['file_changed'] = current is not None
        result['loaded'] = listing is not None
        result['changed'] = result['file_changed'] or result['loaded']
        if module._diff:
            result['diff'] = dict(before=current or '', after='', before_header=p['rules_file'], after_header=p['rules_file'])
        if result['changed'] and not module.check_mode:
            if listing is not None:
                rc, _out, err = module.run_command([nft, 'delete', 'table', 'inet', table])
                if rc != 0:
                    module.fail_json(msg='nft delete table inet %s failed: %s' % (table, err.strip()), **result)
            if current is not None:
                os.unlink(p['rules_file'])
        module.exit_json(**result)

    content = _firewall.render(p['allowed_networks'], p['ports'], table, p['published_networks'])
    wanted = _firewall.summary(p['allowed_networks'], p['ports'], p['published_networks'])
    result.update(wanted)
    kernel = _firewall.parse_table_listing(listing)
    in_kernel = listing is not None and kernel['ports'] == wanted['ports'] \
        and _normal(kernel['allowed_networks']) == _normal(wanted['allowed_networks']) \
        and kernel['published_policy'] == wanted['published_policy'] \
        and _normal(kernel['published_networks']) == _normal(wanted['published_networks'])
    result['dropped_packets'] = kernel['dropped_packets']
    result['published_dropped_packets'] = kernel['published_dropped_packets']
    result['file_changed'] = current != content
    result['loaded'] = result['file_changed'] or not in_kernel
    result['changed'] = result['loaded']
    if module._diff:
        result['diff'] = dict(before=current or '', after=content, before_header=p['rules_file'],
                              after_header=p['rules_file'])
    if module.check_mode or not result['changed']:
        module.exit_json(**result)

    directory = os.path.dirname(p['rules_file'])
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    if result['file_changed']:
        # Check the new rules with nft before they replace the old file.
        fd, candidate = tempfile.mkstemp(prefix='.firewall-', suffix='.nft', dir=directory)
        try:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(content.encode('utf-8'))
            rc, _out, err = module.run_command([nft, '--check', '--file', candidate])
        finally:
            os.unlink(candidate)
        if rc != 0:
            module.fail_json(msg='nft --check refused the rules (the old file and table are unchanged): %s'
                             % err.strip(), **result)
        atomic_write(p['rules_file'], content.encode('utf-8'), 0o600)
    rc, _out, err = module.run_command([nft, '--file', p['rules_file']])
    if rc != 0:
        module.fail_json(msg='nft --file %s failed: %s' % (p['rules_file'], err.strip()), **result)
    rc, out, _err = module.run_command([nft, 'list', 'table', 'inet', table])
    kernel = _firewall.parse_table_listing(out if rc == 0 else None)
    result.update(dropped_packets=kernel['dropped_packets'], published_dropped_packets=kernel['published_dropped_packets'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
