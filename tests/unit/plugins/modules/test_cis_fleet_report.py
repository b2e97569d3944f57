# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hardened.docker.cis_fleet_report run end to end: main() with module arguments, real files under tmp_path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import xml.etree.ElementTree as ET

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.hardened.docker.plugins.module_utils import fileutil
from ansible_collections.hardened.docker.plugins.modules import cis_fleet_report as module


def item(item_id, status, evidence='seen', reason='', **extra):
    entry = {'id': item_id, 'section': item_id.split('.')[0], 'title': 'Title %s' % item_id, 'status': status,
             'evidence': evidence, 'reason': reason}
    entry.update(extra)
    return entry


def report(host, items, generated='2026-12-03T10:00:00Z'):
    summary = dict((s, 0) for s in ('pass', 'fail', 'waived', 'not_applicable', 'manual', 'error'))
    for entry in items:
        summary[entry['status']] += 1
    return {'host': host, 'generated': generated, 'status': 'ok', 'error': '', 'benchmark': 'CIS Docker Benchmark v1.6',
            'engine': {'server_version': '26.1.5'}, 'daemon': {'storage_driver': 'overlay2'},
            'storage': {'data_root': '/var/lib/docker', 'free_bytes': 1024 ** 3, 'system_df': []},
            'tls': {'files': [], 'min_days_left': None}, 'containers': {'running': 1, 'flagged': []},
            'events': {'since': '24h', 'died': [], 'oom': [], 'error': ''}, 'audit_evidence': 'auditctl -l',
            'items': items, 'summary': summary, 'compliant': not (summary['fail'] or summary['error'])}


REPORTS = [
    report('web2', [item('2.2', 'fail', evidence='icc is true'), item('5.4', 'pass', container='web', image='nginx:1')]),
    report('web1', [item('2.2', 'pass'), item('2.9', 'waived', reason='CI runners')]),
    {'host': 'db1', 'status': 'unreachable', 'error': 'timed out', 'items': []},
]

ALL_FILES = ['db1.json', 'web1.json', 'web2.json', 'fleet.json', 'junit.xml', 'fleet.html']


@pytest.fixture
def dest(tmp_path):
    return str(tmp_path / 'reports' / 'cis')


@pytest.fixture
def run(capsys, dest):
    """Run the module's main() and return its JSON result."""

    def _run(check_mode=False, expect_failure=False, **args):
        args.setdefault('reports', REPORTS)
        args.setdefault('dest', dest)
        if check_mode:
            args['_ansible_check_mode'] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exc:
                module.main()
        result = json.loads(capsys.readouterr().out)
        assert bool(result.get('failed')) is expect_failure, result
        assert exc.value.code == (1 if expect_failure else 0)
        return result

    return _run


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(directory):
    return dict((name, (read(os.path.join(directory, name)), os.stat(os.path.join(directory, name)).st_mtime_ns))
                for name in sorted(os.listdir(directory)))


def test_writes_every_file(run, dest):
    result = run(generated='2026-12-03T10:05:00Z')
    assert result['changed'] is True
    assert result['files'] == [os.path.join(dest, name) for name in ALL_FILES]
    assert result['changed_files'] == result['files']
    assert sorted(os.listdir(dest)) == sorted(ALL_FILES)
    assert mode_of(dest) == 0o755
    assert all(mode_of(os.path.join(dest, name)) == 0o644 for name in ALL_FILES)
    assert result['summary'] == {'hosts': 3, 'compliant': 1, 'noncompliant': 1, 'unreachable': 1, 'failed': 0,
                                 'items': {'pass': 2, 'fail': 1, 'waived': 1, 'not_applicable': 0, 'manual': 0, 'error': 0}}
    assert result['generated'] == '2026-12-03T10:05:00Z'

    fleet = json.loads(read(os.path.join(dest, 'fleet.json')))
    assert [h['host'] for h in fleet['hosts']] == ['db1', 'web1', 'web2']
    assert fleet['summary'] == result['summary'] and fleet['generated'] == '2026-12-03T10:05:00Z'
    assert json.loads(read(os.path.join(dest, 'web2.json'))) == REPORTS[0]

    junit = ET.fromstring(read(os.path.join(dest, 'junit.xml')))
    assert (junit.get('tests'), junit.get('failures'), junit.get('errors'), junit.get('skipped')) == ('5', '1', '1', '1')

    page = read(os.path.join(dest, 'fleet.html')).decode('utf-8')
    assert 'data-host="web2" data-section="2" data-status="fail"' in page
    assert 'http://' not in page and 'https://' not in page


def test_writes_through_atomic_write(run, dest, monkeypatch):
    calls = []
    real = fileutil.atomic_write

    def spy(path, data, mode, owner=None):
        calls.append((path, type(data), mode))
        return real(path, data, mode, owner)

    monkeypatch.setattr(module, 'atomic_write', spy)
    run()
    assert [os.path.basename(c[0]) for c in calls] == ALL_FILES
    assert all(c[1] is bytes and c[2] == 0o644 for c in calls)


