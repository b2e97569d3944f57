# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter daemon_data_guard: a thin wrapper around daemon_config.data_guard."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: daemon_data_guard
short_description: Would a daemon.json change make the host's images, containers or volumes vanish from view?
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - Compares where dockerd keeps its data now with where the new settings put it - C(data-root) and its removed
    alias C(graph), C(storage-driver) and C(userns-remap) - and counts the images, containers and volumes that
    would vanish from view. When dockerd is down, the data-root comes from daemon.json or the flags and the counts
    from the disk.
  - With O(strategy=migrate) only a data-root change is allowed (the data is copied); V(fresh) accepts hiding the
    data (it stays on disk); empty refuses any change that hides data.
options:
  _input:
    description: The host state from M(hardened.docker.docker_host_facts) (subsets V(engine) and V(images)).
    type: dict
    required: true
  current:
    description: The current daemon.json settings.
    type: dict
    required: true
  settings:
    description: What daemon.json becomes.
    type: dict
    required: true
  strategy:
    description: V(''), V(migrate) or V(fresh).
    type: str
    default: ''
"""

EXAMPLES = r"""
- name: Refuse a change that hides the host's data
  ansible.builtin.assert:
    that: _guard.problem is none
    fail_msg: "{{ _guard.problem }}"
  vars:
    _guard: "{{ host_state | hardened.docker.daemon_data_guard(host_state.daemon_json.settings, new_settings) }}"
"""

RETURN = r"""
_value:
  description: >-
    C(changes) (one phrase per change), C(counts) (images, containers, volumes), C(has_data), C(root_now),
    C(root_wanted), C(driver_change), C(migrate), C(daemon_running) and C(problem) (the refusal, or null).
  type: dict
"""

from ansible_collections.hardened.docker.plugins.module_utils import daemon_config  # noqa: E402


def daemon_data_guard(host_state, current, settings, strategy=''):
    """The data guard's verdict."""
    return daemon_config.data_guard(host_state or {}, current or {}, settings or {}, strategy or '')


class FilterModule(object):
    """daemon.json data guard filter."""

    def filters(self):
        return {'daemon_data_guard': daemon_data_guard}
