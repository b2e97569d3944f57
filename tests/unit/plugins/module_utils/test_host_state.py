"""Unit tests of the host-state parsers and of the reader with a scripted command runner."""

import json
import os

import pytest

from ansible_collections.hardened.docker.plugins.module_utils import _host_state as hs
from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema

MOUNTS = """\
/dev/vda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
/dev/vdb /var/lib/docker btrfs rw,relatime,space_cache 0 0
/dev/vdc /srv/my\\040data xfs rw,pquota 0 0
overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0
"""


def test_parse_mounts_unescapes_and_keeps_options():
    table = hs.parse_mounts(MOUNTS)
    assert table[3] == {'source': '/dev/vdc', 'target': '/srv/my data', 'fstype': 'xfs', 'options': ['rw', 'pquota']}
    assert len(table) == 5


@pytest.mark.parametrize('path,target', [
    ('/var/lib/docker', '/var/lib/docker'),
    ('/var/lib/docker/volumes/x', '/var/lib/docker'),
    ('/var/lib/dockerx', '/'),
    ('/srv/my data/y', '/srv/my data'),
    ('/etc', '/'),
])
def test_mount_for_takes_the_longest_prefix(path, target):
    assert hs.mount_for(path, hs.parse_mounts(MOUNTS))['target'] == target


def test_mount_for_last_of_equal_targets_wins():
    table = hs.parse_mounts('/dev/a /x ext4 rw 0 0\n/dev/b /x btrfs rw 0 0\n/dev/r / ext4 rw 0 0\n')
    assert hs.mount_for('/x/y', table)['source'] == '/dev/b'


SYSTEMCTL_SHOW = """\
FragmentPath=/lib/systemd/system/docker.service
DropInPaths=/etc/systemd/system/docker.service.d/override.conf /etc/systemd/system/docker.service.d/z.conf
ExecStart={ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS ; \
ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
EnvironmentFiles=/etc/default/docker (ignore_errors=yes)
Environment=A=1 "B=two words"
"""


def test_systemctl_show_and_exec_start():
    props = hs.parse_systemctl_show(SYSTEMCTL_SHOW)[0]
    assert props['DropInPaths'].split()[1].endswith('z.conf')
    assert hs.exec_start_argv(props['ExecStart']) == (
        '/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS')
    assert hs.parse_unit_environment(props['Environment']) == {'A': '1', 'B': 'two words'}


def test_exec_start_argv_takes_the_last_command():
    value = ('{ path=/usr/bin/true ; argv[]=/usr/bin/true ; ignore_errors=no ; } '
             '{ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd --debug ; ignore_errors=no ; }')
    assert hs.exec_start_argv(value) == '/usr/bin/dockerd --debug'
    assert hs.exec_start_argv('') == ''


def test_systemctl_show_several_units():
    blocks = hs.parse_systemctl_show('Id=a.service\nActiveState=active\n\nId=b.socket\nActiveState=inactive\n')
    assert [b['Id'] for b in blocks] == ['a.service', 'b.socket']


def test_unit_file_exec_start_skips_the_clearing_line():
    text = '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/x\n'
    assert hs.unit_file_exec_start(text) == '/usr/sbin/dockerd --containerd=/x'
    assert hs.unit_file_exec_start('[Unit]\n') == ''


def test_env_file_parsing_and_expansion():
    env = hs.parse_env_assignments('# c\nexport DOCKER_OPTS="--dns 10.0.0.2 --debug"\nFOO=bar # note\nbad line\n')
    assert env == {'DOCKER_OPTS': '--dns 10.0.0.2 --debug', 'FOO': 'bar'}
    assert hs.expand_variables('dockerd $DOCKER_OPTS ${FOO} $NOPE', env) == 'dockerd --dns 10.0.0.2 --debug bar '


