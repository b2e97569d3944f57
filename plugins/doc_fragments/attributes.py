# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Attributes the collection's modules share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """hardened.docker.attributes (the default) and hardened.docker.attributes.linux."""

    DOCUMENTATION = r"""
options: {}
"""

    # The modules that read or change a Docker host: /proc, iptables/nftables, systemd and dockerd are Linux.
    LINUX = r"""
options: {}
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: linux
"""
