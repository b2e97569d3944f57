"""The CIS filters (plugins/filter/cis.py) are thin wrappers around module_utils/_cis.py."""

import os
import subprocess
import sys

import pytest

from ansible_collections.hardened.docker.plugins.filter import cis as cis_filter
from ansible_collections.hardened.docker.plugins.module_utils import _cis

NAMES = ('cis_report', 'cis_failed_host', 'cis_report_table', 'cis_audit_watches', 'cis_file_fixes', 'cis_unwatched',
         'cis_items')


def _state():
    return {
        'group': {'exists': False},
        'daemon_json': {'path': '/etc/docker/daemon.json', 'exists': False, 'settings': {}, 'error': None},
        'dockerd': {'args': ['-H', 'fd://']},
        'docker_info': {'ServerVersion': '24.0.7', 'Driver': 'overlay2', 'SecurityOptions': []},
        'binaries': {'dockerd': ['/usr/bin/dockerd']},
        'stat': {'/usr/bin/dockerd': {'exists': True, 'realpath': '/usr/bin/dockerd', 'owner': 'root', 'group': 'root',
                                      'mode': '0777'},
                 '/etc/docker/daemon.json': {'exists': True, 'realpath': '/etc/docker/daemon.json', 'owner': 'root',
                                             'group': 'root', 'mode': '0666'}},
        'audit': {'source': 'auditctl -l', 'auditctl_rc': 0, 'auditctl_out': ''},
        'containers': [{'name': 'web', 'image': 'nginx', 'privileged': True}],
    }


def test_every_filter_is_there():
    filters = cis_filter.FilterModule().filters()
    assert set(filters) == set(NAMES)


def test_filters_call_through():
    filters = cis_filter.FilterModule().filters()
    state = _state()
    report = filters['cis_report'](state, trusted_users=[], waivers={'2.9': 'x'}, host='h', generated='g')
    assert report == _cis.host_report(state, trusted_users=[], waivers={'2.9': 'x'}, host='h', generated='g')
    assert [i['status'] for i in report['items'] if i['id'] == '5.4'] == ['fail']
    assert filters['cis_report_table'](report) == _cis.report_table(report)
    assert filters['cis_items']() == _cis.item_ids() and filters['cis_items'](None) == _cis.item_ids()
    assert filters['cis_audit_watches'](state, {}, 'k') == ['-w /usr/bin/dockerd -p rwxa -k k',
                                                            '-w /etc/docker/daemon.json -p rwxa -k k']
    assert filters['cis_file_fixes'](state) == _cis.cis_file_fixes(state)
    assert filters['cis_unwatched'](['-w /a -p rwxa -k d'], '') == ['-w /a -p rwxa -k d']
    failed = filters['cis_failed_host']('h', 'unreachable', 'timeout', 'g')
    assert failed == _cis.failed_host_report('h', 'unreachable', 'timeout', 'g')


def test_failed_host_bad_status_is_refused():
    with pytest.raises(ValueError, match="'unreachable' or 'failed'"):
        cis_filter.cis_failed_host('h', 'maybe', 'x', 'g')


def test_importing_the_filter_does_not_make_this_process_the_controller():
    # ansible-core 2.19: a controller import (ansible.errors, ...) would change how modules unit-tested in the
    # same process report warnings. Checked in a fresh interpreter so other tests cannot interfere.
    code = ('import ansible_collections.hardened.docker.plugins.filter.cis\n'
            'from ansible.module_utils import _internal\n'
            'print(getattr(_internal, "is_controller", False))\n')
    out = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)), check=True)
    assert out.stdout.decode().strip() == 'False'


def test_every_filter_has_documentation_of_its_own():
    import yaml
    directory = os.path.dirname(cis_filter.__file__)
    for name in NAMES:
        with open(os.path.join(directory, name + '.yml')) as handle:
            doc = yaml.safe_load(handle)
        assert doc['DOCUMENTATION']['name'] == name
        assert doc['DOCUMENTATION']['options']['_input']['required'] is True
        assert name in doc['EXAMPLES'] and doc['RETURN']['_value']['type']