def test_flag_args_use_the_collection_parser():
    assert hs.flag_args('/usr/sbin/dockerd -H fd:// --containerd=/run/c.sock --icc=false $DOCKER_OPTS') == [
        '-H', 'fd://', '--containerd=/run/c.sock', '--icc=false']
    # argv words survive values with blanks, as /proc/PID/cmdline gives them.
    assert hs.flag_args('dockerd --label "a b" -Hfd://') == ['--label', 'a b', '-Hfd://']
    assert daemon_schema.parse_dockerd_argv(['--label', 'a b', '-H', 'fd://']).values('labels') == ['a b']


INSPECT = {
    'Id': '0123456789abcdef', 'Name': '/web', 'Image': 'sha256:1',
    'Config': {'Image': 'tiny:1', 'Healthcheck': {'Test': ['CMD', 'true']}, 'User': ''},
    'State': {'Pid': 42, 'StartedAt': 't', 'Health': {'Status': 'healthy'}},
    'HostConfig': {'Privileged': True, 'NetworkMode': 'host', 'PidMode': 'host', 'IpcMode': 'private',
                   'Memory': 64 << 20, 'CpuShares': 512, 'ReadonlyRootfs': True,
                   'SecurityOpt': ['seccomp=unconfined'], 'RestartPolicy': {'Name': 'always'},
                   'PortBindings': {'80/tcp': [{'HostIp': '', 'HostPort': '8080'}],
                                    '81/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8081'}]}},
    'Mounts': [{'Type': 'bind', 'Source': '/var/run/docker.sock', 'Destination': '/s', 'RW': False}],
}


def test_container_summary():
    c = hs.container_summary(INSPECT)
    assert (c['id'], c['name'], c['image'], c['pid']) == ('0123456789ab', 'web', 'tiny:1', 42)
    assert c['privileged'] and c['readonly_rootfs'] and c['healthcheck']
    assert (c['network_mode'], c['pid_mode'], c['memory'], c['cpu_shares']) == ('host', 'host', 64 << 20, 512)
    assert c['port_bindings'] == [{'container_port': '80/tcp', 'host_ip': '', 'host_port': '8080'},
                                  {'container_port': '81/tcp', 'host_ip': '127.0.0.1', 'host_port': '8081'}]
    assert c['mounts'] == [{'type': 'bind', 'source': '/var/run/docker.sock', 'destination': '/s', 'rw': False}]
    assert c['restart_policy'] == 'always'


def test_container_summary_of_a_minimal_document():
    c = hs.container_summary({'Config': {'Healthcheck': {'Test': ['NONE']}}})
    assert not c['healthcheck'] and c['memory'] == 0 and c['port_bindings'] == [] and c['restart_policy'] == 'no'


@pytest.mark.parametrize('status,expected', [
    ('Name:\tsh\nNoNewPrivs:\t1\nSeccomp:\t2\n', True),
    ('Name:\tsh\nNoNewPrivs:\t0\n', False),
    ('Name:\tsh\n', None),  # a kernel older than 4.10
])
def test_process_no_new_privs(tmp_path, status, expected):
    (tmp_path / '42').mkdir()
    (tmp_path / '42' / 'status').write_text(status)
    assert hs.process_no_new_privs(42, proc=str(tmp_path)) is expected


def test_process_no_new_privs_of_a_gone_or_unknown_process(tmp_path):
    assert hs.process_no_new_privs(0, proc=str(tmp_path)) is None
    assert hs.process_no_new_privs(43, proc=str(tmp_path)) is None


def test_events_summary():
    lines = '\n'.join(json.dumps(d) for d in [
        {'Type': 'container', 'Action': 'die', 'time': 0, 'Actor': {'Attributes': {'name': 'a', 'image': 'i', 'exitCode': '137'}}},
        {'Type': 'container', 'Action': 'oom', 'time': 86400, 'Actor': {'Attributes': {'name': 'a', 'image': 'i'}}},
        {'Type': 'network', 'Action': 'connect'},
    ]) + '\nnot json\n'
    events = hs.summarize_events(hs.parse_json_lines(lines))
    assert events['died'] == [{'name': 'a', 'image': 'i', 'time': '1970-01-01T00:00:00Z', 'exit_code': '137'}]
    assert events['oom'] == [{'name': 'a', 'image': 'i', 'time': '1970-01-02T00:00:00Z'}]


