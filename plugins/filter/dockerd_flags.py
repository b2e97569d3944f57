# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter dockerd_without_flags: a thin wrapper around daemon_schema.without_key_flags."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dockerd_without_flags
short_description: A dockerd command line without the flags that set given daemon.json keys
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - Parses a dockerd command line (an C(ExecStart) value, with or without the binary) with the collection's one
    dockerd flag parser (module_utils C(daemon_schema)) and drops every flag that sets one of O(keys), in every
    form dockerd accepts (C(-H fd://), C(-Hfd://), C(--host=...)). The binary, shell variables such as
    C($DOCKER_OPTS) and all other flags stay, in order.
  - The daemon role uses it to start dockerd without the packaged unit's C(-H fd://) when daemon.json sets
    C(hosts).
options:
  _input:
    description: The command line.
    type: str
    required: true
  keys:
    description: daemon.json keys whose flags are removed.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: ExecStart without -H
  ansible.builtin.debug:
    msg: "{{ '/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock' | hardened.docker.dockerd_without_flags(['hosts']) }}"
    # -> /usr/sbin/dockerd --containerd=/run/containerd/containerd.sock
"""

RETURN = r"""
_value:
  description: The command line without those flags.
  type: str
"""

from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema  # noqa: E402


def dockerd_without_flags(text, keys):
    """The command line without the flags that set any of ``keys``."""
    return daemon_schema.without_key_flags(text or '', list(keys or []))


class FilterModule(object):
    """dockerd command line filters."""

    def filters(self):
        return {'dockerd_without_flags': dockerd_without_flags}
