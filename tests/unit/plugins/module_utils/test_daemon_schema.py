# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dockerd knowledge base: keys, versions, drivers, reloadable keys, flags."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema as schema

# The Linux keys of Docker's "daemon configuration file" reference that are current.
DOCUMENTED_LINUX_KEYS = """
allow-nondistributable-artifacts authorization-plugins bip bridge builder cgroup-parent containerd
containerd-namespace data-root debug default-address-pools default-cgroupns-mode default-gateway
default-gateway-v6 default-ipc-mode default-network-opts default-runtime default-shm-size default-ulimits dns
dns-opts dns-search exec-opts exec-root experimental features fixed-cidr fixed-cidr-v6 group host-gateway-ip
hosts icc init init-path insecure-registries ip ip-forward ip-masq ip6tables iptables ipv6 labels live-restore
log-driver log-format log-level log-opts max-concurrent-downloads max-concurrent-uploads max-download-attempts
metrics-addr mtu no-new-privileges node-generic-resources pidfile proxies raw-logs registry-mirrors runtimes
seccomp-profile selinux-enabled shutdown-timeout storage-driver storage-opts swarm-default-advertise-addr tls
tlscacert tlscert tlskey tlsverify userland-proxy userland-proxy-path userns-remap
""".split()

DEBIAN_EXECSTART = '/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS'
DOCKER_CE_EXECSTART = '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock'


# --------------------------------------------------------------------------
# keys
# --------------------------------------------------------------------------

@pytest.mark.parametrize('name', DOCUMENTED_LINUX_KEYS)
def test_every_documented_linux_key_is_known(name):
    assert name in schema.KEYS


def test_every_key_kind_has_a_description():
    kinds = set(spec.kind for spec in schema.KEYS.values())
    assert kinds <= set(schema.KIND_DESCRIPTIONS)


@pytest.mark.parametrize('name, removed_in', [
    ('graph', '23.0'),
    ('cluster-store', '23.0'),
    ('cluster-advertise', '23.0'),
    ('cluster-store-opts', '23.0'),
    ('oom-score-adjust', '25.0'),
    ('api-cors-header', '28.0'),
])
def test_removed_keys_and_their_version(name, removed_in):
    assert schema.REMOVED_KEYS[name][0] == removed_in
    assert name not in schema.KEYS


def test_graph_points_to_data_root():
    assert "'data-root'" in schema.REMOVED_KEYS['graph'][1]


@pytest.mark.parametrize('name', ['containerd-plugins-namespace', 'http-proxy', 'https-proxy', 'no-proxy'])
def test_silently_ignored_keys_are_traps_not_settings(name):
    assert name in schema.TRAP_KEYS
    assert name not in schema.KEYS


@pytest.mark.parametrize('name', ['http-proxy', 'https-proxy', 'no-proxy'])
def test_top_level_proxy_traps_point_to_proxies(name):
    assert "'proxies'" in schema.TRAP_KEYS[name]
    assert name in schema.PROXY_SUBKEYS


def test_newer_keys_carry_their_first_engine():
    assert schema.KEYS['proxies'].since == '23.0'
    assert schema.KEYS['log-format'].since == '25.0'
    assert schema.KEYS['host-gateway-ips'].since == '28.0'
    # Not pinned to a release: the lower bound is the first release after 20.10.
    assert schema.KEYS['bip6'].since == '23.0' and not schema.KEYS['bip6'].since_exact


def test_keys_of_engine_20_10_have_no_since():
    for name in ('hosts', 'data-root', 'storage-driver', 'containerd-namespace', 'default-cgroupns-mode',
                 'ip6tables', 'features', 'builder', 'no-new-privileges'):
        assert schema.KEYS[name].since is None


def test_absolute_path_keys():
    assert {'data-root', 'exec-root', 'pidfile', 'tlscacert', 'tlscert', 'tlskey'} <= schema.ABSOLUTE_PATH_KEYS