def test_cert_summary():
    summary = hs.cert_summary({'not_after_epoch': 10 * 86400, 'sans': [('DNS', 'h'), ('IP Address', '10.0.0.1')]},
                              now=86400 * 2.5)
    assert summary == {'not_after': '1970-01-11T00:00:00Z', 'days_left': 7, 'subject_alt_names': ['DNS:h', 'IP:10.0.0.1']}


def test_decode_certificate_reads_a_real_certificate(tmp_path):
    from ansible_collections.hardened.docker.plugins.module_utils._tls import keys
    cert = tmp_path / 'ca.pem'
    key = keys.generate_private_key('ecdsa', 256)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
    import datetime
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'x')])
    now = datetime.datetime.now(datetime.timezone.utc)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.SubjectAlternativeName([x509.DNSName('h.example')]), critical=False)
             .sign(key, hashes.SHA256()))
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    summary = hs.cert_summary(hs.decode_certificate(str(cert)))
    assert summary['days_left'] in (29, 30)
    assert summary['subject_alt_names'] == ['DNS:h.example']


def test_unix_socket_from_hosts():
    assert hs.unix_socket_from_hosts(['tcp://0.0.0.0:2376', 'unix:///run/d.sock']) == '/run/d.sock'
    assert hs.unix_socket_from_hosts(None) == '/var/run/docker.sock'


def test_expand_subsets():
    assert hs.expand_subsets(['all', '!events']) == set(hs.ALL_SUBSETS) - {'events'}
    assert hs.expand_subsets(['engine']) == {'engine'}
    assert 'storage_devices' not in hs.expand_subsets(None)


class Script(object):
    """A command runner that answers from a table and records what it was asked."""

    def __init__(self, answers, missing=()):
        self.answers = answers
        self.missing = set(missing)
        self.calls = []

    def run(self, argv):
        self.calls.append(argv)
        for prefix, answer in self.answers:
            if argv[:len(prefix)] == prefix:
                return answer
        return 1, '', 'unexpected command %s' % argv

    def which(self, name):
        return None if name in self.missing else '/usr/bin/' + name


def test_reader_without_docker_says_so_and_does_not_fail(tmp_path):
    script = Script([], missing={'docker', 'dockerd', 'containerd', 'runc', 'systemctl', 'dpkg-query', 'rpm',
                                 'auditctl', 'augenrules'})
    state = hs.read_host(script.run, script.which, {'daemon_config_path': str(tmp_path / 'daemon.json')})
    assert state['engine']['installed'] is False and state['engine']['running'] is False
    assert state['docker_info'] == {} and 'not found' in state['docker_info_error']
    assert state['daemon_json'] == {'path': str(tmp_path / 'daemon.json'), 'exists': False, 'settings': {}, 'error': None,
                                    'managed_keys': None, 'pending': None}
    assert state['counts'] == {'images': None, 'containers': None, 'running': None, 'volumes': None}
    assert state['containers'] == [] and state['events']['error'] == 'docker did not answer'
    assert state['audit']['source'] in ('none', 'compiled rules file')
    assert state['data_root_source'] in ('default', 'dockerd command line')
    assert state['firewall'] == {'table': False, 'ports': [], 'allowed_networks': [], 'dropped_packets': None,
                                 'published_policy': False, 'published_networks': [], 'published_dropped_packets': None}
    # Nothing but read-only commands was asked for.
    assert all(c[:2] in (['auditctl', '-l'], ['nft', 'list']) or (c[:4] == ['iptables', '-w', '-t', c[3]] and c[4] == '-S')
               for c in script.calls) or script.calls == []
    # no port bridge chains (iptables answered 1 for both tables)
    assert state['port_bridge'] is False


