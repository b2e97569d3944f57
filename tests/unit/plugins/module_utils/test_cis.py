"""Unit tests for the CIS judgement (plugins/module_utils/_cis.py)."""

import copy

import pytest

from ansible_collections.hardened.docker.plugins.module_utils import _cis as cis

STATUSES = ('pass', 'fail', 'waived', 'not_applicable', 'manual', 'error')
CONTAINER_IDS = ('5.4', '5.5', '5.9', '5.10', '5.11', '5.12', '5.13', '5.15', '5.16', '5.21', '5.25', '5.26', '5.31')


def _st(mode='0644', owner='root', group='root', kind='file', real=None, path=None):
    return {'exists': True, 'realpath': real or path, 'uid': 0, 'gid': 0, 'owner': owner, 'group': group,
            'mode': mode, 'kind': kind}


ABSENT = {'exists': False}


def _state():
    """A hardened Debian host as docker_host_facts shows it (no containers)."""
    stat = {}

    def add(path, **kw):
        stat[path] = _st(path=path, **kw)

    for path in ('/usr/sbin/dockerd', '/usr/bin/containerd', '/usr/bin/containerd-shim-runc-v2', '/usr/sbin/runc',
                 '/etc/default/docker', '/etc/containerd/config.toml'):
        add(path)
    add('/lib/systemd/system/docker.service')
    add('/lib/systemd/system/docker.socket')
    add('/etc/docker', mode='0755', kind='directory')
    add('/var/lib/docker', mode='0710', kind='directory')
    add('/run/containerd', mode='0711', kind='directory')
    add('/run/containerd/containerd.sock', mode='0660', kind='socket')
    add('/var/run/docker.sock', mode='0660', group='docker', kind='socket', real='/run/docker.sock')
    add('/etc/docker/daemon.json')
    stat['/etc/sysconfig/docker'] = dict(ABSENT)
    audit_lines = ['-w %s -p rwxa -k docker' % p for p in (
        '/usr/sbin/dockerd', '/run/containerd', '/var/lib/docker', '/etc/docker', '/lib/systemd/system/docker.service',
        '/run/containerd/containerd.sock', '/lib/systemd/system/docker.socket', '/etc/default/docker',
        '/etc/docker/daemon.json', '/etc/containerd/config.toml', '/usr/bin/containerd',
        '/usr/bin/containerd-shim-runc-v2', '/usr/sbin/runc')]
    return {
        'collected_at': '2026-12-03T10:00:00Z',
        'service_manager': 'systemd',
        'engine': {'installed': True, 'running': True, 'server_version': '20.10.24+dfsg1',
                   'dockerd_version': 'Docker version 20.10.24+dfsg1, build 297e128',
                   'containerd_version': 'containerd 1.6.20', 'runc_version': 'runc version 1.1.5', 'error': ''},
        'packages': {'docker.io': {'installed': True, 'version': '20.10.24+dfsg1-1+b3'},
                     'docker-ce': {'installed': False, 'version': ''}},
        'group': {'exists': True, 'gid': 999, 'members': ['alice'], 'primary_members': [], 'missing_users': []},
        'daemon_json': {'path': '/etc/docker/daemon.json', 'exists': True, 'error': None, 'settings': {
            'icc': False, 'log-level': 'info', 'no-new-privileges': True, 'live-restore': True,
            'userland-proxy': False, 'default-ulimits': {'nofile': {'Name': 'nofile', 'Soft': 1024, 'Hard': 65536}},
            'log-driver': 'syslog', 'log-opts': {'syslog-address': 'tcp+tls://logs.example.com:6514'},
            'authorization-plugins': ['authz-broker'], 'userns-remap': 'default'}},
        'dockerd': {'pid': 10, 'uid': 0, 'args': ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock']},
        'effective_flags': {'source': 'systemctl show',
                            'text': '/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock',
                            'args': ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock']},
        'docker_info': {'ServerVersion': '20.10.24+dfsg1', 'Driver': 'overlay2', 'DockerRootDir': '/var/lib/docker',
                        'LoggingDriver': 'syslog', 'LiveRestoreEnabled': True, 'ExperimentalBuild': False,
                        'SecurityOptions': ['name=seccomp,profile=default', 'name=userns', 'name=rootless'],
                        'Plugins': {'Authorization': ['authz-broker']},
                        'RegistryConfig': {'InsecureRegistryCIDRs': ['127.0.0.0/8']}},
        'docker_info_error': '',
        'bridge_options': {'com.docker.network.bridge.enable_icc': 'false'},
        'counts': {'images': 0, 'containers': 0, 'running': 0, 'volumes': 0},
        'containers': [],
        'events': {'since': '24h', 'error': '', 'died': [], 'oom': []},
        'binaries': {'dockerd': ['/usr/sbin/dockerd'], 'containerd': ['/usr/bin/containerd'], 'containerd-shim': [],
                     'containerd-shim-runc-v1': [], 'containerd-shim-runc-v2': ['/usr/bin/containerd-shim-runc-v2'],
                     'runc': ['/usr/sbin/runc']},
        'units': {'docker.service': {'path': '/lib/systemd/system/docker.service'},
                  'docker.socket': {'path': '/lib/systemd/system/docker.socket'}},
        'data_root': '/var/lib/docker',
        'containerd_socket': '/run/containerd/containerd.sock',
        'containerd_dir': '/run/containerd',
        'registry_certs': [],
        'stat': stat,
        'audit': {'auditctl': '/usr/sbin/auditctl', 'augenrules': '/usr/sbin/augenrules', 'auditctl_rc': 255,
                  'auditctl_out': '', 'auditctl_err': 'Error sending rule list data request (Operation not permitted)\n'
                  'There was an error while processing parameters',
                  'not_permitted': True, 'compiled_path': '/etc/audit/audit.rules',
                  'compiled': '-D\n' + '\n'.join(audit_lines) + '\n', 'source': 'compiled rules file'},
        'tls': {'files': {}},
        'tls_server_certificate': None,
        'storage': {'data_root': '/var/lib/docker', 'exists': True, 'fstype': 'ext4', 'mount_point': '/var/lib/docker',
                    'separate_mount': True, 'source': '/dev/sdb', 'size_bytes': 10 ** 10, 'free_bytes': 5 * 10 ** 9},
        'system_df': [{'Type': 'Images', 'TotalCount': '0', 'Active': '0', 'Size': '0B', 'Reclaimable': '0B'}],
    }


def _container(**kw):
    """A container that passes every section-5 check."""
    container = {
        'id': 'abcdef012345', 'name': 'web', 'image': 'nginx:1', 'privileged': False, 'network_mode': 'bridge',
        'pid_mode': '', 'ipc_mode': 'private', 'memory': 256 * 2 ** 20, 'cpu_shares': 512, 'readonly_rootfs': True,
        'security_opt': ['no-new-privileges:true'],
        'mounts': [{'type': 'volume', 'source': '/var/lib/docker/volumes/data/_data', 'destination': '/data',
                    'rw': True}],
        'port_bindings': [{'container_port': '80/tcp', 'host_ip': '127.0.0.1', 'host_port': '8080'}],
        'healthcheck': True, 'health_status': 'healthy', 'restart_policy': 'always', 'user': '', 'cap_add': [],
        'started_at': '2026-12-03T09:00:00Z',
    }
    container.update(kw)
    return container


def _items(report):
    return dict((i['id'], i) for i in report['items'] if i['section'] != '5')


def _cont_items(report, name='web'):
    return dict((i['id'], i) for i in report['items'] if i.get('container') == name)


def _report(state, **kw):
    kw.setdefault('trusted_users', ['alice'])
    return cis.host_report(state, **kw)


# --------------------------------------------------------------------------
# The whole report
# --------------------------------------------------------------------------

def test_hardened_host_is_compliant_and_every_item_is_there():
    report = _report(_state(), waivers={'2.9': 'no userns here'}, host='h', generated='now')
    items = _items(report)
    assert [i for i in report['items'] if i['status'] in ('fail', 'error')] == []
    assert report['compliant'] is True
    assert items['2.9']['status'] == 'waived' and items['2.9']['reason'] == 'no userns here'
    expected = set(['1.1.%d' % n for n in range(1, 19)] + ['2.%d' % n for n in range(1, 19)]
                   + ['3.%d' % n for n in range(1, 25)] + ['log-rotation'])
    assert set(items) == expected
    assert report['audit_evidence'] == ('compiled rules file /etc/audit/audit.rules (auditctl not permitted: '
                                        'Error sending rule list data request (Operation not permitted))')
    assert report['status'] == 'ok' and report['error'] == '' and report['host'] == 'h'
    assert report['benchmark'] == 'CIS Docker Benchmark v1.6'


def test_every_item_is_well_formed():
    state = _state()
    state['containers'] = [_container(), _container(name='db', privileged=True)]
    report = _report(state)
    for item in report['items']:
        assert item['status'] in STATUSES
        assert item['section'] in ('1', '2', '3', '5')
        assert item['evidence'].strip(), item
        assert item['title'] == cis.TITLES[item['id']]
        if item['status'] in ('waived', 'not_applicable', 'manual', 'error'):
            assert item['reason'].strip(), item
        if item['section'] == '5':
            assert item['container'] in ('web', 'db') and item['image'] == 'nginx:1'
    assert items_sorted(report['items'])


def items_sorted(items):
    keys = [(cis._sort_key(i['id']), i.get('container') or '') for i in items]
    return keys == sorted(keys)


def test_sections():
    report = _report(_state())
    sections = dict((i['id'], i['section']) for i in report['items'])
    assert sections['1.1.1'] == '1' and sections['2.13'] == '2' and sections['3.24'] == '3'
    assert sections['log-rotation'] == '2'


def test_summary_counts_all_six_statuses():
    state = _state()
    state['docker_info']['SecurityOptions'] = ['name=seccomp,profile=default']   # 2.1 manual, 2.9 fail
    state['docker_info']['LoggingDriver'] = 'journald'                          # 2.13 manual
    state['stat']['/etc/docker/daemon.json'] = _st(path='/etc/docker/daemon.json', mode='0666')  # 3.18 fail
    del state['stat']['/etc/containerd/config.toml']                            # 1.1.12 error
    report = _report(state, waivers={'2.15': 'swarm'})
    summary = report['summary']
    assert set(summary) == set(STATUSES)
    for status in STATUSES:
        assert summary[status] == sum(1 for i in report['items'] if i['status'] == status), status
    assert summary['manual'] == 2 and summary['waived'] == 1 and summary['error'] == 1
    assert summary['fail'] == 2 and summary['not_applicable'] > 0
    assert sum(summary.values()) == len(report['items'])
    assert report['compliant'] is False


def test_error_alone_makes_a_host_non_compliant():
    state = _state()
    del state['stat']['/etc/containerd/config.toml']
    report = _report(state)
    assert report['summary']['fail'] == 0 and report['summary']['error'] == 1
    assert report['compliant'] is False


def test_manual_and_not_applicable_do_not_break_compliance():
    state = _state()
    state['docker_info']['SecurityOptions'] = ['name=seccomp,profile=default', 'name=userns']
    report = _report(state)
    assert _items(report)['2.1']['status'] == 'manual'
    assert report['summary']['not_applicable'] > 0
    assert report['compliant'] is True


def test_facts_sections_of_the_report():
    state = _state()
    state['tls']['files'] = {
        'tlscacert': {'path': '/etc/docker/tls/ca.pem', 'exists': True, 'not_after': '2030-01-01T00:00:00Z',
                      'days_left': 1200, 'subject_alt_names': [], 'error': ''},
        'tlscert': {'path': '/etc/docker/tls/cert.pem', 'exists': True, 'not_after': '2027-01-01T00:00:00Z',
                    'days_left': 30, 'subject_alt_names': ['DNS:web1', 'IP:10.0.0.1'], 'error': ''},
        'tlskey': {'path': '/etc/docker/tls/key.pem', 'exists': True}}
    state['events'] = {'since': '24h', 'error': '', 'died': [{'name': 'x', 'image': 'i', 'time': 't', 'exit_code': 1}],
                       'oom': []}
    state['containers'] = [_container(), _container(name='bad', privileged=True, network_mode='host')]
    report = _report(state)
    assert report['engine'] == {
        'installed': True, 'running': True, 'server_version': '20.10.24+dfsg1',
        'dockerd_version': 'Docker version 20.10.24+dfsg1, build 297e128', 'containerd_version': 'containerd 1.6.20',
        'runc_version': 'runc version 1.1.5', 'service_manager': 'systemd',
        'packages': {'docker.io': '20.10.24+dfsg1-1+b3'}}
    assert report['storage'] == {'data_root': '/var/lib/docker', 'fstype': 'ext4', 'separate_mount': True,
                                 'mount_point': '/var/lib/docker', 'size_bytes': 10 ** 10, 'free_bytes': 5 * 10 ** 9,
                                 'system_df': state['system_df'], 'quota': 'none', 'default_container_size': ''}
    assert [f['key'] for f in report['tls']['files']] == ['tlscacert', 'tlscert', 'tlskey']
    assert report['tls']['files'][1]['subject_alt_names'] == ['DNS:web1', 'IP:10.0.0.1']
    assert report['tls']['min_days_left'] == 30
    assert report['events']['died'][0]['name'] == 'x' and report['events']['since'] == '24h'
    assert report['containers'] == {'running': 2, 'flagged': [{'name': 'bad', 'image': 'nginx:1',
                                                              'items': ['5.4', '5.9', '5.21']}]}
    assert report['daemon']['storage_driver'] == 'overlay2'
    assert report['daemon']['listeners'] == ['fd://']


def test_network_section_of_the_report():
    state = copy.deepcopy(_state())
    # No proxy and no registries; the fixture's remote syslog target.
    assert _report(state)['network'] == {
        'proxy': {'http': '', 'https': '', 'no_proxy': ''}, 'registries': [], 'registry_mirrors': [],
        'insecure_registries': [], 'log_driver': state['docker_info']['LoggingDriver'],
        'log_target': state['daemon_json']['settings']['log-opts']['syslog-address']}
    state['docker_info'].update(HttpProxy='http://proxy.lan:3128', HttpsProxy='http://user:secret@proxy.lan:3128',
                                NoProxy='localhost,127.0.0.1,web1', LoggingDriver='syslog')
    state['daemon_json']['settings'].update({'log-driver': 'syslog', 'log-opts': {'syslog-address': 'tcp://logs:514'},
                                             'registry-mirrors': ['https://mirror.lan'],
                                             'insecure-registries': ['old.lan:5000']})
    state['registries'] = [{'address': 'reg.lan:5000', 'ca_files': ['ca.crt'], 'client_certificate': False,
                            'ca_not_after': '2027-12-01T00:00:00Z', 'ca_days_left': 360, 'error': ''}]
    network = _report(state)['network']
    # The password never reaches the report.
    assert network['proxy'] == {'http': 'http://proxy.lan:3128', 'https': 'http://user:***@proxy.lan:3128',
                                'no_proxy': 'localhost,127.0.0.1,web1'}
    assert network['registries'] == state['registries']
    assert network['registry_mirrors'] == ['https://mirror.lan'] and network['insecure_registries'] == ['old.lan:5000']
    assert (network['log_driver'], network['log_target']) == ('syslog', 'tcp://logs:514')


def test_tls_section_falls_back_to_the_tls_roles_certificate():
    cert = {'path': '/etc/docker/tls/server-cert.pem', 'not_after': '2027-01-01T00:00:00Z', 'days_left': 300}
    report = _report(_state(), tls_certificate=cert)
    assert report['tls'] == {'files': [{'key': 'tlscert', 'path': cert['path'], 'not_after': cert['not_after'],
                                        'days_left': 300, 'subject_alt_names': []}], 'min_days_left': 300}
    assert _report(_state())['tls'] == {'files': [], 'min_days_left': None}


def test_old_probe_output_still_judged():
    """The hardening role's probe output (no engine, storage, containers, effective_flags, audit.source)."""
    state = _state()
    for key in ('engine', 'packages', 'service_manager', 'effective_flags', 'containers', 'events', 'storage',
                'system_df', 'tls', 'counts', 'collected_at'):
        del state[key]
    del state['audit']['source']
    report = _report(state)
    items = _items(report)
    assert items['1.1.1']['status'] == 'error'
    assert items['1.1.3']['status'] == 'pass'
    assert report['engine']['installed'] is True and report['engine']['running'] is True
    assert report['engine']['server_version'] == '20.10.24+dfsg1'
    assert report['containers'] == {'running': 0, 'flagged': []}
    assert report['events'] == {'since': '', 'died': [], 'oom': [], 'error': ''}
    assert report['audit_evidence'].startswith('compiled rules file /etc/audit/audit.rules (auditctl not permitted')


# --------------------------------------------------------------------------
# Waivers
# --------------------------------------------------------------------------

def test_a_waiver_turns_any_status_into_waived():
    state = _state()
    state['docker_info'] = {}
    state['docker_info_error'] = 'Cannot connect to the Docker daemon'
    state['group']['members'] = ['alice', 'mallory']
    waivers = {'2.18': 'lab host', '1.1.2': 'shared box', '1.1.13': 'n/a anyway', '2.13': 'later'}
    items = _items(_report(state, waivers=waivers))
    for item_id, reason in waivers.items():
        assert items[item_id]['status'] == 'waived' and items[item_id]['reason'] == reason
    assert 'mallory' in items['1.1.2']['evidence']   # the evidence stays


def test_section5_waiver_applies_to_every_container():
    state = _state()
    state['containers'] = [_container(name='a', memory=0), _container(name='b', memory=0)]
    report = _report(state, waivers={'5.10': 'sized by the orchestrator'})
    tens = [i for i in report['items'] if i['id'] == '5.10']
    assert [i['container'] for i in tens] == ['a', 'b']
    assert all(i['status'] == 'waived' and i['reason'] == 'sized by the orchestrator' for i in tens)
    assert report['containers']['flagged'] == []
    assert report['compliant'] is True


def test_item_ids():
    ids = cis.item_ids()
    assert ids.index('1.1.1') < ids.index('1.1.3') < ids.index('1.1.10') < ids.index('2.1') < ids.index('2.2')
    assert ids.index('2.2') < ids.index('2.10') < ids.index('3.2') < ids.index('3.10') < ids.index('5.4')
    assert ids.index('5.4') < ids.index('5.10') < ids.index('5.31')
    assert ids[-1] == 'log-rotation'
    assert set(ids) == set(['1.1.%d' % n for n in range(1, 19)] + ['2.%d' % n for n in range(1, 19)]
                           + ['3.%d' % n for n in range(1, 25)] + list(CONTAINER_IDS) + ['log-rotation'])
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------
# 1.1.1, 1.1.2
# --------------------------------------------------------------------------

def test_1_1_1_separate_mount():
    state = _state()
    assert _items(_report(state))['1.1.1']['status'] == 'pass'
    state['storage'].update(separate_mount=False, mount_point='/', source='/dev/sda1')
    item = _items(_report(state))['1.1.1']
    assert item['status'] == 'fail' and 'same filesystem as /' in item['evidence']


@pytest.mark.parametrize('storage', [{}, None, {'data_root': '/var/lib/docker', 'exists': True, 'separate_mount': None},
                                     {'data_root': '/var/lib/docker', 'exists': False, 'separate_mount': False}])
def test_1_1_1_error_when_storage_unreadable(storage):
    state = _state()
    state['storage'] = storage
    item = _items(_report(state))['1.1.1']
    assert item['status'] == 'error' and item['reason']


def test_1_1_2_untrusted_and_primary_members():
    state = _state()
    state['group']['members'] = ['alice', 'mallory']
    report = _report(state, waivers={'2.15': 'swarm manager'})
    items = _items(report)
    assert items['1.1.2']['status'] == 'fail' and 'mallory' in items['1.1.2']['evidence']
    assert items['2.15']['status'] == 'waived' and items['2.2']['status'] == 'pass'
    assert report['compliant'] is False
    state = _state()
    state['group']['primary_members'] = ['svc']
    item = _items(_report(state))['1.1.2']
    assert item['status'] == 'fail' and 'primary group' in item['evidence']
    state['group'] = {'exists': False}
    assert _items(_report(state))['1.1.2']['status'] == 'pass'


# --------------------------------------------------------------------------
# 1.1.3 - 1.1.18: audit
# --------------------------------------------------------------------------

def test_missing_files_are_not_applicable_and_have_no_rule():
    state = _state()
    items = _items(_report(state))
    for item_id in ('1.1.13', '1.1.15', '1.1.16'):
        assert items[item_id]['status'] == 'not_applicable', item_id
        assert 'not present' in items[item_id]['reason']
    assert items['1.1.13']['evidence'] == '/etc/sysconfig/docker: not present on this host'
    assert items['1.1.15']['evidence'] == 'program containerd-shim not found on this host'
    watches = cis.cis_audit_watches(state)
    assert '-w /usr/sbin/dockerd -p rwxa -k docker' in watches
    assert not any('sysconfig' in w or 'containerd-shim ' in w for w in watches)


def test_userns_remap_watches_the_configured_data_root():
    # A userns-remap daemon reports its own directory <data-root>/<uid>.<gid> as DockerRootDir:
    # 1.1.5 watches the data-root that holds it (as docker-bench-security does), not the subdirectory.
    state = _state()
    state['docker_info']['DockerRootDir'] = state['data_root'] = '/var/lib/docker/231072.231072'
    state['configured_data_root'] = '/var/lib/docker'
    state['stat']['/var/lib/docker/231072.231072'] = _st(path='/var/lib/docker/231072.231072', kind='directory')
    watches = cis.cis_audit_watches(state)
    assert '-w /var/lib/docker -p rwxa -k docker' in watches
    assert not any('231072' in w for w in watches)
    item = _items(_report(state))['1.1.5']
    assert item['status'] == 'pass' and item['evidence'].startswith('watch on /var/lib/docker in '), item
    # A host state without the key (older reader): dockerd's own root directory, as before.
    del state['configured_data_root']
    assert '-w /var/lib/docker/231072.231072 -p rwxa -k docker' in cis.cis_audit_watches(state)


def test_audit_item_without_a_stat_is_an_error():
    state = _state()
    del state['stat']['/etc/sysconfig/docker']
    item = _items(_report(state))['1.1.13']
    assert item['status'] == 'error' and '/etc/sysconfig/docker' in item['evidence']


def test_audit_checked_live_when_source_says_so():
    state = _state()
    state['audit'].update(auditctl_rc=0, not_permitted=False, source='auditctl -l',
                          auditctl_out='-w /usr/sbin/dockerd -p rwxa -k docker\n')
    report = _report(state)
    items = _items(report)
    assert report['audit_evidence'] == 'auditctl -l'
    assert items['1.1.3']['status'] == 'pass'
    assert items['1.1.14']['status'] == 'fail' and 'no watch on /usr/bin/containerd' in items['1.1.14']['evidence']


def test_audit_source_decides_over_rc():
    state = _state()
    # The module says the compiled file is the evidence: a stale auditctl_out must not be used.
    state['audit'].update(auditctl_rc=0, auditctl_out='', source='compiled rules file')
    report = _report(state)
    assert report['audit_evidence'].startswith('compiled rules file /etc/audit/audit.rules')
    assert _items(report)['1.1.3']['status'] == 'pass'


def test_audit_source_none_fails_present_items():
    state = _state()
    state['audit'].update(compiled=None, source='none', auditctl='')
    report = _report(state)
    items = _items(report)
    assert report['audit_evidence'].startswith('no audit rules readable (auditctl not installed')
    assert items['1.1.3']['status'] == 'fail' and 'no audit rules readable' in items['1.1.3']['evidence']
    assert items['1.1.13']['status'] == 'not_applicable'


def test_audit_fallback_without_source():
    state = _state()
    del state['audit']['source']
    state['audit'].update(auditctl_rc=0, not_permitted=False, auditctl_out='-w /usr/sbin/dockerd -p rwxa -k docker\n')
    assert _report(state)['audit_evidence'] == 'auditctl -l'
    state['audit'].update(auditctl_rc=1, compiled=None)
    report = _report(state)
    assert report['audit_evidence'].startswith('no audit rules readable')
    assert _items(report)['1.1.3']['status'] == 'fail'


def test_unwatched_understands_both_rule_forms():
    text = '-w /usr/sbin/dockerd -p rwxa -k docker\n-a always,exit -F dir=/var/lib/docker/ -F perm=rwxa -F key=docker\n'
    lines = ['-w /usr/sbin/dockerd -p rwxa -k docker', '-w /var/lib/docker -p rwxa -k docker',
             '-w /etc/docker -p rwxa -k docker']
    assert cis.cis_unwatched(lines, text) == ['-w /etc/docker -p rwxa -k docker']
    assert cis.cis_unwatched(lines, '# -w /etc/docker -p rwxa') == lines


def test_waived_audit_item_gets_no_rule():
    watches = cis.cis_audit_watches(_state(), {'1.1.5': 'data-root on a busy disk'})
    assert not any('/var/lib/docker ' in w for w in watches)
    assert '-w /etc/docker -p rwxa -k hd' in cis.cis_audit_watches(_state(), key='hd')


def test_binaries_are_watched_under_their_real_path():
    state = _state()
    state['binaries']['runc'] = ['/usr/sbin/runc', '/usr/bin/runc']
    state['stat']['/usr/bin/runc'] = _st(path='/usr/bin/runc', real='/usr/sbin/runc')
    watches = [w for w in cis.cis_audit_watches(state) if 'runc ' in w]
    assert watches == ['-w /usr/sbin/runc -p rwxa -k docker']


# --------------------------------------------------------------------------
# Section 2
# --------------------------------------------------------------------------

def test_docker_info_missing_is_an_error_never_a_pass():
    state = _state()
    state['docker_info'] = {}
    state['docker_info_error'] = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock'
    state['bridge_options'] = None
    items = _items(_report(state))
    for item_id in ('2.1', '2.5', '2.6', '2.9', '2.11', '2.15', '2.17', '2.18'):
        assert items[item_id]['status'] == 'error', item_id
        assert 'Cannot connect to the Docker daemon' in items[item_id]['evidence'], item_id
        assert items[item_id]['reason'], item_id
    # Judged from daemon.json + flags, they still are.
    assert items['2.2']['status'] == 'pass' and items['2.3']['status'] == 'pass'
    assert items['2.12']['status'] == 'pass' and items['2.13']['status'] == 'pass'


def test_2_6_and_2_18_error_without_docker_info_even_with_daemon_json():
    state = _state()
    state['docker_info'] = {}
    state['docker_info_error'] = ''
    state['daemon_json']['settings'].update({'experimental': False, 'storage-driver': 'overlay2'})
    items = _items(_report(state))
    assert items['2.6']['status'] == 'error' and items['2.18']['status'] == 'error'
    assert 'docker info failed: no answer' in items['2.6']['evidence']


def test_2_6_aufs_from_config_fails_without_docker_info():
    state = _state()
    state['docker_info'] = {}
    state['daemon_json']['settings']['storage-driver'] = 'aufs'
    assert _items(_report(state))['2.6']['status'] == 'fail'
    state = _state()
    state['docker_info']['Driver'] = 'aufs'
    assert _items(_report(state))['2.6']['status'] == 'fail'


def test_2_1_rootless():
    state = _state()
    assert _items(_report(state))['2.1']['status'] == 'pass'
    state['docker_info']['SecurityOptions'].remove('name=rootless')
    item = _items(_report(state))['2.1']
    assert item['status'] == 'manual' and 'rootless' in item['reason'] and 'root' in item['reason']
    assert 'uid 0' in item['evidence']


def test_2_2_bridge_or_config():
    state = _state()
    state['bridge_options']['com.docker.network.bridge.enable_icc'] = 'true'
    assert _items(_report(state))['2.2']['status'] == 'fail'
    state['bridge_options'] = None
    item = _items(_report(state))['2.2']
    assert item['status'] == 'pass' and 'not inspectable' in item['evidence']


def test_flags_on_the_command_line_count():
    state = _state()
    state['effective_flags']['args'] = ['--icc=true', '--log-level', 'debug', '--userland-proxy=false', '--iptables=false',
                                        '--insecure-registry', 'reg:5000', '--no-new-privileges', '-H', 'tcp://0.0.0.0:2375',
                                        '--log-opt', 'max-size=10m', '--storage-opt', 'dm.basesize=20G',
                                        '--authorization-plugin=opa']
    state['bridge_options'] = None
    config = cis.effective_config(state)
    assert config['icc'] is True and config['log-level'] == 'debug' and config['iptables'] is False
    assert config['insecure-registries'] == ['reg:5000'] and config['no-new-privileges'] is True
    assert config['hosts'] == ['tcp://0.0.0.0:2375'] and config['userland-proxy'] is False
    assert config['log-opts'] == {'max-size': '10m'} and config['storage-opts'] == ['dm.basesize=20G']
    assert config['authorization-plugins'] == ['opa']
    items = _items(_report(state))
    for item_id in ('2.2', '2.3', '2.4', '2.5', '2.7'):
        assert items[item_id]['status'] == 'fail', item_id
    assert 'systemctl show' in items['2.3']['evidence']


def test_process_argv_is_the_fallback():
    state = _state()
    state['effective_flags'] = {'source': 'none', 'text': '', 'args': []}
    state['dockerd']['args'] = ['--log-level', 'debug', '-H', 'unix:///srv/docker.sock', '--icc', 'false']
    config = cis.effective_config(state)
    assert config['log-level'] == 'debug' and config['hosts'] == ['unix:///srv/docker.sock']
    # '--icc' is a boolean flag: 'false' is not its value (dockerd reads it the same way).
    assert config['icc'] is True
    item = _items(_report(state))['2.3']
    assert item['status'] == 'fail' and 'running process' in item['evidence']


def test_2_5_insecure_registry_cidrs():
    state = _state()
    state['docker_info']['RegistryConfig']['InsecureRegistryCIDRs'] = ['127.0.0.0/8', '10.0.0.0/8']
    assert _items(_report(state))['2.5']['status'] == 'fail'
    state['docker_info'] = {}
    state['daemon_json']['settings']['insecure-registries'] = ['reg:5000']
    assert _items(_report(state))['2.5']['status'] == 'fail'   # conclusive without docker info


def test_tls_files_and_tcp_listener():
    state = _state()
    settings = state['daemon_json']['settings']
    settings.update({'hosts': ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'], 'tlsverify': True,
                     'tlscacert': '/etc/docker/tls/ca.pem', 'tlscert': '/etc/docker/tls/server-cert.pem',
                     'tlskey': '/etc/docker/tls/server-key.pem'})
    state['effective_flags']['args'] = []
    state['dockerd']['args'] = []
    state['stat']['/etc/docker/tls/ca.pem'] = _st(path='/etc/docker/tls/ca.pem', mode='0444')
    state['stat']['/etc/docker/tls/server-cert.pem'] = _st(path='/etc/docker/tls/server-cert.pem', mode='0644')
    state['stat']['/etc/docker/tls/server-key.pem'] = _st(path='/etc/docker/tls/server-key.pem', mode='0400')
    cert = {'path': '/etc/docker/tls/server-cert.pem', 'not_after': '2027-01-01T00:00:00Z', 'days_left': 300}
    report = _report(state, tls_certificate=cert)
    items = _items(report)
    assert items['2.7']['status'] == 'pass'
    assert items['3.10']['status'] == 'pass' and items['3.12']['status'] == 'fail' and items['3.14']['status'] == 'pass'
    assert report['daemon']['tls'] is True and report['daemon']['tls_certificate_days_left'] == 300
    assert 'tcp://0.0.0.0:2376' in report['daemon']['listeners']
    assert cis.cis_file_fixes(state) == [
        {'path': '/etc/docker/tls/server-cert.pem', 'owner': 'root', 'group': 'root', 'mode': '0444'}]
    del settings['tlsverify']
    assert _items(_report(state))['2.7']['status'] == 'fail'


def test_2_8_2_10_2_16():
    state = _state()
    settings = state['daemon_json']['settings']
    del settings['default-ulimits']
    settings['cgroup-parent'] = '/mine'
    settings['userland-proxy'] = True
    items = _items(_report(state))
    assert items['2.8']['status'] == 'fail' and items['2.10']['status'] == 'fail' and items['2.16']['status'] == 'fail'


def test_security_options():
    state = _state()
    state['docker_info']['SecurityOptions'] = ['name=seccomp,profile=unconfined', 'name=userns']
    state['daemon_json']['settings'].pop('no-new-privileges')
    items = _items(_report(state))
    assert items['2.17']['status'] == 'fail' and items['2.9']['status'] == 'pass' and items['2.14']['status'] == 'fail'
    state['docker_info']['SecurityOptions'] = ['name=seccomp,profile=builtin', 'name=no-new-privileges']
    items = _items(_report(state))
    assert items['2.17']['status'] == 'pass' and items['2.14']['status'] == 'pass' and items['2.9']['status'] == 'fail'


def test_2_11_base_device_size():
    state = _state()
    item = _items(_report(state))['2.11']
    assert item['status'] == 'not_applicable' and 'overlay2' in item['reason']
    state['docker_info']['Driver'] = 'devicemapper'
    assert _items(_report(state))['2.11']['status'] == 'pass'
    state['daemon_json']['settings']['storage-opts'] = ['dm.basesize=50G']
    item = _items(_report(state))['2.11']
    assert item['status'] == 'fail' and 'dm.basesize=50G' in item['evidence']
    state['daemon_json']['settings']['storage-opts'] = []
    state['effective_flags']['args'] = ['--storage-opt', 'dm.basesize=20G']
    assert _items(_report(state))['2.11']['status'] == 'fail'


def test_2_12_authorization_plugin():
    state = _state()
    assert _items(_report(state))['2.12']['status'] == 'pass'
    del state['daemon_json']['settings']['authorization-plugins']
    assert _items(_report(state))['2.12']['status'] == 'pass'   # docker info Plugins.Authorization
    state['docker_info']['Plugins'] = {'Authorization': None, 'Volume': ['local']}
    assert _items(_report(state))['2.12']['status'] == 'fail'
    state['effective_flags']['args'] = ['--authorization-plugin=opa']
    assert _items(_report(state))['2.12']['status'] == 'pass'


@pytest.mark.parametrize('driver,opts,status', [
    ('gelf', {}, 'pass'),
    ('fluentd', {}, 'pass'),
    ('awslogs', {}, 'pass'),
    ('splunk', {}, 'pass'),
    ('gcplogs', {}, 'pass'),
    ('logentries', {}, 'pass'),
    ('syslog', {'syslog-address': 'udp://10.0.0.1:514'}, 'pass'),
    ('syslog', {'syslog-address': 'tcp://10.0.0.1:514'}, 'pass'),
    ('syslog', {'syslog-address': 'tcp+tls://10.0.0.1:6514'}, 'pass'),
    ('syslog', {'syslog-address': 'unix:///dev/log'}, 'manual'),
    ('syslog', {}, 'manual'),
    ('journald', {}, 'manual'),
    ('json-file', {'max-size': '10m', 'max-file': '3'}, 'fail'),
    ('local', {}, 'fail'),
    ('none', {}, 'fail'),
])
def test_2_13_remote_logging(driver, opts, status):
    state = _state()
    state['docker_info']['LoggingDriver'] = driver
    state['daemon_json']['settings']['log-opts'] = opts
    item = _items(_report(state))['2.13']
    assert item['status'] == status
    if status == 'manual':
        assert 'check' in item['reason'] and 'forward' in item['reason']


def test_2_13_log_driver_from_config_without_docker_info():
    state = _state()
    state['docker_info'] = {}
    state['daemon_json']['settings']['log-driver'] = 'journald'
    assert _items(_report(state))['2.13']['status'] == 'manual'
    del state['daemon_json']['settings']['log-driver']
    item = _items(_report(state))['2.13']
    assert item['status'] == 'fail' and 'json-file' in item['evidence']


def test_2_15_2_18():
    state = _state()
    state['docker_info']['LiveRestoreEnabled'] = False
    state['docker_info']['ExperimentalBuild'] = True
    items = _items(_report(state))
    assert items['2.15']['status'] == 'fail' and items['2.18']['status'] == 'fail'


@pytest.mark.parametrize('driver,opts,status', [
    ('json-file', {'max-size': '10m', 'max-file': '3'}, 'pass'),
    ('json-file', {'max-size': '10m'}, 'fail'),
    ('json-file', {}, 'fail'),
    ('local', {}, 'pass'),
    ('journald', {}, 'pass'),
])
def test_log_rotation(driver, opts, status):
    state = _state()
    state['docker_info']['LoggingDriver'] = driver
    state['daemon_json']['settings']['log-opts'] = opts
    item = _items(_report(state))['log-rotation']
    assert item['status'] == status and item['section'] == '2'


def test_unparsable_daemon_json_is_an_error_for_config_items():
    state = _state()
    state['daemon_json'].update(settings={}, error='Expecting value: line 3 column 1 (char 12)')
    state['bridge_options'] = None
    state['docker_info']['LoggingDriver'] = 'json-file'
    items = _items(_report(state))
    for item_id in ('2.2', '2.3', '2.4', '2.7', '2.8', '2.10', '2.16', 'log-rotation', '3.9', '3.14'):
        assert items[item_id]['status'] == 'error', item_id
        assert 'Expecting value' in items[item_id]['evidence'], item_id
    # Items read from the running daemon are still judged.
    assert items['2.15']['status'] == 'pass' and items['2.17']['status'] == 'pass'
    assert items['2.13']['status'] == 'fail'   # json-file, from docker info
    assert items['2.12']['status'] == 'pass'   # docker info Plugins.Authorization
    del state['docker_info']['Plugins']
    assert _items(_report(state))['2.12']['status'] == 'error'


# --------------------------------------------------------------------------
# Section 3
# --------------------------------------------------------------------------

def test_missing_files_are_not_applicable():
    items = _items(_report(_state()))
    for item_id in ('3.20', '3.21', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14'):
        assert items[item_id]['status'] == 'not_applicable', item_id
        assert items[item_id]['reason'] and items[item_id]['evidence']
    assert 'certs.d' in items['3.7']['reason'] and 'not configured' in items['3.9']['reason']
    assert items['3.15']['status'] == 'pass' and items['3.16']['status'] == 'pass'


def test_registry_certs_judged_when_present():
    state = _state()
    path = '/etc/docker/certs.d/reg:5000/ca.crt'
    state['registry_certs'] = [path]
    state['stat'][path] = _st(path=path, mode='0644')
    items = _items(_report(state))
    assert items['3.7']['status'] == 'pass' and items['3.8']['status'] == 'fail'


def test_file_without_a_stat_is_an_error():
    state = _state()
    del state['stat']['/etc/sysconfig/docker']
    items = _items(_report(state))
    assert items['3.20']['status'] == 'error' and items['3.21']['status'] == 'error'


def test_file_fixes_never_widen_and_respect_waivers():
    state = _state()
    state['stat']['/etc/docker/daemon.json'] = _st(path='/etc/docker/daemon.json', mode='0600')
    state['stat']['/etc/default/docker'] = _st(path='/etc/default/docker', mode='0666', owner='bob')
    state['stat']['/lib/systemd/system/docker.socket'] = _st(path='/lib/systemd/system/docker.socket', mode='0664')
    fixes = cis.cis_file_fixes(state, {'3.4': 'vendor unit'})
    assert fixes == [{'path': '/etc/default/docker', 'owner': 'root', 'group': 'root', 'mode': '0644'}]
    items = _items(_report(state, waivers={'3.4': 'vendor unit'}))
    assert items['3.18']['status'] == 'pass'   # 0600 is more restrictive than 0644
    assert items['3.19']['status'] == 'fail' and items['3.22']['status'] == 'fail'
    assert items['3.4']['status'] == 'waived'


# --------------------------------------------------------------------------
# Section 5
# --------------------------------------------------------------------------

def test_no_containers_no_section5_items():
    report = _report(_state())
    assert not [i for i in report['items'] if i['section'] == '5']
    assert report['containers'] == {'running': 0, 'flagged': []}


def test_a_good_container_passes_every_check():
    state = _state()
    state['containers'] = [_container()]
    report = _report(state)
    items = _cont_items(report)
    assert sorted(items, key=cis._sort_key) == list(CONTAINER_IDS)
    assert dict((i, items[i]['status']) for i in items) == dict((i, 'pass') for i in CONTAINER_IDS)
    assert report['containers'] == {'running': 1, 'flagged': []}


@pytest.mark.parametrize('item_id,change,needle', [
    ('5.4', {'privileged': True}, 'Privileged=True'),
    ('5.9', {'network_mode': 'host'}, 'NetworkMode=host'),
    ('5.10', {'memory': 0}, 'unlimited'),
    ('5.11', {'cpu_shares': 0}, 'default 1024'),
    ('5.11', {'cpu_shares': 1024}, 'default 1024'),
    ('5.12', {'readonly_rootfs': False}, 'ReadonlyRootfs=False'),
    ('5.13', {'port_bindings': [{'container_port': '80/tcp', 'host_ip': '', 'host_port': '80'}]}, '0.0.0.0:80'),
    ('5.13', {'port_bindings': [{'container_port': '80/tcp', 'host_ip': '0.0.0.0', 'host_port': '80'}]}, '0.0.0.0:80'),
    ('5.13', {'port_bindings': [{'container_port': '80/tcp', 'host_ip': '::', 'host_port': '80'}]}, '::'),
    ('5.15', {'pid_mode': 'host'}, 'PidMode=host'),
    ('5.16', {'ipc_mode': 'host'}, 'IpcMode=host'),
    ('5.21', {'security_opt': ['seccomp=unconfined', 'no-new-privileges']}, 'seccomp=unconfined'),
    ('5.21', {'security_opt': ['seccomp:unconfined', 'no-new-privileges']}, 'seccomp:unconfined'),
    ('5.26', {'healthcheck': False, 'health_status': ''}, 'not set'),
])
def test_container_check_fails(item_id, change, needle):
    state = _state()
    state['containers'] = [_container(**change)]
    report = _report(state)
    items = _cont_items(report)
    assert items[item_id]['status'] == 'fail'
    assert needle in items[item_id]['evidence']
    assert items[item_id]['container'] == 'web' and items[item_id]['image'] == 'nginx:1'
    # A privileged container also runs without seccomp (5.21).
    also = ['5.21'] if change.get('privileged') else []
    others = [i for i in items if i != item_id and items[i]['status'] != 'pass']
    assert others == also
    assert report['containers']['flagged'] == [{'name': 'web', 'image': 'nginx:1', 'items': [item_id] + also}]
    assert report['compliant'] is False


def test_5_13_no_ports_or_specific_interface_pass():
    state = _state()
    state['containers'] = [_container(port_bindings=[])]
    item = _cont_items(_report(state))['5.13']
    assert item['status'] == 'pass' and item['evidence'] == 'no published ports'
    state['containers'] = [_container(port_bindings=[{'container_port': '53/udp', 'host_ip': '::1', 'host_port': '53'}])]
    assert _cont_items(_report(state))['5.13']['status'] == 'pass'


@pytest.mark.parametrize('source', ['/', '/etc', '/etc/ssl', '/boot', '/dev', '/dev/log', '/lib/modules', '/proc',
                                    '/sys/fs/cgroup', '/usr', '/usr/share/zoneinfo', '/etc/'])
def test_5_5_sensitive_dirs(source):
    state = _state()
    state['containers'] = [_container(mounts=[{'type': 'bind', 'source': source, 'destination': '/host',
                                               'rw': True}])]
    item = _cont_items(_report(state))['5.5']
    assert item['status'] == 'fail'


@pytest.mark.parametrize('source', ['/srv/data', '/home/app', '/etcetera', '/var/lib/app', '/usrlocal'])
def test_5_5_other_dirs_pass(source):
    state = _state()
    state['containers'] = [_container(mounts=[{'type': 'bind', 'source': source, 'destination': '/x', 'rw': True}])]
    assert _cont_items(_report(state))['5.5']['status'] == 'pass'


def test_5_5_read_only_still_counts():
    state = _state()
    state['containers'] = [_container(mounts=[{'type': 'bind', 'source': '/etc', 'destination': '/host-etc',
                                               'rw': False}])]
    item = _cont_items(_report(state))['5.5']
    assert item['status'] == 'fail'
    assert '(read-only)' in item['evidence'] and 'read-only mounts still expose' in item['evidence']


@pytest.mark.parametrize('opts,daemon_nnp,info_nnp,status', [
    (['no-new-privileges'], False, False, 'pass'),
    (['no-new-privileges:true'], False, False, 'pass'),
    (['no-new-privileges=true'], False, False, 'pass'),
    ([], True, False, 'pass'),
    ([], False, True, 'pass'),
    ([], False, False, 'fail'),
    (['no-new-privileges:false'], True, False, 'fail'),
])
def test_5_25_no_new_privileges(opts, daemon_nnp, info_nnp, status):
    state = _state()
    state['daemon_json']['settings']['no-new-privileges'] = daemon_nnp
    if info_nnp:
        state['docker_info']['SecurityOptions'].append('name=no-new-privileges')
    state['containers'] = [_container(security_opt=opts)]
    assert _cont_items(_report(state))['5.25']['status'] == status


@pytest.mark.parametrize('opts,daemon_nnp,running,status', [
    # The daemon default reaches only containers created after it: the process's own flag decides.
    ([], True, False, 'fail'),
    (['no-new-privileges'], False, True, 'pass'),
    ([], False, True, 'pass'),
    (['no-new-privileges'], True, False, 'fail'),
])
def test_5_25_the_process_flag_decides(opts, daemon_nnp, running, status):
    state = _state()
    state['daemon_json']['settings']['no-new-privileges'] = daemon_nnp
    state['containers'] = [_container(security_opt=opts, no_new_privs=running, pid=7)]
    item = _cont_items(_report(state))['5.25']
    assert item['status'] == status and 'process 7 NoNewPrivs=%d' % running in item['evidence']
    assert ('recreate the container' in item['evidence']) == (daemon_nnp and not running and not opts)


def test_5_25_daemon_default_unknown_is_an_error():
    state = _state()
    state['daemon_json'].update(settings={}, error='bad json')
    state['containers'] = [_container(security_opt=[])]
    item = _cont_items(_report(state))['5.25']
    assert item['status'] == 'error' and item['reason']


def test_5_26_health_check():
    state = _state()
    state['containers'] = [_container(health_status='unhealthy')]
    item = _cont_items(_report(state))['5.26']
    assert item['status'] == 'pass' and 'unhealthy' in item['evidence']


@pytest.mark.parametrize('source', ['/var/run/docker.sock', '/run/docker.sock', '/srv/docker.sock', '/run', '/var/run'])
def test_5_31_docker_socket(source):
    state = _state()
    state['effective_flags']['args'] = ['-H', 'unix:///srv/docker.sock']
    state['containers'] = [_container(mounts=[{'type': 'bind', 'source': source, 'destination': '/var/run/docker.sock',
                                               'rw': False}])]
    item = _cont_items(_report(state))['5.31']
    assert item['status'] == 'fail' and source in item['evidence']


def test_5_31_other_mounts_pass():
    state = _state()
    state['containers'] = [_container(mounts=[{'type': 'bind', 'source': '/run/app.sock', 'destination': '/a.sock',
                                               'rw': True}])]
    assert _cont_items(_report(state))['5.31']['status'] == 'pass'


def test_several_containers_sorted_by_id_then_container():
    state = _state()
    state['containers'] = [_container(name='zeta', privileged=True), _container(name='alpha', memory=0)]
    report = _report(state)
    five = [(i['id'], i['container']) for i in report['items'] if i['section'] == '5']
    assert five[:4] == [('5.4', 'alpha'), ('5.4', 'zeta'), ('5.5', 'alpha'), ('5.5', 'zeta')]
    assert five[-2:] == [('5.31', 'alpha'), ('5.31', 'zeta')]
    assert report['containers']['flagged'] == [{'name': 'alpha', 'image': 'nginx:1', 'items': ['5.10']},
                                               {'name': 'zeta', 'image': 'nginx:1', 'items': ['5.4', '5.21']}]


# --------------------------------------------------------------------------
# Failed hosts and the table
# --------------------------------------------------------------------------

@pytest.mark.parametrize('status', ['unreachable', 'failed'])
def test_failed_host_report(status):
    report = cis.failed_host_report('web9', status, 'ssh: connect timed out', 'now')
    assert report['status'] == status and report['error'] == 'ssh: connect timed out'
    assert report['items'] == [] and report['compliant'] is False and report['host'] == 'web9'
    assert report['summary'] == dict((s, 0) for s in STATUSES)
    assert set(report) == set(_report(_state()))
    lines = cis.report_table(report)
    assert any(status in line and 'ssh: connect timed out' in line for line in lines)


def test_failed_host_report_refuses_other_statuses():
    with pytest.raises(ValueError):
        cis.failed_host_report('web9', 'ok', 'x', 'now')


def test_table_is_readable():
    state = copy.deepcopy(_state())
    state['docker_info']['SecurityOptions'].remove('name=rootless')
    state['docker_info']['LiveRestoreEnabled'] = False
    del state['stat']['/etc/containerd/config.toml']
    state['containers'] = [_container(privileged=True)]
    report = _report(state, waivers={'2.9': 'later'}, host='web1', generated='now')
    lines = cis.report_table(report)
    assert lines[0].startswith('CIS Docker Benchmark report for web1')
    assert 'TLS off' in lines[2]
    assert any(line.startswith('2.9 ') and 'waived: later' in line for line in lines)
    assert any(line.startswith('2.1 ') and 'manual' in line and 'check: ' in line for line in lines)
    assert any(line.startswith('2.15 ') and 'FAIL' in line for line in lines)
    assert any(line.startswith('1.1.12 ') and 'ERROR' in line for line in lines)
    assert any(line.startswith('1.1.13 ') and 'n/a' in line for line in lines)
    assert any(line.startswith('5.4 web ') and 'FAIL' in line for line in lines)
    assert any('flagged: web (5.4, 5.21)' in line for line in lines)
    s = report['summary']
    assert lines[-1] == '%d pass, %d fail, %d waived, %d not applicable, %d manual, %d error: NOT compliant' % (
        s['pass'], s['fail'], s['waived'], s['not_applicable'], s['manual'], s['error'])


def test_privileged_container_fails_5_4_and_5_21():
    state = _state()
    state['containers'] = [_container(privileged=True, security_opt=['label=disable'])]
    items = _cont_items(_report(state))
    assert items['5.4']['status'] == 'fail'
    # --privileged turns seccomp off whatever SecurityOpt says.
    assert items['5.21']['status'] == 'fail' and 'without a seccomp profile' in items['5.21']['evidence']


@pytest.mark.parametrize('addr,exposure', [
    (None, 'off'), ('', 'off'), ('127.0.0.1:9323', 'loopback'), ('[::1]:9323', 'loopback'),
    ('localhost:9323', 'loopback'), ('0.0.0.0:9323', 'network'), (':9323', 'network'), ('10.1.2.3:9323', 'network'),
])
def test_the_report_says_where_metrics_are_exposed(addr, exposure):
    state = _state()
    if addr is not None:
        state['daemon_json']['settings']['metrics-addr'] = addr
    daemon = _report(state)['daemon']
    assert daemon['metrics_exposure'] == exposure and daemon['metrics_addr'] == (addr or '')


def test_the_report_shows_the_storage_quota_and_the_default_container_size():
    state = _state()
    state['storage'] = dict(state.get('storage') or {}, quota='xfs project quota')
    state['daemon_json']['settings']['storage-opts'] = ['overlay2.override_kernel_check=true', 'overlay2.size=10G']
    storage = _report(state)['storage']
    assert (storage['quota'], storage['default_container_size']) == ('xfs project quota', '10G')
    assert _report(_state())['storage']['default_container_size'] == ''
