# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter registry_input_problems: a thin wrapper around _registries.input_problems."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: registry_input_problems
short_description: Check the registries a Docker host is to trust, before anything is installed
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - Checks the registries role's O(_input) on the controller without touching any host, and returns one message per
    problem, each naming the entry and the fix.
  - Each C(address) must be C(HOST) or C(HOST:PORT) as in an image name, and listed once; C(ca) and C(client_cert) must be
    PEM certificates that have not expired; C(client_cert) and C(client_key) go together, the key unencrypted and
    belonging to the certificate. Messages never repeat a key.
requirements:
  - cryptography (on the controller)
options:
  _input:
    description: The registries (the role's C(registries_trusted)), each C(address), C(ca), C(client_cert), C(client_key)
      and C(internal).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse a registry entry the role could not install
  ansible.builtin.assert:
    that: _problems | length == 0
    fail_msg: "{{ _problems | join(' ') }}"
  vars:
    _problems: "{{ registries_trusted | hardened.docker.registry_input_problems }}"
"""

RETURN = r"""
_value:
  description: One message per problem; empty when every entry is fine.
  type: list
  elements: str
"""

from ansible_collections.hardened.docker.plugins.module_utils import _registries  # noqa: E402


def registry_input_problems(entries):
    """One message per problem in ``entries``."""
    return _registries.input_problems(entries)


class FilterModule(object):
    """Registry trust filters."""

    def filters(self):
        return {'registry_input_problems': registry_input_problems}