def test_reader_sees_a_port_bridge_a_stopped_run_left(tmp_path):
    script = Script([(['iptables', '-w', '-t', 'filter', '-S', 'HARDENED-DOCKER-BRIDGE'], (0, '-N HARDENED-DOCKER-BRIDGE\n', ''))],
                    missing={'docker', 'dockerd', 'containerd', 'runc', 'systemctl', 'dpkg-query', 'rpm'})
    state = hs.read_host(script.run, script.which, {'daemon_config_path': str(tmp_path / 'daemon.json'),
                                                    'gather_subset': ['daemon']})
    assert state['port_bridge'] is True
    script = Script([], missing={'docker', 'dockerd', 'containerd', 'runc', 'systemctl', 'dpkg-query', 'rpm', 'iptables'})
    state = hs.read_host(script.run, script.which, {'daemon_config_path': str(tmp_path / 'daemon.json'),
                                                    'gather_subset': ['daemon']})
    assert state['port_bridge'] is False and not any(c[0] == 'iptables' for c in script.calls)


def test_reader_reads_the_allow_list_back_from_the_kernel(tmp_path):
    listing = ('table inet hardened_docker {\n\tset allowed_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n'
               '\t\telements = { 10.0.0.0/8 }\n\t}\n\tchain input {\n\t\ttcp dport 2376 jump remote_api\n\t}\n'
               '\tchain remote_api {\n\t\tcounter packets 7 bytes 420 drop comment '
               '"hardened.docker: not in the allowed networks"\n\t}\n}\n')
    script = Script([(['nft', 'list', 'table', 'inet', 'hardened_docker'], (0, listing, ''))],
                    missing={'docker', 'dockerd', 'containerd', 'runc', 'systemctl', 'dpkg-query', 'rpm', 'auditctl',
                             'augenrules'})
    state = hs.read_host(script.run, script.which, {'daemon_config_path': str(tmp_path / 'daemon.json')})
    assert state['firewall'] == {'table': True, 'ports': [2376], 'allowed_networks': ['10.0.0.0/8'],
                                 'dropped_packets': 7, 'published_policy': False, 'published_networks': [],
                                 'published_dropped_packets': None}


def test_reader_with_a_stopped_daemon(tmp_path):
    cfg = tmp_path / 'daemon.json'
    cfg.write_text('{"data-root": "/srv/docker", "log-driver": "journald"}')
    script = Script([
        (['docker', '--host', 'unix:///var/run/docker.sock', 'info'],
         (0, json.dumps({'ServerErrors': ['Cannot connect to the Docker daemon']}), '')),
    ], missing={'systemctl', 'auditctl'})
    state = hs.read_host(script.run, script.which, {'daemon_config_path': str(cfg), 'gather_subset': ['storage', 'disk_usage']})
    assert state['docker_info'] == {}
    assert state['docker_info_error'] == 'Cannot connect to the Docker daemon'
    assert (state['data_root'], state['data_root_source']) == ('/srv/docker', 'daemon.json')
    assert state['system_df'] == []


def test_reader_with_a_bad_daemon_json(tmp_path):
    cfg = tmp_path / 'daemon.json'
    cfg.write_text('{"debug": tru')
    script = Script([], missing={'docker', 'systemctl'})
    state = hs.read_host(script.run, script.which, {'daemon_config_path': str(cfg), 'gather_subset': ['engine']})
    assert state['daemon_json']['exists'] and state['daemon_json']['settings'] == {}
    assert state['daemon_json']['error']


