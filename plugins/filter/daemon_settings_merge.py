# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter daemon_settings_merge: a thin wrapper around daemon_config.merge_settings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: daemon_settings_merge
short_description: What daemon.json becomes when the wanted settings meet the keys already in the file
version_added: 0.1.0
author:
  - hardened.docker maintainers
description:
  - With O(mode=merge), every key of the current daemon.json that the wanted settings do not mention is kept;
    nested objects such as C(log-opts) merge key by key. A wanted value of V(null) removes that key.
  - With O(mode=replace), only the wanted settings are written.
  - The daemon role uses it so that nothing an operator wrote by hand disappears silently.
options:
  _input:
    description: The wanted settings (daemon.json key names).
    type: dict
    required: true
  existing:
    description: The parsed current daemon.json (V({}) when there is none).
    type: dict
    required: true
  mode:
    description: V(merge) or V(replace).
    type: str
    default: merge
  existing_error:
    description: Why the current file could not be parsed, if it could not; with O(mode=merge) that is a problem.
    type: str
  managed:
    description:
      - The keys the collection wrote last time (null when unknown). With O(mode=merge), such a key that the wanted
        settings no longer set is dropped (the inventory stopped setting it); only keys the collection never wrote
        are kept.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Keep the operator's registry-mirrors while setting icc
  ansible.builtin.debug:
    msg: "{{ {'icc': false} | hardened.docker.daemon_settings_merge({'registry-mirrors': ['https://m.example']}) }}"
    # -> settings: {icc: false, registry-mirrors: [...]}, kept: [registry-mirrors], dropped: [], ...
"""

RETURN = r"""
_value:
  description: >-
    C(settings) (the new content), C(kept), C(dropped), C(overridden) (key lists), C(problems), C(mode) and
    C(managed) (the keys this write manages, for the next run).
  type: dict
"""

from ansible_collections.hardened.docker.plugins.module_utils import daemon_config  # noqa: E402


def daemon_settings_merge(wanted, existing, mode='merge', existing_error=None, managed=None):
    """The merged settings and what happened to the existing keys."""
    return daemon_config.merge_settings(existing or {}, wanted or {}, mode, existing_error, managed)


class FilterModule(object):
    """daemon.json settings filters."""

    def filters(self):
        return {'daemon_settings_merge': daemon_settings_merge}
