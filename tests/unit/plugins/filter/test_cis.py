"""Unit tests for the hardening role's CIS filters (plugins/filter/cis.py)."""

import copy

import pytest

from ansible_collections.hardened.docker.plugins.filter import cis


def _st(mode='0644', owner='root', group='root', kind='file', real=None, path=None):
    return {'exists': True, 'realpath': real or path, 'uid': 0, 'gid': 0, 'owner': owner, 'group': group,
            'mode': mode, 'kind': kind}


def _probe():
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
    audit_lines = ['-w %s -p rwxa -k docker' % p for p in (
        '/usr/sbin/dockerd', '/run/containerd', '/var/lib/docker', '/etc/docker', '/lib/systemd/system/docker.service',
        '/run/containerd/containerd.sock', '/lib/systemd/system/docker.socket', '/etc/default/docker',
        '/etc/docker/daemon.json', '/etc/containerd/config.toml', '/usr/bin/containerd',
        '/usr/bin/containerd-shim-runc-v2', '/usr/sbin/runc')]
    return {
        'group': {'exists': True, 'gid': 999, 'members': ['alice'], 'primary_members': [], 'missing_users': []},
        'daemon_json': {'path': '/etc/docker/daemon.json', 'exists': True, 'error': None, 'settings': {
            'icc': False, 'log-level': 'info', 'no-new-privileges': True, 'live-restore': True,
            'userland-proxy': False, 'default-ulimits': {'nofile': {'Name': 'nofile', 'Soft': 1024, 'Hard': 65536}},
            'log-opts': {'max-size': '10m', 'max-file': '3'}}},
        'dockerd': {'pid': 10, 'args': ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock']},
        'docker_info': {'ServerVersion': '20.10.24', 'Driver': 'overlay2', 'DockerRootDir': '/var/lib/docker',
                        'LoggingDriver': 'json-file', 'LiveRestoreEnabled': True, 'ExperimentalBuild': False,
                        'SecurityOptions': ['name=seccomp,profile=default'],
                        'RegistryConfig': {'InsecureRegistryCIDRs': ['127.0.0.0/8']}},
        'docker_info_error': '',
        'bridge_options': {'com.docker.network.bridge.enable_icc': 'false'},
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
                  'compiled': '-D\n' + '\n'.join(audit_lines) + '\n'},
        'tls_server_certificate': None,
    }


def _items(report):
    return dict((i['id'], i) for i in report['items'])


def test_all_pass_on_a_hardened_host():
    report = cis.cis_report(_probe(), trusted_users=['alice'], waivers={'2.9': 'no userns here'}, host='h')
    items = _items(report)
    failing = [i for i in report['items'] if i['status'] == 'fail']
    assert failing == []
    assert report['compliant'] is True
    assert items['2.9']['status'] == 'waived' and items['2.9']['reason'] == 'no userns here'
    assert set(items) == set(cis.cis_items())
    assert report['summary'] == {'pass': len(items) - 1, 'fail': 0, 'waived': 1}
    assert report['audit_evidence'] == ('compiled rules file /etc/audit/audit.rules (auditctl not permitted: '
                                        'Error sending rule list data request (Operation not permitted))')


def test_missing_files_are_not_applicable_and_have_no_rule():
    probe = _probe()
    items = _items(cis.cis_report(probe, trusted_users=['alice']))
    assert items['1.1.13']['applicable'] is False and items['1.1.13']['status'] == 'pass'
    assert items['1.1.15']['applicable'] is False
    assert items['3.9']['applicable'] is False
    watches = cis.cis_audit_watches(probe)
    assert '-w /usr/sbin/dockerd -p rwxa -k docker' in watches
    assert not any('sysconfig' in w or 'containerd-shim ' in w for w in watches)


def test_a_failing_item_does_not_hide_the_others():
    probe = _probe()
    probe['group']['members'] = ['alice', 'mallory']
    probe['docker_info']['LiveRestoreEnabled'] = False
    report = cis.cis_report(probe, trusted_users=['alice'], waivers={'2.15': 'swarm manager'})
    items = _items(report)
    assert items['1.1.2']['status'] == 'fail' and 'mallory' in items['1.1.2']['evidence']
    assert items['2.15']['status'] == 'waived'
    assert items['2.2']['status'] == 'pass'
    assert report['compliant'] is False
    assert len(report['items']) == len(cis.cis_items())