def test_reader_reads_running_containers_and_packages(tmp_path):
    info = {'ServerVersion': '26.1.5', 'DockerRootDir': '/var/lib/docker', 'Images': 2, 'Containers': 1,
            'ContainersRunning': 1}
    sock = ['docker', '--host', 'unix:///var/run/docker.sock']
    script = Script([
        (sock + ['info'], (0, json.dumps(info), '')),
        (sock + ['ps'], (0, 'abc\n', '')),
        (sock + ['inspect', 'abc'], (0, json.dumps([INSPECT]), '')),
        (['dpkg-query'], (1, 'docker.io\tinstalled\t26.1.5+dfsg1-9\nrunc\tnot-installed\t\n', '')),
        (['dockerd', '--version'], (0, 'Docker version 26.1.5+dfsg1, build a72d7cd\n', '')),
        (['containerd', '--version'], (0, 'containerd 1.7\n', '')),
        (['runc', '--version'], (0, 'runc version 1.1.15\ncommit: x\n', '')),
    ], missing={'systemctl'})
    state = hs.read_host(script.run, script.which, {'daemon_config_path': str(tmp_path / 'd.json'),
                                                    'gather_subset': ['engine', 'containers'], 'packages': ['foo']})
    assert state['engine']['running'] and state['engine']['server_version'] == '26.1.5'
    assert state['engine']['runc_version'] == 'runc version 1.1.15'
    assert state['packages']['docker.io'] == {'installed': True, 'version': '26.1.5+dfsg1-9'}
    assert state['packages']['runc'] == {'installed': False, 'version': ''}
    assert state['packages']['foo'] == {'installed': False, 'version': ''}
    assert [c['name'] for c in state['containers']] == ['web']
    assert state['counts']['running'] == 1


def test_skeleton_match_per_component():
    assert hs.matches_skeleton('overlay2', 'overlay2')
    assert hs.matches_skeleton('network/files', 'network/*')
    assert not hs.matches_skeleton('network/files/x', 'network/*')


def test_stat_path(tmp_path):
    f = tmp_path / 'f'
    f.write_text('x')
    os.chmod(str(f), 0o640)
    st = hs.stat_path(str(f))
    assert st['exists'] and st['mode'] == '0640' and st['kind'] == 'file'
    assert hs.stat_path(str(tmp_path / 'missing')) == {'exists': False}


# --- operator_exec_start: the command without the collection's drop-in -------

UNIT = '[Service]\nType=notify\nExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS\n'
OWN = '/etc/systemd/system/docker.service.d/hardened-docker-hosts.conf'


def test_operator_exec_start_is_the_unit_file_without_drop_ins():
    found = hs.operator_exec_start([('/lib/systemd/system/docker.service', UNIT)], OWN)
    assert found == {'exec_start': '/usr/sbin/dockerd -H fd:// $DOCKER_OPTS',
                     'source': '/lib/systemd/system/docker.service', 'after_own': ''}


def test_operator_exec_start_leaves_the_own_drop_in_out_and_names_the_operators_file():
    layers = [('/lib/systemd/system/docker.service', UNIT),
              ('/etc/systemd/system/docker.service.d/env.conf', '[Service]\nEnvironment=A=1\n'),
              (OWN, '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd $DOCKER_OPTS\n'),
              ('/etc/systemd/system/docker.service.d/override.conf',
               '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --log-level=warn\n')]
    found = hs.operator_exec_start(layers, OWN)
    assert found['exec_start'] == '/usr/sbin/dockerd -H fd:// --log-level=warn'
    assert found['source'] == '/etc/systemd/system/docker.service.d/override.conf'
    assert found['after_own'] == '/etc/systemd/system/docker.service.d/override.conf'


def test_an_operator_drop_in_before_the_own_one_does_not_win():
    layers = [('/lib/systemd/system/docker.service', UNIT),
              ('/etc/systemd/system/docker.service.d/10-flags.conf',
               '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --max-concurrent-downloads=5\n'),
              (OWN, '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd\n')]
    found = hs.operator_exec_start(layers, OWN)
    assert found['exec_start'] == '/usr/sbin/dockerd -H fd:// --max-concurrent-downloads=5'
    assert found['source'].endswith('10-flags.conf')
    assert found['after_own'] == ''