# --------------------------------------------------------------------------
# reload, storage
# --------------------------------------------------------------------------

def test_reloadable_keys_are_exactly_the_facts_list():
    assert schema.RELOADABLE_KEYS == {
        'debug', 'labels', 'live-restore', 'max-concurrent-downloads', 'max-concurrent-uploads',
        'max-download-attempts', 'shutdown-timeout', 'default-runtime', 'runtimes', 'authorization-plugins',
        'insecure-registries', 'registry-mirrors', 'features', 'default-shm-size', 'default-ipc-mode',
        'default-cgroupns-mode',
    }


@pytest.mark.parametrize('name', ['log-level', 'hosts', 'tlsverify', 'data-root', 'storage-driver', 'storage-opts',
                                  'bip', 'log-driver', 'log-opts', 'userns-remap'])
def test_restart_only_keys(name):
    assert name not in schema.RELOADABLE_KEYS


def test_only_runtimes_is_exempt_from_flag_conflicts():
    assert schema.CONFLICT_EXEMPT_KEYS == {'runtimes'}


def test_storage_drivers():
    assert set(schema.CURRENT_STORAGE_DRIVERS) == {'overlay2', 'btrfs', 'zfs', 'vfs', 'fuse-overlayfs'}
    assert schema.REMOVED_STORAGE_DRIVERS['aufs'][1] == '24.0'
    assert schema.REMOVED_STORAGE_DRIVERS['overlay'][1] == '24.0'
    assert schema.REMOVED_STORAGE_DRIVERS['devicemapper'][1] == '25.0'
    assert schema.DRIVER_REQUIRED_FSTYPE['btrfs'] == 'btrfs'
    assert not set(schema.REMOVED_STORAGE_DRIVERS) & set(schema.CURRENT_STORAGE_DRIVERS)


# --------------------------------------------------------------------------
# key <-> flag mapping
# --------------------------------------------------------------------------

@pytest.mark.parametrize('name, flags', [
    ('hosts', ('--host', '-H')),
    ('debug', ('--debug', '-D')),
    ('containerd', ('--containerd',)),
    ('data-root', ('--data-root',)),
    ('storage-driver', ('--storage-driver', '-s')),
    ('tlsverify', ('--tlsverify',)),
    ('log-level', ('--log-level', '-l')),
    ('group', ('--group', '-G')),
    ('pidfile', ('--pidfile', '-p')),
    ('bridge', ('--bridge', '-b')),
    ('insecure-registries', ('--insecure-registry',)),
    ('storage-opts', ('--storage-opt',)),
    ('labels', ('--label',)),
    ('dns', ('--dns',)),
    ('dns-opts', ('--dns-opt',)),
    ('registry-mirrors', ('--registry-mirror',)),
    ('authorization-plugins', ('--authorization-plugin',)),
    ('exec-opts', ('--exec-opt',)),
    ('log-opts', ('--log-opt',)),
    ('default-ulimits', ('--default-ulimit',)),
    ('default-address-pools', ('--default-address-pool',)),
    ('node-generic-resources', ('--node-generic-resource',)),
    ('runtimes', ('--add-runtime',)),
    ('features', ('--feature',)),
    ('graph', ('--graph', '-g')),
    ('oom-score-adjust', ('--oom-score-adjust',)),
])
def test_key_flags(name, flags):
    assert schema.key_flags(name) == flags


def test_flag_to_keys_is_the_inverse():
    assert schema.FLAG_TO_KEYS['-H'] == ('hosts',)
    assert schema.FLAG_TO_KEYS['--insecure-registry'] == ('insecure-registries',)
    assert schema.FLAG_TO_KEYS['--http-proxy'] == ('proxies.http-proxy',)
    assert schema.FLAG_TO_KEYS['--host-gateway-ip'] == ('host-gateway-ip', 'host-gateway-ips')


