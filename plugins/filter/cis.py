# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CIS Docker Benchmark filters: thin wrappers around plugins/module_utils/_cis.py.

Each filter has its documentation in a YAML file of its name in this directory.

All judgement lives in module_utils/_cis.py; these names only keep the filters the
hardening role (and playbooks) call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Each filter is documented in its own file beside this one (cis_report.yml, cis_failed_host.yml, ...).

# No Ansible controller import here: with ansible-core 2.19 importing one (ansible.errors, ...) marks the whole
# process as the controller, which changes how modules unit-tested in the same process report warnings.
from ansible_collections.hardened.docker.plugins.module_utils import _cis


def cis_report(state, trusted_users=None, waivers=None, host='', generated='', tls_certificate=None):
    return _cis.host_report(state, trusted_users=trusted_users, waivers=waivers, host=host, generated=generated,
                            tls_certificate=tls_certificate)


def cis_failed_host(host, status, error='', generated=''):
    # A bad status raises ValueError; Ansible reports it as the template's error.
    return _cis.failed_host_report(host, status, error, generated)


def cis_report_table(report):
    return _cis.report_table(report)


def cis_audit_watches(state, waivers=None, key='docker'):
    return _cis.cis_audit_watches(state, waivers, key)


def cis_file_fixes(state, waivers=None):
    return _cis.cis_file_fixes(state, waivers)


def cis_unwatched(watch_lines, text):
    return _cis.cis_unwatched(watch_lines, text)


def cis_items(_unused=None):
    return _cis.item_ids()


class FilterModule(object):
    """The collection's CIS filters."""

    def filters(self):
        return {
            'cis_report': cis_report,
            'cis_failed_host': cis_failed_host,
            'cis_report_table': cis_report_table,
            'cis_audit_watches': cis_audit_watches,
            'cis_file_fixes': cis_file_fixes,
            'cis_unwatched': cis_unwatched,
            'cis_items': cis_items,
        }
