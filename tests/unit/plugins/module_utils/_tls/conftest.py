# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the unit tests of plugins/module_utils/_tls: a shared CA, a private CA, an output directory."""

from __future__ import annotations

import pytest

from ansible_collections.hardened.docker.tests.unit.plugins.module_utils._tls.helpers import new_ca


@pytest.fixture(scope='session')
def ca_dir(tmp_path_factory):
    """One ECDSA P-256 CA shared (read-only) by most tests."""
    return new_ca(tmp_path_factory.mktemp('ca'))


@pytest.fixture
def own_ca(tmp_path):
    """A CA private to the test (may be modified)."""
    return new_ca(tmp_path / 'ca')


@pytest.fixture
def out(tmp_path):
    directory = tmp_path / 'out'
    directory.mkdir()
    return directory