def test_bool_flags_take_no_value():
    assert {'-D', '--debug', '--tlsverify', '--tls', '--icc', '--live-restore', '--validate'} <= schema.BOOL_FLAGS
    assert not {'-H', '--dns', '--containerd', '--log-opt'} & schema.BOOL_FLAGS


# --------------------------------------------------------------------------
# parsing dockerd command lines
# --------------------------------------------------------------------------

def test_parse_debian_execstart():
    parsed = schema.parse_dockerd_flags(DEBIAN_EXECSTART)
    assert parsed.keys == {'hosts': ['-H fd://'], 'containerd': ['--containerd=/run/containerd/containerd.sock']}
    assert parsed.values('hosts') == ['fd://']
    assert parsed.unknown == []


def test_parse_docker_ce_execstart_with_prefix():
    assert schema.keys_set_by_flags('ExecStart=' + DOCKER_CE_EXECSTART) == {'hosts', 'containerd'}


def test_parse_execstart_with_systemd_ignore_failure_prefix():
    assert schema.keys_set_by_flags('-/usr/bin/dockerd --data-root=/srv/docker') == {'data-root'}


def test_parse_empty_execstart_line():
    assert schema.keys_set_by_flags('ExecStart=') == set()
    assert schema.keys_set_by_flags('') == set()
    assert schema.keys_set_by_flags(None) == set()


def test_parse_docker_opts_value():
    parsed = schema.parse_dockerd_flags('--dns 8.8.8.8 -H tcp://0.0.0.0:2375')
    assert parsed.keys == {'dns': ['--dns 8.8.8.8'], 'hosts': ['-H tcp://0.0.0.0:2375']}
    assert parsed.values('hosts') == ['tcp://0.0.0.0:2375']


@pytest.mark.parametrize('line', [
    '/usr/bin/dockerd $DOCKER_OPTS',
    '/usr/bin/dockerd ${DOCKER_OPTS}',
    '/usr/bin/dockerd $OPTIONS $DOCKER_STORAGE_OPTIONS $DOCKER_NETWORK_OPTIONS',
])
def test_shell_variables_are_ignored(line):
    parsed = schema.parse_dockerd_flags(line)
    assert parsed.keys == {} and parsed.unknown == []


def test_attached_and_equals_values():
    parsed = schema.parse_dockerd_flags('dockerd -Hunix:///run/d.sock -s=btrfs --log-level=debug')
    assert parsed.values('hosts') == ['unix:///run/d.sock']
    assert parsed.values('storage-driver') == ['btrfs']
    assert parsed.values('log-level') == ['debug']


def test_bool_flags_do_not_swallow_the_next_flag():
    parsed = schema.parse_dockerd_flags('dockerd -D --tlsverify --tlscacert /etc/docker/ca.pem --icc=false')
    assert parsed.keys == {'debug': ['-D'], 'tlsverify': ['--tlsverify'],
                           'tlscacert': ['--tlscacert /etc/docker/ca.pem'], 'icc': ['--icc=false']}
    assert parsed.values('icc') == ['false']


def test_repeated_flags_and_quotes():
    parsed = schema.parse_dockerd_flags('--label "team=platform ops" --label env=prod --log-opt max-size=10m')
    assert parsed.keys['labels'] == ['--label team=platform ops', '--label env=prod']
    assert parsed.values('labels') == ['team=platform ops', 'env=prod']
    assert parsed.values('log-opts') == ['max-size=10m']


def test_line_continuations():
    text = '/usr/bin/dockerd \\\n  -H fd:// \\\n  --data-root /srv/docker'
    assert schema.keys_set_by_flags(text) == {'hosts', 'data-root'}


def test_proxy_flags_map_to_proxy_sub_keys():
    assert schema.keys_set_by_flags('--http-proxy http://proxy:3128 --no-proxy=localhost') == {
        'proxies.http-proxy', 'proxies.no-proxy'}


