# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter tls_input_problems: a thin wrapper around _tls.options.input_problems."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: tls_input_problems
short_description: Check certificate requests the way M(hardened.docker.tls_certificate) will, before any is made
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - Runs the option checks of M(hardened.docker.tls_certificate) (kind, key type and size, SANs, validity, names)
    on a list of requests without creating or reading any file, and returns one message per problem.
  - Each request is checked against the module's own argument spec with Ansible's argument spec validator (so an
    option the module refuses gets the message the module would fail with), then by the module's value checks.
  - The tls role's plan uses it so that a bad key size or SAN is refused before anything on any host changes.
options:
  _input:
    description: The requests, each C(what) (a label naming the variables) and C(params) (the module's options; paths
      may be left out).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse an RSA 1024 key before anything is installed
  ansible.builtin.assert:
    that: _problems | length == 0
    fail_msg: "{{ _problems | join('; ') }}"
  vars:
    _problems: >-
      {{ [{'what': 'CA (tls_key_type, tls_key_size)',
           'params': {'kind': 'ca', 'common_name': 'CA', 'key_type': 'rsa', 'key_size': 1024}}]
         | hardened.docker.tls_input_problems }}
"""

RETURN = r"""
_value:
  description: One message per problem, prefixed with the request's C(what); empty when every request is fine.
  type: list
  elements: str
"""

from ansible_collections.hardened.docker.plugins.module_utils._tls import options  # noqa: E402


def tls_input_problems(requests):
    """One message per problem in ``requests``."""
    return options.input_problems(list(requests or []))


class FilterModule(object):
    """TLS plan filters."""

    def filters(self):
        return {'tls_input_problems': tls_input_problems}