def test_primary_group_members_count():
    probe = _probe()
    probe['group']['primary_members'] = ['svc']
    item = _items(cis.cis_report(probe, trusted_users=['alice']))['1.1.2']
    assert item['status'] == 'fail' and 'primary group' in item['evidence']


def test_audit_checked_live_when_permitted():
    probe = _probe()
    probe['audit'].update(auditctl_rc=0, not_permitted=False, auditctl_out='-w /usr/sbin/dockerd -p rwxa -k docker\n')
    report = cis.cis_report(probe, trusted_users=['alice'])
    items = _items(report)
    assert report['audit_evidence'] == 'auditctl -l'
    assert items['1.1.3']['status'] == 'pass'
    assert items['1.1.14']['status'] == 'fail' and 'no watch on /usr/bin/containerd' in items['1.1.14']['evidence']


def test_unwatched_understands_both_rule_forms():
    text = '-w /usr/sbin/dockerd -p rwxa -k docker\n-a always,exit -F dir=/var/lib/docker/ -F perm=rwxa -F key=docker\n'
    lines = ['-w /usr/sbin/dockerd -p rwxa -k docker', '-w /var/lib/docker -p rwxa -k docker',
             '-w /etc/docker -p rwxa -k docker']
    assert cis.cis_unwatched(lines, text) == ['-w /etc/docker -p rwxa -k docker']
    assert cis.cis_unwatched(lines, '# -w /etc/docker -p rwxa') == lines


def test_waived_audit_item_gets_no_rule():
    watches = cis.cis_audit_watches(_probe(), {'1.1.5': 'data-root on a busy disk'})
    assert not any('/var/lib/docker ' in w for w in watches)


def test_binaries_are_watched_under_their_real_path():
    probe = _probe()
    probe['binaries']['runc'] = ['/usr/sbin/runc', '/usr/bin/runc']
    probe['stat']['/usr/bin/runc'] = _st(path='/usr/bin/runc', real='/usr/sbin/runc')
    watches = [w for w in cis.cis_audit_watches(probe) if 'runc ' in w]
    assert watches == ['-w /usr/sbin/runc -p rwxa -k docker']


def test_file_fixes_never_widen_and_respect_waivers():
    probe = _probe()
    probe['stat']['/etc/docker/daemon.json'] = _st(path='/etc/docker/daemon.json', mode='0600')
    probe['stat']['/etc/default/docker'] = _st(path='/etc/default/docker', mode='0666', owner='bob')
    probe['stat']['/lib/systemd/system/docker.socket'] = _st(path='/lib/systemd/system/docker.socket', mode='0664')
    fixes = cis.cis_file_fixes(probe, {'3.4': 'vendor unit'})
    assert fixes == [{'path': '/etc/default/docker', 'owner': 'root', 'group': 'root', 'mode': '0644'}]
    items = _items(cis.cis_report(probe, trusted_users=['alice'], waivers={'3.4': 'vendor unit'}))
    assert items['3.18']['status'] == 'pass'   # 0600 is more restrictive than 0644
    assert items['3.19']['status'] == 'fail' and items['3.22']['status'] == 'fail'
    assert items['3.4']['status'] == 'waived'


