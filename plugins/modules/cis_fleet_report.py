#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cis_fleet_report
short_description: Write the CIS Docker Benchmark reports of a fleet as JSON, JUnit XML and one HTML page
version_added: 0.1.0
author:
  - hardened.docker maintainers (!UNKNOWN)
description:
  - Takes the per-host CIS reports of the C(hardened.docker.hardening) audit and writes, into the directory O(dest),
    C(<host>.json) for each host and C(fleet.json) (format V(json)), C(junit.xml) (format V(junit)) and
    C(fleet.html) (format V(html)).
  - C(fleet.json) holds every host's report, sorted by host, and the fleet summary (hosts compliant, not compliant,
    unreachable, failed, and the total of items per status).
  - C(junit.xml) has a C(testsuite) per host and a C(testcase) per item; V(fail) items are failures, V(error) items
    errors, V(waived), V(not_applicable) and V(manual) items skipped; a host that was unreachable or whose audit
    failed is one errored testcase C(connect). CI systems show it as a test report.
  - C(fleet.html) is a single self-contained page (inline CSS and JavaScript, no external reference, readable from
    C(file://) without a network and without JavaScript) - a colour matrix of hosts and sections 1, 2, 3 and 5
    showing the worst status of each, an overview table, and per host the Engine facts, C(docker system df), the
    containers flagged in section 5, the containers that died or were OOM-killed, and every item with a text and a
    status filter.
  - "Meant to run once on the controller, with C(delegate_to: localhost) and C(run_once: true)."
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Nothing is written; RV(files) and RV(changed_files) say what would be written.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  reports:
    description:
      - The per-host reports, as returned by the audit (one dict per host, each with at least V(host)).
      - Host names must be unique, also after replacing every character other than letters, digits, V(.), V(_) and
        V(-) with V(_) (that is the name of the C(<host>.json) file); a host may not be called V(fleet).
    type: list
    elements: dict
    required: true
  dest:
    description:
      - Directory to write the files into. Created with mode C(0755) (with its parents) when missing.
    type: path
    required: true
  generated:
    description:
      - Time stamp of the fleet report, shown in C(fleet.json), C(junit.xml) and C(fleet.html).
      - Defaults to the latest V(generated) of the reports, or the current UTC time when none has one.
    type: str
  formats:
    description:
      - Which files to write. V(json) writes C(<host>.json) and C(fleet.json), V(junit) C(junit.xml), V(html) C(fleet.html).
    type: list
    elements: str
    choices: [json, junit, html]
    default: [json, junit, html]
notes:
  - Every file is written atomically (temporary file in O(dest), fsync, rename) with mode C(0644); a file whose
    content is byte-identical to what would be written is left alone. The files always reflect this run, so a
    run with new time stamps in the reports (or a new O(generated)) changes them.
  - Files of hosts that are no longer in O(reports) are not removed.
seealso:
  - name: JUnit XML format
    description: The de facto schema of the JUnit XML report that CI systems read.
    link: https://github.com/testmoapp/junitxml
"""

EXAMPLES = r"""
- name: Write the fleet report on the controller
  hardened.docker.cis_fleet_report:
    reports: "{{ ansible_play_hosts_all | map('extract', hostvars, 'cis_report') | select('defined') | list }}"
    dest: "{{ playbook_dir }}/reports/cis"
  delegate_to: localhost
  run_once: true
  register: cis_fleet

- name: Fail the play when a host is not compliant
  ansible.builtin.fail:
    msg: "{{ cis_fleet.summary.noncompliant }} hosts are not compliant, see {{ cis_fleet.files | last }}"
  when: cis_fleet.summary.noncompliant > 0
  run_once: true

- name: Only the JUnit file, for the CI job
  hardened.docker.cis_fleet_report:
    reports: "{{ cis_reports }}"
    dest: /var/tmp/ci/cis
    generated: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"
    formats: [junit]
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
files:
  description: Every file of the report, written or left alone because its content was already right (would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: [/srv/reports/web1.json, /srv/reports/fleet.json, /srv/reports/junit.xml, /srv/reports/fleet.html]
changed_files:
  description: The files whose content or mode changed (would change, in check mode).
  returned: success
  type: list
  elements: str
  sample: [/srv/reports/fleet.html]
summary:
  description: The fleet summary - number of hosts, of compliant, not compliant, unreachable and failed hosts, and the items per status.
  returned: success
  type: dict
  sample:
    hosts: 3
    compliant: 1
    noncompliant: 1
    unreachable: 1
    failed: 0
    items: {pass: 80, fail: 3, waived: 2, not_applicable: 10, manual: 4, error: 0}
dest:
  description: The directory the files are in.
  returned: success
  type: str
  sample: /srv/reports
generated:
  description: The time stamp used.
  returned: success
  type: str
  sample: "2026-12-03T10:00:00Z"
"""

import datetime
import json
import os
import re
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.hardened.docker.plugins.module_utils._report import fleet, html_page, junit_xml
from ansible_collections.hardened.docker.plugins.module_utils.fileutil import atomic_write

FORMATS = ['json', 'junit', 'html']
FILE_MODE = 0o644
DIR_MODE = 0o755

ARGUMENT_SPEC = dict(
    reports=dict(type='list', elements='dict', required=True),
    dest=dict(type='path', required=True),
    generated=dict(type='str'),
    formats=dict(type='list', elements='str', choices=FORMATS, default=FORMATS),
)


def host_file_name(host):
    """The file name of a host's report: anything but letters, digits, '.', '_' and '-' becomes '_', no leading dot."""
    name = re.sub(r'[^A-Za-z0-9._-]', '_', host)
    if name.startswith('.'):
        name = '_' + name[1:]
    return name + '.json'


def render_json(data):
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=to_native) + '\n'


def default_generated(reports):
    stamps = [str(r['generated']) for r in reports if r.get('generated')]
    if stamps:
        return max(stamps)
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def plan(module, reports, dest, generated, formats):
    """[(path, bytes)] of every file to write, in a stable order."""
    doc = fleet(reports, generated)
    files = []
    if 'json' in formats:
        seen = {}
        for report in doc['hosts']:
            name = host_file_name(report['host'])
            if name == 'fleet.json':
                module.fail_json(msg="host %r would overwrite fleet.json; rename it in the inventory" % report['host'])
            if name in seen:
                module.fail_json(msg='hosts %r and %r would both be written to %s' % (seen[name], report['host'], name))
            seen[name] = report['host']
            files.append((os.path.join(dest, name), render_json(report)))
        files.append((os.path.join(dest, 'fleet.json'), render_json(doc)))
    if 'junit' in formats:
        files.append((os.path.join(dest, 'junit.xml'), junit_xml(doc)))
    if 'html' in formats:
        files.append((os.path.join(dest, 'fleet.html'), html_page(doc)))
    return doc, [(path, to_bytes(text, errors='surrogate_or_replace')) for path, text in files]


def current(path):
    """(content bytes or None, mode or None) of an existing file."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
        return data, stat.S_IMODE(os.stat(path).st_mode)
    except (IOError, OSError):
        return None, None


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    reports = module.params['reports']
    dest = module.params['dest']
    formats = module.params['formats']

    for position, report in enumerate(reports):
        if not report.get('host') or not isinstance(report.get('host'), str):
            module.fail_json(msg='reports[%d] has no host name' % position)
    if os.path.exists(dest) and not os.path.isdir(dest):
        module.fail_json(msg='dest %s exists and is not a directory' % dest)

    generated = module.params['generated'] or default_generated(reports)
    doc, files = plan(module, reports, dest, generated, formats)

    changed = False
    changed_files = []
    if not os.path.isdir(dest):
        changed = True
        if not module.check_mode:
            try:
                os.makedirs(dest, DIR_MODE)
                os.chmod(dest, DIR_MODE)
            except OSError as exc:
                module.fail_json(msg='cannot create %s: %s' % (dest, to_native(exc)))

    for path, data in files:
        content, mode = current(path)
        if content == data and mode == FILE_MODE:
            continue
        changed = True
        changed_files.append(path)
        if module.check_mode:
            continue
        try:
            if content == data:
                os.chmod(path, FILE_MODE)
            else:
                atomic_write(path, data, FILE_MODE)
        except (IOError, OSError) as exc:
            module.fail_json(msg='cannot write %s: %s' % (path, to_native(exc)), changed_files=changed_files[:-1])

    module.exit_json(changed=changed, files=[path for path, _data in files], changed_files=changed_files,
                     summary=doc['summary'], dest=dest, generated=generated)


if __name__ == '__main__':
    main()
