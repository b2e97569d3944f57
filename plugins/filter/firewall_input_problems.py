# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter firewall_input_problems: a thin wrapper around _firewall.input_problems."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: firewall_input_problems
short_description: Check a remote-API allow-list the way M(hardened.docker.docker_api_firewall) will
version_added: 0.2.0
author:
  - hardened.docker maintainers
description:
  - Checks the networks (CIDR or addresses, host bits zero) and the TCP ports without touching any host, and returns
    one message per problem, each naming the variable.
  - The tls role's plan uses it, so that a typo in C(tls_allowed_networks) is refused before anything on any host
    changes.
options:
  _input:
    description: The allowed networks (C(tls_allowed_networks)).
    type: list
    elements: str
    required: true
  ports:
    description: The TCP ports the allow-list protects.
    type: list
    elements: int
    required: true
  ports_var:
    description: The name of the variable the ports come from, for the messages.
    type: str
    default: ports
  published_networks:
    description: The networks published container ports accept connections from (C(tls_published_networks)); null
      for no such policy.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Refuse a typo in the allow-list
  ansible.builtin.assert:
    that: _problems | length == 0
    fail_msg: "{{ _problems | join('; ') }}"
  vars:
    _problems: "{{ ['10.0.0.1/8'] | hardened.docker.firewall_input_problems([2376]) }}"
"""

RETURN = r"""
_value:
  description: One message per problem; empty when the allow-list can be made.
  type: list
  elements: str
"""

from ansible_collections.hardened.docker.plugins.module_utils import _firewall  # noqa: E402


def firewall_input_problems(networks, ports, ports_var='ports', published_networks=None):
    """One message per problem in the allow-list and the published-port policy."""
    return _firewall.input_problems(networks, ports, ports_var=ports_var, published_networks=published_networks,
                                    published_var='tls_published_networks')


class FilterModule(object):
    """Firewall plan filters."""

    def filters(self):
        return {'firewall_input_problems': firewall_input_problems}