def test_unknown_flags_are_reported_and_skipped():
    parsed = schema.parse_dockerd_flags('dockerd --made-up value --debug')
    assert parsed.unknown == ['--made-up value']
    assert set(parsed.keys) == {'debug'}


def test_non_config_flags_set_no_key():
    parsed = schema.parse_dockerd_flags('dockerd --config-file /etc/docker/other.json --debug')
    assert set(parsed.keys) == {'debug'}
    assert parsed.unknown == []


def test_removed_flags_are_still_recognised():
    assert schema.keys_set_by_flags('dockerd -g /srv/docker --oom-score-adjust=-500') == {'graph', 'oom-score-adjust'}


def test_comparable_keys_split_proxies():
    settings = {'debug': True, 'proxies': {'http-proxy': 'http://p:3128', 'no-proxy': 'localhost'}}
    assert schema.comparable_keys(settings) == {'debug', 'proxies.http-proxy', 'proxies.no-proxy'}


# --------------------------------------------------------------------------
# arguments for dockerd --validate
# --------------------------------------------------------------------------

def test_validate_argv_drops_binary_variables_and_config_file():
    argv = schema.validate_argv(DEBIAN_EXECSTART + ' --config-file /etc/docker/daemon.json',
                                '--dns 8.8.8.8 -Htcp://0.0.0.0:2376')
    assert argv == ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--dns', '8.8.8.8',
                    '-Htcp://0.0.0.0:2376']


def test_validate_argv_of_nothing():
    assert schema.validate_argv(None, '') == []
    assert schema.validate_argv('/usr/bin/dockerd $DOCKER_OPTS') == []


@pytest.mark.parametrize('text,expected', [
    ('/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS',
     '/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS'),
    ('/usr/bin/dockerd -H unix:///x --host=tcp://1.2.3.4:2376 -Hfd:// -H=fd:// --debug',
     '/usr/bin/dockerd --debug'),
    ('/usr/bin/dockerd --label "a b" -H fd://', '/usr/bin/dockerd --label "a b"'),
    ('/usr/bin/dockerd --containerd /run/c.sock', '/usr/bin/dockerd --containerd /run/c.sock'),
    ('', ''),
])
def test_without_key_flags(text, expected):
    assert schema.without_key_flags(text, ['hosts']) == expected


def test_without_key_flags_keeps_other_keys_and_the_filter_wraps_it():
    from ansible_collections.hardened.docker.plugins.filter.dockerd_flags import FilterModule
    text = '/usr/bin/dockerd -H fd:// --debug --log-level=warn'
    assert schema.without_key_flags(text, ['debug', 'log-level']) == '/usr/bin/dockerd -H fd://'
    assert FilterModule().filters()['dockerd_without_flags'](text, ['hosts']) == '/usr/bin/dockerd --debug --log-level=warn'


# --------------------------------------------------------------------------
# restart_plan: what applying a change does to running containers
# --------------------------------------------------------------------------

HARDENED = {'icc': False, 'live-restore': True, 'no-new-privileges': True, 'log-level': 'info',
            'default-ulimits': {'nofile': {'Name': 'nofile', 'Soft': 1024, 'Hard': 65536}},
            'log-opts': {'max-size': '10m', 'max-file': '3'}}
WEB = [{'name': 'web'}, {'name': 'db'}]


def test_restart_plan_turns_live_restore_on_first_when_containers_run():
    plan = schema.restart_plan({'log-driver': 'json-file'}, dict(HARDENED, **{'log-driver': 'json-file'}), WEB,
                               live_restore_active=False, restart_needed=True)
    assert plan['live_restore_first'] is True
    assert plan['refuse'] is False
    assert plan['running'] == ['db', 'web']
    assert plan['new_containers_only'] == ['default-ulimits', 'log-opts', 'no-new-privileges']
    assert plan['networks_kept'] == ['icc']


