# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter unsafe_path_components: a thin wrapper around daemon_config.path_component_problem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: unsafe_path_components
short_description: The names that are not safe as one path component
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - Keeps the names that must not become one file or directory name under a base directory - empty, C(.), C(..),
    or containing C(/), C(..) or a NUL byte - so that a role refuses them before it writes anything.
  - The tls role uses it for client names and the inventory host name.
options:
  _input:
    description: The names.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse client names that would leave the client directory
  ansible.builtin.assert:
    that: tls_clients | map(attribute='name') | hardened.docker.unsafe_path_components | length == 0
"""

RETURN = r"""
_value:
  description: The unsafe names, in their order.
  type: list
  elements: str
"""

from ansible_collections.hardened.docker.plugins.module_utils import daemon_config  # noqa: E402


def unsafe_path_components(names):
    """The names that daemon_config.path_component_problem refuses."""
    return [name for name in (names or []) if daemon_config.path_component_problem(name) is not None]


class FilterModule(object):
    """Path component filters."""

    def filters(self):
        return {'unsafe_path_components': unsafe_path_components}