def test_second_identical_run_changes_nothing(run, dest):
    run()
    before = snapshot(dest)
    result = run()
    assert result['changed'] is False
    assert result['changed_files'] == []
    assert result['files'] == [os.path.join(dest, name) for name in ALL_FILES]
    assert snapshot(dest) == before


def test_generated_defaults_to_the_latest_report(run, dest):
    reports = [report('a', [item('2.2', 'pass')], generated='2026-12-03T10:00:00Z'),
               report('b', [item('2.2', 'pass')], generated='2026-12-03T11:00:00Z')]
    result = run(reports=reports)
    assert result['generated'] == '2026-12-03T11:00:00Z'
    assert json.loads(read(os.path.join(dest, 'fleet.json')))['generated'] == '2026-12-03T11:00:00Z'


def test_changed_report_rewrites_only_what_differs(run, dest):
    run(generated='g')
    reports = [dict(REPORTS[0]), REPORTS[1], REPORTS[2]]
    reports[0]['items'] = [item('2.2', 'pass')]
    result = run(reports=reports, generated='g')
    assert result['changed'] is True
    names = [os.path.basename(p) for p in result['changed_files']]
    assert names == ['web2.json', 'fleet.json', 'junit.xml', 'fleet.html']


def test_wrong_mode_is_fixed(run, dest):
    run()
    path = os.path.join(dest, 'junit.xml')
    os.chmod(path, 0o600)
    result = run()
    assert result['changed'] is True and result['changed_files'] == [path]
    assert mode_of(path) == 0o644


def test_check_mode_writes_nothing(run, dest):
    result = run(check_mode=True)
    assert result['changed'] is True
    assert result['changed_files'] == [os.path.join(dest, name) for name in ALL_FILES]
    assert not os.path.exists(dest)


def test_check_mode_reports_what_would_change(run, dest):
    run(generated='one')
    before = snapshot(dest)
    result = run(check_mode=True, generated='two')
    assert result['changed'] is True
    assert [os.path.basename(p) for p in result['changed_files']] == ['fleet.json', 'junit.xml', 'fleet.html']
    assert snapshot(dest) == before
    assert run(check_mode=True, generated='one')['changed'] is False


def test_formats(run, dest):
    result = run(formats=['junit'])
    assert os.listdir(dest) == ['junit.xml']
    assert result['files'] == [os.path.join(dest, 'junit.xml')]
    run(formats=['html', 'json'])
    assert sorted(os.listdir(dest)) == sorted(ALL_FILES)


def test_bad_format_is_refused(run):
    result = run(formats=['pdf'], expect_failure=True)
    assert 'pdf' in result['msg']


def test_host_names_become_safe_file_names(run, dest):
    reports = [report('../../etc/passwd', []), report('<b>x</b>', [])]
    run(reports=reports)
    names = sorted(os.listdir(dest))
    assert names == sorted(['_b_x__b_.json', '_._.._etc_passwd.json', 'fleet.json', 'junit.xml', 'fleet.html'])
    page = read(os.path.join(dest, 'fleet.html')).decode('utf-8')
    assert '<b>x</b>' not in page and '&lt;b&gt;x&lt;/b&gt;' in page


@pytest.mark.parametrize('hosts, message', [
    (['a/b', 'a_b'], 'would both be written to a_b.json'),
    (['web', 'web'], 'would both be written to web.json'),
    (['fleet'], 'would overwrite fleet.json'),
])
def test_colliding_file_names_fail_before_writing(run, dest, hosts, message):
    result = run(reports=[report(h, []) for h in hosts], expect_failure=True)
    assert message in result['msg']
    assert not os.path.exists(dest)


def test_report_without_host_fails(run, dest):
    result = run(reports=[{'status': 'ok', 'items': []}], expect_failure=True)
    assert 'reports[0] has no host name' in result['msg']


def test_dest_that_is_a_file_fails(run, tmp_path):
    target = tmp_path / 'file'
    target.write_text('x')
    result = run(dest=str(target), expect_failure=True)
    assert 'is not a directory' in result['msg']


def test_documentation_matches_the_argument_spec():
    yaml = pytest.importorskip('yaml')
    doc = yaml.safe_load(module.DOCUMENTATION)
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)
    assert set(doc['options']) == set(module.ARGUMENT_SPEC)
    for name, spec in module.ARGUMENT_SPEC.items():
        option = doc['options'][name]
        assert option['type'] == spec['type']
        assert option.get('required', False) == spec.get('required', False)
        assert option.get('default') == spec.get('default')
        assert option.get('choices') == spec.get('choices')
        assert option.get('elements') == spec.get('elements')
