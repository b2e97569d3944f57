# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter daemon_restart_plan: a thin wrapper around daemon_schema.restart_plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: daemon_restart_plan
short_description: What applying new daemon.json settings does to the running containers
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - Compares the current daemon.json with the new settings and says, for the running containers, which changed
    keys they do not get (keys applied when a container is created, such as C(default-ulimits),
    C(no-new-privileges), C(log-driver), C(log-opts), C(dns)), which network keys (C(icc), C(bip), C(mtu), ...)
    wait until dockerd starts with no container running, whether live-restore must be turned on with a reload
    before a restart, and whether the restart must be refused because it would stop them.
  - The daemon role decides with it; the logic is module_utils C(daemon_schema.restart_plan).
options:
  _input:
    description: The current daemon.json settings (V({}) when there is none).
    type: dict
    required: true
  new_settings:
    description: The new, complete daemon.json settings.
    type: dict
    required: true
  containers:
    description: The running containers (dicts with C(name), as M(hardened.docker.docker_host_facts) returns them).
    type: list
    elements: raw
    required: true
  live_restore_active:
    description: Whether the running daemon has live-restore on (C(docker info) C(LiveRestoreEnabled)).
    type: bool
    required: true
  restart_needed:
    description: Whether applying the change restarts dockerd.
    type: bool
    required: true
  allow_running:
    description: Accept that a restart without live-restore stops the running containers.
    type: bool
    default: false
  data_moves:
    description: The change moves the data (a migrate); C(data-root), C(graph), C(storage-driver) and C(userns-remap) changes count anyway.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: What a restart would do
  ansible.builtin.debug:
    msg: >-
      {{ {'log-driver': 'json-file'} | hardened.docker.daemon_restart_plan({'live-restore': true, 'icc': false},
         [{'name': 'web'}], false, true) }}
    # -> live_restore_first: true, new_containers_only: [log-driver], networks_kept: [icc], refuse: false
"""

RETURN = r"""
_value:
  description: >-
    C(running), C(changed_keys), C(new_containers_only), C(networks_kept), C(live_restore_wanted),
    C(live_restore_active), C(live_restore_first), C(restart_needed), C(refuse) and C(message).
  type: dict
"""

from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema  # noqa: E402


def daemon_restart_plan(old_settings, new_settings, containers, live_restore_active, restart_needed,
                        allow_running=False, data_moves=False):
    """See daemon_schema.restart_plan."""
    return daemon_schema.restart_plan(old_settings, new_settings, containers, live_restore_active,
                                      restart_needed, allow_running=allow_running, data_moves=data_moves)


class FilterModule(object):
    """Daemon restart planning filters."""

    def filters(self):
        return {'daemon_restart_plan': daemon_restart_plan}
