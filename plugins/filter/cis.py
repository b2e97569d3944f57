# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""CIS Docker Benchmark filters: thin wrappers around plugins/module_utils/_cis.py.

All judgement lives in module_utils/_cis.py; these names only keep the filters the
hardening role (and playbooks) call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cis_report
short_description: CIS Docker Benchmark (v1.6) judgement of a Docker host, and its helper filters
description:
  - This file holds several filters; Ansible reads one documentation block per file, so all are described here.
    Every one of them is a thin wrapper around C(plugins/module_utils/_cis.py).
  - C(cis_report) - input is a host state (a dict), the C(host_state) returned by
    M(hardened.docker.docker_host_facts) or the output of the hardening role's probe (a subset of it).
    Keyword options C(trusted_users) (list of names allowed in the docker group), C(waivers)
    (dict item id -> reason), C(host), C(generated) (strings) and C(tls_certificate) (dict with C(path),
    C(not_after), C(days_left)). Returns the per-host report (dict) with C(items), each of status
    C(pass), C(fail), C(waived), C(not_applicable), C(manual) or C(error), a C(summary) and C(compliant)
    (no C(fail) and no C(error)).
  - C(cis_failed_host) - input is the host name (string); positional C(status) (C(unreachable) or
    C(failed)), C(error) (why) and C(generated). Returns a report with no items that is not compliant.
  - C(cis_report_table) - input is a report (dict) from C(cis_report) or C(cis_failed_host); returns the
    console table as a list of strings.
  - C(cis_audit_watches) - input is a host state (dict); optional C(waivers) (dict) and C(key) (audit key,
    default C(docker)). Returns the audit rule lines (list of strings) for items 1.1.3-1.1.18 that are not
    waived and whose file exists.
  - C(cis_file_fixes) - input is a host state (dict); optional C(waivers) (dict). Returns a list of dicts
    C(path), C(owner), C(group), C(mode) for section 3 files whose owner or mode is off (never widens a mode).
  - C(cis_unwatched) - input is a list of audit rule lines; argument the audit rules text (C(auditctl -l)
    output or a rules file). Returns the lines whose path that text does not watch.
  - C(cis_items) - input is ignored (use C(none)); returns every item id that can be waived (list of strings).
options:
  _input:
    description:
      - C(cis_report), C(cis_audit_watches), C(cis_file_fixes) - the host state (dict).
      - C(cis_failed_host) - the host name (string).
      - C(cis_report_table) - a report (dict).
      - C(cis_unwatched) - audit rule lines (list of strings).
      - C(cis_items) - ignored.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Judge a host
  ansible.builtin.set_fact:
    report: "{{ host_state | hardened.docker.cis_report(trusted_users=['alice'], waivers={'2.9': 'no userns'}) }}"

- name: A host that could not be reached
  ansible.builtin.set_fact:
    report: "{{ inventory_hostname | hardened.docker.cis_failed_host('unreachable', 'ssh timed out', now()) }}"

- name: Show it
  ansible.builtin.debug:
    msg: "{{ report | hardened.docker.cis_report_table }}"
"""

RETURN = r"""
_value:
  description: See the description of each filter.
  type: raw
"""

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