def test_tls_files_and_tcp_listener():
    probe = _probe()
    settings = probe['daemon_json']['settings']
    settings.update({'hosts': ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'], 'tlsverify': True,
                     'tlscacert': '/etc/docker/tls/ca.pem', 'tlscert': '/etc/docker/tls/server-cert.pem',
                     'tlskey': '/etc/docker/tls/server-key.pem'})
    probe['dockerd']['args'] = []
    probe['stat']['/etc/docker/tls/ca.pem'] = _st(path='/etc/docker/tls/ca.pem', mode='0444')
    probe['stat']['/etc/docker/tls/server-cert.pem'] = _st(path='/etc/docker/tls/server-cert.pem', mode='0644')
    probe['stat']['/etc/docker/tls/server-key.pem'] = _st(path='/etc/docker/tls/server-key.pem', mode='0400')
    cert = {'path': '/etc/docker/tls/server-cert.pem', 'not_after': '2027-01-01T00:00:00Z', 'days_left': 300}
    report = cis.cis_report(probe, trusted_users=['alice'], tls_certificate=cert)
    items = _items(report)
    assert items['2.7']['status'] == 'pass'
    assert items['3.10']['status'] == 'pass' and items['3.12']['status'] == 'fail' and items['3.14']['status'] == 'pass'
    assert report['daemon']['tls'] is True and report['daemon']['tls_certificate_days_left'] == 300
    assert 'tcp://0.0.0.0:2376' in report['daemon']['listeners']
    assert cis.cis_file_fixes(probe) == [
        {'path': '/etc/docker/tls/server-cert.pem', 'owner': 'root', 'group': 'root', 'mode': '0444'}]
    del settings['tlsverify']
    assert _items(cis.cis_report(probe, trusted_users=['alice']))['2.7']['status'] == 'fail'


def test_flags_on_the_command_line_count():
    probe = _probe()
    probe['dockerd']['args'] = ['--icc=true', '--log-level', 'debug', '--userland-proxy=false', '--iptables=false',
                                '--insecure-registry', 'reg:5000', '--no-new-privileges', '-H', 'tcp://0.0.0.0:2375']
    probe['bridge_options'] = None
    config = cis.effective_config(probe)
    assert config['icc'] is True and config['log-level'] == 'debug' and config['iptables'] is False
    assert config['insecure-registries'] == ['reg:5000'] and config['no-new-privileges'] is True
    assert config['hosts'] == ['tcp://0.0.0.0:2375']
    items = _items(cis.cis_report(probe, trusted_users=['alice']))
    for item_id in ('2.2', '2.3', '2.4', '2.5', '2.7'):
        assert items[item_id]['status'] == 'fail', item_id


@pytest.mark.parametrize('driver,opts,ok', [
    ('json-file', {'max-size': '10m', 'max-file': '3'}, True),
    ('json-file', {'max-size': '10m'}, False),
    ('json-file', {}, False),
    ('local', {}, True),
    ('journald', {}, True),
])
def test_log_rotation(driver, opts, ok):
    probe = _probe()
    probe['docker_info']['LoggingDriver'] = driver
    probe['daemon_json']['settings']['log-opts'] = opts
    item = _items(cis.cis_report(probe, trusted_users=['alice']))['log-rotation']
    assert item['status'] == ('pass' if ok else 'fail')


def test_security_options():
    probe = _probe()
    probe['docker_info']['SecurityOptions'] = ['name=seccomp,profile=unconfined', 'name=userns']
    probe['daemon_json']['settings'].pop('no-new-privileges')
    items = _items(cis.cis_report(probe, trusted_users=['alice']))
    assert items['2.17']['status'] == 'fail' and items['2.9']['status'] == 'pass' and items['2.14']['status'] == 'fail'
    probe['docker_info']['SecurityOptions'] = ['name=seccomp,profile=builtin', 'name=no-new-privileges']
    items = _items(cis.cis_report(probe, trusted_users=['alice']))
    assert items['2.17']['status'] == 'pass' and items['2.14']['status'] == 'pass' and items['2.9']['status'] == 'fail'


def test_table_is_readable():
    probe = copy.deepcopy(_probe())
    report = cis.cis_report(probe, trusted_users=['alice'], waivers={'2.9': 'later'}, host='web1', generated='now')
    lines = cis.cis_report_table(report)
    assert lines[0].startswith('CIS Docker Benchmark report for web1')
    assert any(line.startswith('2.9 ') and 'waived: later' in line for line in lines)
    assert 'TLS off' in lines[2]
    assert lines[-1].startswith('%d pass, 0 fail, 1 waived' % (len(report['items']) - 1))


def test_item_ids_sorted_numerically():
    ids = cis.cis_items()
    assert ids.index('1.1.3') < ids.index('1.1.10') < ids.index('2.2') < ids.index('2.10') < ids.index('3.2')
    assert ids[-1] == 'log-rotation'