# --- data_on_disk: counting without the daemon --------------------------------

def _touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write('{}')


def test_data_on_disk_counts_images_containers_volumes_and_remapped_data(tmp_path):
    root = str(tmp_path)
    for digest in ('a' * 64, 'b' * 64):
        _touch(os.path.join(root, 'image', 'overlay2', 'imagedb', 'content', 'sha256', digest))
    os.makedirs(os.path.join(root, 'containers', 'c1'))
    os.makedirs(os.path.join(root, 'volumes', 'data'))
    _touch(os.path.join(root, 'volumes', 'metadata.db'))
    _touch(os.path.join(root, '100000.100000', 'image', 'overlay2', 'imagedb', 'content', 'sha256', 'c' * 64))
    found = hs.data_on_disk(root)
    assert found['exists'] is True
    assert (found['images'], found['containers'], found['volumes']) == (3, 1, 1)
    assert found['drivers'] == ['overlay2'] and found['remapped'] == ['100000.100000']


def test_data_on_disk_of_a_missing_root_is_empty(tmp_path):
    found = hs.data_on_disk(str(tmp_path / 'nothing'))
    assert found['exists'] is False and (found['images'], found['containers'], found['volumes']) == (0, 0, 0)


def test_managed_keys_record():
    assert hs.managed_keys(None) is None
    assert hs.managed_keys('["hosts", "debug"]\n') == ['debug', 'hosts']
    assert hs.managed_keys('{"hosts": 1}') is None and hs.managed_keys('not json') is None


@pytest.mark.parametrize('entry,quota', [
    ({'fstype': 'btrfs', 'target': '/var/lib/docker', 'options': ['rw']}, 'btrfs qgroups'),
    ({'fstype': 'xfs', 'target': '/var/lib/docker', 'options': ['rw', 'prjquota']}, 'xfs project quota'),
    ({'fstype': 'xfs', 'target': '/var/lib/docker', 'options': 'rw,pquota'}, 'xfs project quota'),
    ({'fstype': 'xfs', 'target': '/var/lib/docker', 'options': ['rw', 'noquota']}, 'none'),
    ({'fstype': 'ext4', 'target': '/', 'options': ['rw']}, 'none'),
])
def test_storage_quota(entry, quota):
    assert hs.storage_quota(entry) == quota


def test_prune_schedule_from_the_timer_and_the_last_run(tmp_path):
    timer = tmp_path / 'timer'
    timer.write_text('[Timer]\nOnCalendar=*-*-* 03:30:00\nPersistent=true\n')
    last = tmp_path / 'last.json'
    last.write_text('{"started": "2026-12-04T03:30:00Z", "finished": "2026-12-04T03:30:02Z", "rc": 0, '
                    '"reclaimed": "12.5MB"}\n')
    found = hs.read_prune_schedule(str(timer), str(tmp_path / 'no-cron'), str(last))
    assert found == {'scheduled': True, 'via': 'systemd timer', 'schedule': '*-*-* 03:30:00',
                     'last_run': {'started': '2026-12-04T03:30:00Z', 'finished': '2026-12-04T03:30:02Z', 'rc': 0,
                                  'reclaimed': '12.5MB'}}


def test_prune_schedule_from_cron_and_none(tmp_path):
    cron = tmp_path / 'cron'
    cron.write_text('# managed\nSHELL=/bin/sh\nPATH=/usr/bin:/bin\n30 3 * * * root /usr/local/sbin/hardened-docker-prune '
                    '2>&1 | logger -t hardened-docker-prune\n')
    found = hs.read_prune_schedule(str(tmp_path / 'no-timer'), str(cron), str(tmp_path / 'none.json'))
    assert (found['scheduled'], found['via'], found['schedule'], found['last_run']) == (True, 'cron', '30 3 * * *', None)
    assert hs.read_prune_schedule(str(tmp_path / 'a'), str(tmp_path / 'b'), str(tmp_path / 'c'))['scheduled'] is False