def test_restart_plan_needs_no_reload_when_live_restore_is_already_on():
    plan = schema.restart_plan({'live-restore': True}, HARDENED, WEB, live_restore_active=True, restart_needed=True)
    assert plan['live_restore_first'] is False
    assert plan['refuse'] is False


@pytest.mark.parametrize('new', [dict(HARDENED, **{'live-restore': False}),
                                 dict((k, v) for k, v in HARDENED.items() if k != 'live-restore')])
def test_restart_plan_refuses_without_live_restore_naming_the_containers(new):
    plan = schema.restart_plan({}, new, WEB, live_restore_active=True, restart_needed=True)
    assert plan['refuse'] is True
    assert plan['live_restore_first'] is False
    assert 'db, web' in plan['message']
    assert 'daemon_restart_with_running_containers' in plan['message']
    assert ('off' if 'live-restore' in new else 'not set') in plan['message']


def test_restart_plan_allows_the_restart_when_told():
    plan = schema.restart_plan({}, {'icc': False}, WEB, live_restore_active=False, restart_needed=True,
                               allow_running=True)
    assert plan['refuse'] is False
    assert plan['message'] == ''


@pytest.mark.parametrize('change', [{'data-root': '/srv/docker'}, {'storage-driver': 'btrfs'},
                                    {'userns-remap': 'default'}, {'graph': '/x'}])
def test_restart_plan_refuses_data_moves_even_with_live_restore(change):
    plan = schema.restart_plan({'live-restore': True}, dict(HARDENED, **change), WEB, live_restore_active=True,
                               restart_needed=True)
    assert plan['refuse'] is True
    assert plan['live_restore_first'] is False
    assert list(change)[0] in plan['message']


def test_restart_plan_refuses_a_migrate():
    plan = schema.restart_plan({}, HARDENED, WEB, live_restore_active=False, restart_needed=True, data_moves=True)
    assert plan['refuse'] is True
    assert 'migrate' in plan['message']


@pytest.mark.parametrize('containers,restart', [([], True), (WEB, False)])
def test_restart_plan_is_quiet_without_running_containers_or_restart(containers, restart):
    plan = schema.restart_plan({}, {'live-restore': False, 'icc': False}, containers, live_restore_active=False,
                               restart_needed=restart)
    assert plan['refuse'] is False
    assert plan['live_restore_first'] is False
    if not containers:
        assert plan['networks_kept'] == []


def test_restart_plan_ignores_null_values_and_accepts_names():
    plan = schema.restart_plan({'dns': ['9.9.9.9']}, {'dns': ['9.9.9.9'], 'icc': None}, ['web'],
                               live_restore_active=False, restart_needed=False)
    assert plan['changed_keys'] == []
    assert plan['running'] == ['web']


def test_new_container_and_network_keys_are_real_keys():
    assert schema.NEW_CONTAINER_KEYS <= set(schema.KEYS)
    assert schema.RUNNING_NETWORK_KEYS <= set(schema.KEYS)
    assert not schema.NEW_CONTAINER_KEYS & schema.RUNNING_NETWORK_KEYS
    assert not schema.NEW_CONTAINER_KEYS & schema.DATA_LOCATION_KEYS


@pytest.mark.parametrize('root,options,configured', [
    ('/var/lib/docker/231072.231072', ['name=seccomp,profile=builtin', 'name=userns'], '/var/lib/docker'),
    ('/srv/docker/100000.100000/', ['name=userns'], '/srv/docker'),
    ('/var/lib/docker', ['name=userns'], '/var/lib/docker'),
    # Without remapping a directory that merely looks like <uid>.<gid> is the data-root itself.
    ('/srv/1.2', ['name=seccomp,profile=default'], '/srv/1.2'),
    ('/var/lib/docker', None, '/var/lib/docker'),
    ('', ['name=userns'], ''),
])
def test_configured_data_root(root, options, configured):
    assert schema.configured_data_root(root, options) == configured