def test_kernel_filesystems_reads_proc_filesystems():
    text = 'nodev\tsysfs\nnodev\ttmpfs\n\text4\n\tbtrfs\n\txfs\n\n'
    assert hs.kernel_filesystems(text) == ['btrfs', 'ext4', 'sysfs', 'tmpfs', 'xfs']
    assert hs.kernel_filesystems(None) == []


@pytest.mark.parametrize('proc_dir, xqm, expected', [
    (False, False, None),   # xfs not loaded yet: nothing can be said before the first mount
    (True, False, False),   # CONFIG_XFS_QUOTA off: a pquota mount would fail
    (True, True, True),
])
def test_xfs_quota_in_kernel(proc_dir, xqm, expected):
    assert hs.xfs_quota_in_kernel(proc_dir, xqm) is expected


def test_proxy_environment_upper_case_wins_and_empty_values_are_left_out():
    env = {'http_proxy': 'http://low:1', 'HTTP_PROXY': 'http://up:1', 'https_proxy': 'http://low:2',
           'NO_PROXY': '', 'no_proxy': 'localhost', 'PATH': '/bin'}
    assert hs.proxy_environment(env) == {'HTTP_PROXY': 'http://up:1', 'HTTPS_PROXY': 'http://low:2',
                                         'NO_PROXY': 'localhost'}
    assert hs.proxy_environment({}) == {}


def test_proxy_environment_of_an_init_script_environment_file():
    text = ('DOCKER_OPTS="--dns 8.8.8.8"\n# BEGIN hardened.docker.daemon: proxy\n'
            "export HTTP_PROXY=http://p:3128\nexport NO_PROXY='localhost,.internal'\n"
            '# END hardened.docker.daemon: proxy\n')
    assert hs.proxy_environment(hs.parse_env_assignments(text)) == {'HTTP_PROXY': 'http://p:3128',
                                                                    'NO_PROXY': 'localhost,.internal'}
    assert hs.PROXY_BLOCK_MARKER in text


def test_file_with_mode(tmp_path):
    path = tmp_path / 'http-proxy.conf'
    assert hs.file_with_mode(str(path)) == {'content': None, 'mode': None}
    path.write_text('[Service]\n')
    os.chmod(str(path), 0o640)
    found = hs.file_with_mode(str(path))
    assert found['content'] == '[Service]\n'
    assert found['mode'] == '640:%d:%d' % (os.getuid(), os.getgid())


def _self_signed(path, days):
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'registry CA')])
    now = datetime.datetime.now(datetime.timezone.utc)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=days))
             .sign(key, hashes.SHA256()))
    path.write_bytes(built.public_bytes(serialization.Encoding.PEM))


def test_registry_trust_lists_each_registry_with_the_first_ca_to_expire(tmp_path):
    certs = tmp_path / 'certs.d'
    assert hs.registry_trust(str(certs)) == []
    (certs / 'reg.example:5000').mkdir(parents=True)
    _self_signed(certs / 'reg.example:5000' / 'ca.crt', 400)
    _self_signed(certs / 'reg.example:5000' / 'extra.crt', 40)
    (certs / 'reg.example:5000' / 'client.cert').write_text('x')
    (certs / 'mirror.example').mkdir()
    (certs / 'mirror.example' / 'ca.crt').write_text('not a certificate')
    (certs / 'stray-file').write_text('x')
    found = hs.registry_trust(str(certs))
    assert [entry['address'] for entry in found] == ['mirror.example', 'reg.example:5000']
    mirror, reg = found
    assert reg['ca_files'] == ['ca.crt', 'extra.crt'] and reg['client_certificate'] is True
    assert reg['ca_days_left'] in (39, 40) and reg['ca_not_after'].endswith('Z') and reg['error'] == ''
    assert mirror['ca_days_left'] is None and mirror['error'].startswith('ca.crt: ')
