# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""validate / render / classify_change / file helpers of daemon_config."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

from ansible_collections.hardened.docker.plugins.module_utils import daemon_config as dc

DEBIAN_EXECSTART = '/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS'
DOCKER_CE_EXECSTART = '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock'
DROP_IN_EXECSTART = '/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS'


def ctx(engine='26.1.5', **kwargs):
    kwargs.setdefault('data_root_fstype', 'ext4')
    return dc.ValidationContext(engine_version=engine, **kwargs)


def findings(settings, **kwargs):
    return dc.check(settings, ctx(**kwargs))


def errors(settings, **kwargs):
    return findings(settings, **kwargs).errors


def warnings(settings, **kwargs):
    return findings(settings, **kwargs).warnings


def only_error(settings, **kwargs):
    found = errors(settings, **kwargs)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def tls_files(tmp_path):
    paths = {}
    for name in ('tlscacert', 'tlscert', 'tlskey'):
        path = tmp_path / (name + '.pem')
        path.write_text('-----BEGIN TEST-----\n')
        paths[name] = str(path)
    return paths


# --------------------------------------------------------------------------
# versions
# --------------------------------------------------------------------------

@pytest.mark.parametrize('text, expected', [
    ('20.10.24+dfsg1', (20, 10, 24)),
    ('Docker version 20.10.24+dfsg1, build 5d6db84', (20, 10, 24)),
    ('26.1.5+dfsg1', (26, 1, 5)),
    ('28.0.0-rc.1', (28, 0, 0)),
    ('v25.0', (25, 0, 0)),
    ('5:24.0.7-1~debian.12~bookworm', (24, 0, 7)),
    ((23, 0), (23, 0, 0)),
])
def test_parse_version(text, expected):
    assert dc.parse_version(text) == expected


@pytest.mark.parametrize('text', ['', 'latest', None])
def test_parse_version_rejects_garbage(text):
    with pytest.raises(ValueError):
        dc.parse_version(text)


def test_versions_compare_numerically():
    assert dc.parse_version('20.10.24') < dc.parse_version('23.0') < dc.parse_version('24.0.0')
    assert dc.parse_version('24.0') == dc.parse_version('24.0.0')
    assert dc.format_version(dc.parse_version('20.10.24+dfsg1')) == '20.10.24'


# --------------------------------------------------------------------------
# render
# --------------------------------------------------------------------------

def test_render_is_sorted_indented_and_ends_with_newline():
    text = dc.render({'log-level': 'info', 'debug': False, 'hosts': ['unix:///var/run/docker.sock']})
    assert text == ('{\n'
                    '  "debug": false,\n'
                    '  "hosts": [\n'
                    '    "unix:///var/run/docker.sock"\n'
                    '  ],\n'
                    '  "log-level": "info"\n'
                    '}\n')


def test_render_is_stable():
    first = {'b': 1, 'a': {'z': '1', 'y': '2'}, 'c': [3, 1]}
    second = {'c': [3, 1], 'a': {'y': '2', 'z': '1'}, 'b': 1}
    assert dc.render(first).encode('utf-8') == dc.render(first).encode('utf-8') == dc.render(second).encode('utf-8')


def test_render_drops_none_and_round_trips():
    settings = {'debug': True, 'data-root': None, 'labels': ['owner=é']}
    text = dc.render(settings)
    assert 'data-root' not in text
    assert json.loads(text) == {'debug': True, 'labels': ['owner=é']}


def test_render_empty():
    assert dc.render({}) == '{}\n'


# --------------------------------------------------------------------------
# classify_change
# --------------------------------------------------------------------------

def test_debug_only_is_reload_only():
    assert dc.classify_change({'debug': False, 'log-level': 'info'}, {'debug': True, 'log-level': 'info'}) == (
        ['debug'], False)


def test_debug_and_log_level_needs_restart():
    assert dc.classify_change({'debug': False, 'log-level': 'info'}, {'debug': True, 'log-level': 'debug'}) == (
        ['debug', 'log-level'], True)


def test_no_change():
    assert dc.classify_change({'debug': True}, {'debug': True, 'data-root': None}) == ([], False)


def test_adding_reloadable_keys_is_reload_only():
    assert dc.classify_change({}, {'labels': ['a=b'], 'runtimes': {'r': {'path': '/bin/r'}}}) == (
        ['labels', 'runtimes'], False)


def test_removing_a_reloadable_key_needs_restart():
    # SIGHUP only applies values present in the file; a removed key keeps its running value.
    assert dc.classify_change({'debug': True}, {}) == (['debug'], True)


def test_unknown_previous_content_needs_restart():
    assert dc.classify_change(None, {'debug': True}) == (['debug'], True)


@pytest.mark.parametrize('key, old, new', [
    ('hosts', ['fd://'], ['unix:///var/run/docker.sock']),
    ('tlsverify', False, True),
    ('storage-driver', 'overlay2', 'btrfs'),
    ('data-root', '/var/lib/docker', '/srv/docker'),
    ('log-opts', {'max-size': '10m'}, {'max-size': '20m'}),
])
def test_non_reloadable_changes_need_restart(key, old, new):
    assert dc.classify_change({key: old}, {key: new}) == ([key], True)


# --------------------------------------------------------------------------
# check 1: keys
# --------------------------------------------------------------------------

def test_misspelled_key_gets_a_suggestion():
    assert only_error({'storage_driver': 'overlay2'}) == (
        "unknown daemon.json key 'storage_driver': did you mean 'storage-driver'?")


@pytest.mark.parametrize('wrong, right', [
    ('data_root', 'data-root'),
    ('Debug', 'debug'),
    ('log-leve', 'log-level'),
    ('insecure-registry', 'insecure-registries'),
    ('tls-verify', 'tlsverify'),
])
def test_suggestions(wrong, right):
    assert only_error({wrong: 'x'}) == "unknown daemon.json key '%s': did you mean '%s'?" % (wrong, right)


def test_unknown_key_without_a_suggestion():
    message = only_error({'zzzz': 1})
    assert message.startswith("unknown daemon.json key 'zzzz'")
    assert 'remove it' in message


@pytest.mark.parametrize('key, value, removed_in, engine', [
    ('graph', '/srv/docker', '23.0', '23.0.0'),
    ('cluster-store', 'consul://10.0.0.1:8500', '23.0', '24.0.7'),
    ('oom-score-adjust', -500, '25.0', '25.0.3'),
    ('api-cors-header', '*', '28.0', '28.1.1'),
])
def test_removed_key_is_an_error_from_its_version(key, value, removed_in, engine):
    message = only_error({key: value}, engine=engine)
    assert message.startswith("'%s' was removed in Engine %s" % (key, removed_in))


def test_graph_message_names_the_replacement():
    assert only_error({'graph': '/srv/docker'}, engine='26.1.5').startswith(
        "'graph' was removed in Engine 23.0; use 'data-root'")


@pytest.mark.parametrize('key, value, engine', [
    ('graph', '/srv/docker', '20.10.24'),
    ('oom-score-adjust', -500, '24.0.7'),
    ('api-cors-header', '*', '27.5.1'),
])
def test_removed_key_only_warns_before_its_version(key, value, engine):
    found = findings({key: value}, engine=engine)
    assert found.errors == []
    assert any(w.startswith("'%s' is deprecated" % key) for w in found.warnings)


def test_unknown_engine_assumes_the_newest():
    assert dc.check({'oom-score-adjust': -500}, dc.ValidationContext()).errors


@pytest.mark.parametrize('key', ['containerd-plugins-namespace', 'http-proxy', 'https-proxy', 'no-proxy'])
def test_silently_ignored_keys_are_errors(key):
    message = only_error({key: 'value'})
    assert message.startswith("'%s':" % key)
    assert 'ignore' in message


def test_http_proxy_fix_is_proxies():
    assert "put it under 'proxies'" in only_error({'http-proxy': 'http://proxy:3128'})


def test_key_newer_than_the_engine():
    message = only_error({'proxies': {'http-proxy': 'http://proxy:3128'}}, engine='20.10.24+dfsg1')
    assert message.startswith("'proxies' is not supported by the installed Engine 20.10.24 (it was added in Engine 23.0)")
    assert errors({'proxies': {'http-proxy': 'http://proxy:3128'}}, engine='23.0.1') == []


def test_unpinned_new_key_on_20_10():
    assert 'added after Engine 20.10' in only_error({'bip6': 'fd00:1::1/64'}, engine='20.10.24')
    assert errors({'bip6': 'fd00:1::1/64'}, engine='28.0.0') == []


def test_deprecated_key_warns():
    found = findings({'allow-nondistributable-artifacts': ['registry.local']})
    assert found.errors == [] and found.warnings


# --------------------------------------------------------------------------
# check 2: types
# --------------------------------------------------------------------------

@pytest.mark.parametrize('settings, expected', [
    ({'debug': 'yes'}, '\'debug\' must be a boolean (true/false), got string "yes"'),
    ({'mtu': '1500'}, '\'mtu\' must be a non-negative integer, got string "1500"'),
    ({'mtu': True}, "'mtu' must be a non-negative integer, got boolean true"),
    ({'shutdown-timeout': -1}, "'shutdown-timeout' must be a non-negative integer, got integer -1"),
    ({'hosts': 'unix:///var/run/docker.sock'}, "'hosts' must be a list of socket URIs"),
    ({'dns': ['8.8.8']}, '\'dns\' must be a list of IP addresses (strings); item 0: "8.8.8" is not an IP address'),
    ({'insecure-registries': 'registry.local:5000'}, "'insecure-registries' must be a list of strings, got string"),
    ({'labels': ['team']}, '\'labels\' must be a list of "key=value" strings; item 0: "team" is not "key=value"'),
    ({'log-opts': {'max-file': 3}},
     '\'log-opts\' must be an object of string values, e.g. {"max-size": "10m", "max-file": "3"}; '
     'value of "max-file" must be a string (write "3"), got integer 3'),
    ({'log-opts': ['max-size=10m']}, "'log-opts' must be an object of string values"),
    ({'default-ulimits': {'nofile': {'Name': 'nofile', 'Hard': 64000}}}, "'default-ulimits' must be an object like"),
    ({'default-ulimits': {'nofile': {'Name': 'nproc', 'Hard': 1, 'Soft': 1}}}, 'it must match the key'),
    ({'default-ulimits': {'nofile': {'Name': 'nofile', 'Hard': 1, 'Soft': 2}}}, '"Soft" (2) is larger than "Hard" (1)'),
    ({'default-ulimits': {'nofiles': {'Name': 'nofiles', 'Hard': 1, 'Soft': 1}}}, 'unknown ulimit "nofiles"'),
    ({'default-address-pools': [{'base': '172.30.0.0/16', 'size': 8}]}, '"size" must be an integer between 16 and 32'),
    ({'default-address-pools': [{'base': '172.30.0.1/16', 'size': 24}]}, '"base" "172.30.0.1/16" is not a network'),
    ({'runtimes': {'crun': {'paht': '/usr/bin/crun'}}}, 'unknown field(s) paht'),
    ({'features': {'buildkit': 'true'}}, 'value of "buildkit" must be true or false, got string "true"'),
    ({'registry-mirrors': ['mirror.gcr.io']}, '"mirror.gcr.io" is not an http:// or https:// URL'),
    ({'bip': '192.168.1.5'}, '"192.168.1.5" has no prefix length'),
    ({'default-shm-size': 64}, "'default-shm-size' must be a size string such as \"64M\", got integer 64"),
    ({'log-level': 'verbose'}, "'log-level' must be one of debug, info, warn, error, fatal, panic, trace, got \"verbose\""),
    ({'default-cgroupns-mode': 'shared'}, "'default-cgroupns-mode' must be one of host, private"),
    ({'proxies': {'https_proxy': 'http://p:3128'}}, 'unknown field(s) https_proxy'),
])
def test_wrong_types(settings, expected):
    assert expected in only_error(settings)


def test_valid_settings_of_every_kind_pass(tls_files):
    settings = {
        'authorization-plugins': ['authz-broker'],
        'bip': '192.168.1.5/24',
        'builder': {'gc': {'enabled': True, 'defaultKeepStorage': '10GB'}},
        'cgroup-parent': 'docker.slice',
        'data-root': '/var/lib/docker',
        'debug': False,
        'default-address-pools': [{'base': '172.30.0.0/16', 'size': 24}, {'base': 'fd00:1::/48', 'size': 64}],
        'default-network-opts': {'bridge': {'com.docker.network.driver.mtu': '1400'}},
        'default-shm-size': '64M',
        'default-ulimits': {'nofile': {'Name': 'nofile', 'Hard': 64000, 'Soft': 64000}},
        'dns': ['10.0.0.2', '2001:db8::53'],
        'exec-opts': ['native.cgroupdriver=systemd'],
        'features': {'buildkit': True},
        'fixed-cidr': '192.168.1.0/25',
        'hosts': ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'],
        'icc': False,
        'ip': '127.0.0.1',
        'labels': ['env=prod'],
        'live-restore': True,
        'log-driver': 'json-file',
        'log-level': 'info',
        'log-opts': {'max-size': '10m', 'max-file': '3'},
        'max-concurrent-downloads': 3,
        'mtu': 1500,
        'no-new-privileges': True,
        'proxies': {'http-proxy': 'http://proxy:3128', 'no-proxy': 'localhost'},
        'registry-mirrors': ['https://mirror.gcr.io'],
        'runtimes': {'crun': {'path': '/usr/bin/crun', 'runtimeArgs': ['--debug']}},
        'seccomp-profile': 'builtin',
        'shutdown-timeout': 15,
        'storage-driver': 'overlay2',
        'storage-opts': ['overlay2.override_kernel_check=true'],
        'tlsverify': True,
        'userland-proxy': False,
        'userns-remap': 'default',
    }
    settings.update(tls_files)
    assert findings(settings).__dict__ == {'errors': [], 'warnings': []}


# --------------------------------------------------------------------------
# check 3: absolute paths
# --------------------------------------------------------------------------

@pytest.mark.parametrize('key', ['data-root', 'exec-root', 'pidfile'])
def test_relative_paths_are_refused(key):
    message = only_error({key: 'var/lib/docker'})
    assert message.startswith("'%s' must be an absolute path, got \"var/lib/docker\"" % key)
    assert '"/var/lib/docker"' in message


def test_empty_data_root_is_refused():
    assert only_error({'data-root': ''}).startswith("'data-root' must be an absolute path")


def test_seccomp_profile_path():
    assert errors({'seccomp-profile': 'unconfined'}) == []
    assert "'seccomp-profile' must be an absolute path" in only_error({'seccomp-profile': 'profiles/default.json'})


# --------------------------------------------------------------------------
# check 4: storage drivers and the data-root filesystem
# --------------------------------------------------------------------------

@pytest.mark.parametrize('driver, engine, removed_in', [
    ('aufs', '24.0.7', '24.0'),
    ('overlay', '24.0.0', '24.0'),
    ('devicemapper', '25.0.3', '25.0'),
    ('devicemapper', '26.1.5', '25.0'),
])
def test_removed_storage_drivers(driver, engine, removed_in):
    message = only_error({'storage-driver': driver}, engine=engine)
    assert message.startswith("storage driver '%s' was removed in Engine %s" % (driver, removed_in))
    assert "use 'overlay2'" in message


@pytest.mark.parametrize('driver, engine', [
    ('aufs', '20.10.24+dfsg1'),  # still shipped by 20.10: allowed, with a warning
    ('overlay', '23.0.6'),
    ('devicemapper', '24.0.7'),
])
def test_deprecated_storage_drivers_warn_before_removal(driver, engine):
    found = findings({'storage-driver': driver}, engine=engine)
    assert found.errors == []
    assert found.warnings == [w for w in found.warnings if w.startswith("storage driver '%s' is deprecated" % driver)]
    assert found.warnings


def test_unknown_storage_driver():
    assert only_error({'storage-driver': 'overlay3'}).startswith(
        "unknown storage driver 'overlay3' (did you mean 'overlay2'?); known drivers: btrfs, fuse-overlayfs, "
        "overlay2, vfs, zfs")


def test_snapshotter_names_need_the_feature():
    assert errors({'storage-driver': 'overlayfs'})
    assert errors({'storage-driver': 'overlayfs', 'features': {'containerd-snapshotter': True}}) == []


def test_btrfs_on_another_filesystem():
    message = only_error({'storage-driver': 'btrfs'}, data_root_fstype='ext4')
    assert message.startswith("storage driver 'btrfs' needs data-root '/var/lib/docker' on a btrfs filesystem, but "
                              "it is on ext4 (as given by data_root_fstype)")


def test_btrfs_on_btrfs():
    assert errors({'storage-driver': 'btrfs', 'data-root': '/srv/docker'}, data_root_fstype='btrfs') == []


def test_zfs_needs_zfs():
    assert errors({'storage-driver': 'zfs'}, data_root_fstype='xfs')


def test_btrfs_detection_uses_nearest_existing_parent(tmp_path):
    mounts = tmp_path / 'mounts'
    mounts.write_text('/dev/sda1 / ext4 rw 0 0\n/dev/loop0 %s btrfs rw 0 0\n' % tmp_path)
    data_root = str(tmp_path / 'not' / 'yet' / 'docker')
    context = dc.ValidationContext(engine_version='26.1.5', mounts_file=str(mounts))
    assert dc.check({'storage-driver': 'btrfs', 'data-root': data_root}, context).errors == []

    mounts.write_text('/dev/sda1 / ext4 rw 0 0\n')
    message = dc.check({'storage-driver': 'btrfs', 'data-root': data_root}, context).errors[0]
    assert 'it is on ext4 (checked at %s, its nearest existing directory)' % tmp_path in message


def test_btrfs_detection_on_the_real_host(tmp_path):
    """No override: the real /proc/self/mounts decides (the test directory is not btrfs here)."""
    fstype, _checked = dc.detect_fstype(str(tmp_path))
    if fstype == 'btrfs':
        pytest.skip('tmp_path is on btrfs on this machine')
    context = dc.ValidationContext(engine_version='26.1.5')
    message = dc.check({'storage-driver': 'btrfs', 'data-root': str(tmp_path / 'docker')}, context).errors[0]
    assert 'but it is on %s' % fstype in message


def test_data_root_from_the_unit_flags_is_used(tmp_path):
    mounts = tmp_path / 'mounts'
    mounts.write_text('/dev/sda1 / ext4 rw 0 0\n/dev/loop0 /srv/docker btrfs rw 0 0\n')
    context = dc.ValidationContext(engine_version='26.1.5', mounts_file=str(mounts),
                                   unit_flags='/usr/bin/dockerd --data-root /srv/docker')
    # data-root does not exist here, so the nearest parent (/srv or /) is checked: ext4.
    assert "needs data-root '/srv/docker'" in dc.check({'storage-driver': 'btrfs'}, context).errors[0]


def test_fstype_from_mounts_longest_prefix_and_escapes():
    mounts = ('/dev/sda1 / ext4 rw 0 0\n'
              '/dev/sdb1 /var ext4 rw 0 0\n'
              '/dev/loop0 /var/lib/docker btrfs rw 0 0\n'
              '/dev/loop1 /srv/my\\040data xfs rw 0 0\n')
    assert dc.fstype_from_mounts('/var/lib/docker', mounts) == 'btrfs'
    assert dc.fstype_from_mounts('/var/lib/docker/volumes', mounts) == 'btrfs'
    assert dc.fstype_from_mounts('/var/lib/dockerd', mounts) == 'ext4'
    assert dc.fstype_from_mounts('/srv/my data/x', mounts) == 'xfs'
    assert dc.fstype_from_mounts('/home', mounts) == 'ext4'


def test_nearest_existing_path(tmp_path):
    assert dc.nearest_existing_path(str(tmp_path / 'a' / 'b')) == str(tmp_path)
    assert dc.nearest_existing_path(str(tmp_path)) == str(tmp_path)


# --------------------------------------------------------------------------
# check 5: hosts and TLS
# --------------------------------------------------------------------------

def test_tcp_without_tls_is_refused():
    message = only_error({'hosts': ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375']})
    assert message.startswith("'hosts' entry \"tcp://0.0.0.0:2375\" would serve the Docker API over TCP without TLS")
    assert 'allow_insecure_tcp: true' in message


def test_tcp_without_tls_allowed_with_opt_in():
    found = findings({'hosts': ['tcp://127.0.0.1:2375']}, allow_insecure_tcp=True)
    assert found.errors == []
    assert 'allowed by allow_insecure_tcp' in found.warnings[0]


def test_plaintext_on_an_unusual_port_warns():
    found = findings({'hosts': ['tcp://127.0.0.1:4243']}, allow_insecure_tcp=True)
    assert any('plaintext on port 4243; the convention is 2375' in w for w in found.warnings)


def test_tls_on_an_unusual_port_warns(tls_files):
    settings = dict(tls_files, hosts=['tcp://0.0.0.0:2375'], tlsverify=True)
    found = findings(settings)
    assert found.errors == []
    assert found.warnings == ["'hosts' entry \"tcp://0.0.0.0:2375\" uses TLS on port 2375; the convention is 2376 "
                              "for TLS"]


@pytest.mark.parametrize('entry, fixed', [
    ('tcp://0.0.0.0', 'tcp://0.0.0.0:2376'),
    ('tcp://[::]', 'tcp://[::]:2376'),
    ('tcp://docker.example.com', 'tcp://docker.example.com:2376'),
])
def test_tcp_host_without_port_is_refused(entry, fixed, tls_files):
    message = only_error(dict(tls_files, hosts=[entry], tlsverify=True))
    assert message.startswith("'hosts' entry %s has no port" % json.dumps(entry))
    assert 'add the port, e.g. %s' % fixed in message
    assert '2375' in message  # what dockerd would silently pick


def test_tcp_host_without_port_from_docker_opts_is_refused(tls_files):
    found = errors(dict(tls_files, tlsverify=True), docker_opts='-H tcp://0.0.0.0')
    assert found == ["'hosts' entry \"tcp://0.0.0.0\" (from docker_opts) has no port: dockerd would silently "
                     "listen on 2375 (the plaintext port, even with TLS); add the port, e.g. tcp://0.0.0.0:2376"]


def test_tcp_host_without_port_and_without_tls_gets_both_errors():
    found = errors({'hosts': ['tcp://127.0.0.1']})
    assert len(found) == 2, found
    assert 'has no port' in found[0]
    assert 'without TLS' in found[1]


def test_tlsverify_needs_all_three_files(tls_files):
    message = only_error({'hosts': ['tcp://0.0.0.0:2376'], 'tlsverify': True, 'tlscacert': tls_files['tlscacert']})
    assert message.startswith("TLS is on (tlsverify: true in daemon.json) but 'tlscert', 'tlskey' are not set")


def test_tls_true_counts_as_tls_and_needs_the_files(tls_files):
    assert only_error({'hosts': ['tcp://0.0.0.0:2376'], 'tls': True}).startswith(
        "TLS is on (tls: true in daemon.json) but 'tlscacert', 'tlscert', 'tlskey' are not set")
    assert errors(dict(tls_files, hosts=['tcp://0.0.0.0:2376'], tls=True)) == []


def test_tlsverify_from_the_unit_flags(tls_files):
    unit = '/usr/bin/dockerd --tlsverify --containerd=/run/containerd/containerd.sock'
    assert errors(dict(tls_files, hosts=['tcp://0.0.0.0:2376']), unit_flags=unit) == []


@pytest.mark.parametrize('entry, reason', [
    ('0.0.0.0:2375', 'has no scheme; write it as a URI such as "tcp://0.0.0.0:2375"'),
    ('npipe:////./pipe/docker_engine', 'only exists on Windows'),
    ('ssh://user@host', 'unsupported scheme "ssh://"'),
    ('unix://var/run/docker.sock', 'needs an absolute socket path'),
    ('tcp://0.0.0.0:2376/path', 'must not contain a path'),
    ('tcp://0.0.0.0:99999', "invalid port '99999'"),
    ('tcp://::1:2376', 'IPv6 address without brackets'),
])
def test_invalid_hosts(entry, reason, tls_files):
    message = only_error(dict(tls_files, hosts=[entry], tlsverify=True))
    assert message.startswith("'hosts' entry %s" % json.dumps(entry))
    assert reason in message


@pytest.mark.parametrize('entry', ['unix:///var/run/docker.sock', 'unix://', 'fd://', 'fd://3',
                                   'tcp://[::]:2376', 'tcp://docker.example.com:2376'])
def test_valid_hosts(entry, tls_files):
    assert errors(dict(tls_files, hosts=[entry], tlsverify=True)) == []


def test_insecure_tcp_in_docker_opts_is_also_refused():
    message = only_error({}, docker_opts='-H tcp://0.0.0.0:2375')
    assert message.startswith("'hosts' entry \"tcp://0.0.0.0:2375\" (from docker_opts) would serve the Docker API")


# --------------------------------------------------------------------------
# check 5b: log-opts, judged for the effective log driver
# --------------------------------------------------------------------------

@pytest.mark.parametrize('size', ['10m', '1g', '100k', '1048576', '10MB', '1.5g', '10 MiB', '2t', '512KiB', '10M'])
def test_json_file_max_size_with_units_dockerd_accepts(size):
    assert findings({'log-opts': {'max-size': size}}).__dict__ == {'errors': [], 'warnings': []}


@pytest.mark.parametrize('size', ['10zz', '10 zz', 'm', '', '-1', '1.2.3', '10mb5', ' 10m', '10x'])
def test_json_file_max_size_that_is_not_a_size_is_refused(size):
    message = only_error({'log-driver': 'json-file', 'log-opts': {'max-size': size}})
    assert message.startswith("'log-opts' \"max-size\": %s is not a size" % json.dumps(size))
    assert 'json-file' in message
    assert 'every container start fails' in message
    assert 'e.g. "10m"' in message


def test_max_size_is_checked_for_the_default_driver():
    """No log-driver anywhere: dockerd uses json-file, so its rules apply."""
    assert 'is not a size for the json-file log driver' in only_error({'log-opts': {'max-size': '10zz'}})


@pytest.mark.parametrize('size', ['0', '0.1', '0k'])
def test_json_file_max_size_must_be_positive(size):
    assert 'must be at least 1 byte' in only_error({'log-opts': {'max-size': size}})


def test_local_accepts_max_size_zero_and_refuses_garbage():
    assert errors({'log-driver': 'local', 'log-opts': {'max-size': '0'}}) == []
    assert 'is not a size for the local log driver' in only_error(
        {'log-driver': 'local', 'log-opts': {'max-size': '20zz'}})


@pytest.mark.parametrize('driver', ['json-file', 'local'])
@pytest.mark.parametrize('count', ['0', '-1', 'three', '1.5', '', '3 '])
def test_max_file_must_be_a_positive_integer_string(driver, count):
    message = only_error({'log-driver': driver, 'log-opts': {'max-size': '10m', 'max-file': count,
                                                             'compress': 'false'}})
    assert message.startswith("'log-opts' \"max-file\": %s must be a positive integer" % json.dumps(count))
    assert 'e.g. "3"' in message


def test_max_file_without_max_size_warns_for_json_file():
    found = findings({'log-opts': {'max-file': '3'}})
    assert found.errors == []
    assert found.warnings == ["'log-opts' \"max-file\" has no effect without \"max-size\" for the json-file log "
                              "driver: the log is never rotated; add \"max-size\", e.g. \"10m\""]


@pytest.mark.parametrize('driver', ['json-file', 'local'])
@pytest.mark.parametrize('value', ['yes', 'on', '', 'TRUE!'])
def test_compress_must_be_true_or_false(driver, value):
    message = only_error({'log-driver': driver, 'log-opts': {'max-size': '10m', 'max-file': '3', 'compress': value}})
    assert message.startswith("'log-opts' \"compress\": %s must be \"true\" or \"false\"" % json.dumps(value))


@pytest.mark.parametrize('value', ['true', 'false', '1', '0', 'True', 'FALSE', 't', 'F'])
def test_compress_values_dockerd_parses(value):
    assert errors({'log-opts': {'max-size': '10m', 'max-file': '3', 'compress': value}}) == []


@pytest.mark.parametrize('opts', [
    {'compress': 'true'},
    {'compress': 'true', 'max-size': '10m'},
    {'compress': 'true', 'max-file': '3'},
    {'compress': 'true', 'max-size': '10m', 'max-file': '1'},
])
def test_json_file_compress_needs_rotation(opts):
    message = only_error({'log-opts': opts})
    assert message.startswith("'log-opts' \"compress\": true needs \"max-size\" and a \"max-file\" of at least 2 "
                              "for the json-file log driver")


def test_local_compresses_by_default_so_max_file_1_needs_compress_false():
    message = only_error({'log-driver': 'local', 'log-opts': {'max-file': '1'}})
    assert message.startswith("'log-opts' \"max-file\": \"1\" with compression")
    assert 'set "compress": "false"' in message
    assert errors({'log-driver': 'local', 'log-opts': {'max-file': '1', 'compress': 'false'}}) == []
    assert errors({'log-driver': 'local', 'log-opts': {'max-file': '5'}}) == []


@pytest.mark.parametrize('driver', ['json-file', 'local'])
def test_unknown_log_option_for_file_drivers_is_refused_with_the_known_ones(driver):
    message = only_error({'log-driver': driver, 'log-opts': {'max_size': '10m'}})
    assert message.startswith("'log-opts' has the unknown option \"max_size\" for the %s log driver "
                              "(did you mean \"max-size\"?)" % driver)
    assert 'known: compress, env, env-regex, labels, labels-regex, max-file, max-size, tag' in message
    assert 'mode, max-buffer-size' in message


def test_options_every_driver_takes_are_known():
    settings = {'log-opts': {'max-size': '10m', 'max-file': '3', 'mode': 'non-blocking',
                             'max-buffer-size': '4m', 'cache-disabled': 'false', 'tag': '{{.Name}}',
                             'labels': 'app', 'env': 'ENV'}}
    assert findings(settings).__dict__ == {'errors': [], 'warnings': []}


@pytest.mark.parametrize('opts, expected', [
    ({'mode': 'async'}, '"mode": "async" must be "blocking" or "non-blocking"'),
    ({'max-buffer-size': '4m'}, '"max-buffer-size" only works with "mode": "non-blocking"'),
    ({'mode': 'non-blocking', 'max-buffer-size': 'lots'}, '"max-buffer-size": "lots" is not a size'),
])
def test_generic_log_options(opts, expected):
    assert expected in only_error({'log-driver': 'journald', 'log-opts': opts})


@pytest.mark.parametrize('address', ['udp://10.0.0.1:514', 'tcp://logs.example.com:601', 'tcp+tls://logs:6514',
                                     'unix:///dev/log', 'unixgram:///dev/log', 'udp://[2001:db8::1]:514'])
def test_syslog_addresses(address):
    settings = {'log-driver': 'syslog', 'log-opts': {'syslog-address': address}}
    assert findings(settings).__dict__ == {'errors': [], 'warnings': []}


@pytest.mark.parametrize('address, reason', [
    ('logs.example.com:514', 'needs a scheme'),
    ('http://logs:514', 'unsupported scheme "http://"'),
    ('udp://', 'has no host'),
    ('udp://:514', 'has no host'),
    ('tcp://logs:99999', 'invalid port'),
    ('tcp://logs:syslog', 'invalid port'),
    ('unix://dev/log', 'needs an absolute socket path'),
    ('unix://', 'needs an absolute socket path'),
])
def test_bad_syslog_addresses(address, reason):
    message = only_error({'log-driver': 'syslog', 'log-opts': {'syslog-address': address}})
    assert message.startswith("'log-opts' \"syslog-address\": %s" % json.dumps(address))
    assert reason in message
    assert 'udp://, tcp://, tcp+tls://, unix:// or unixgram://' in message
    assert 'udp://HOST:514' in message


def test_syslog_address_without_port_warns_that_dockerd_uses_514():
    found = findings({'log-driver': 'syslog', 'log-opts': {'syslog-address': 'udp://logs'}})
    assert found.errors == []
    assert found.warnings == ["'log-opts' \"syslog-address\": \"udp://logs\" has no port; dockerd uses 514. "
                              "Write it out, e.g. \"udp://logs:514\""]


def test_syslog_facility_format_tag_and_tls_options_that_dockerd_takes():
    opts = {'syslog-address': 'tcp+tls://logs:6514', 'syslog-facility': 'local3', 'syslog-format': 'rfc5424micro',
            'tag': '{{.Name}}', 'syslog-tls-ca-cert': '/etc/ssl/logs-ca.pem', 'syslog-tls-skip-verify': 'false',
            'labels': 'app', 'mode': 'non-blocking', 'cache-disabled': 'false'}
    assert findings({'log-driver': 'syslog', 'log-opts': opts}).__dict__ == {'errors': [], 'warnings': []}
    assert errors({'log-driver': 'syslog', 'log-opts': {'syslog-facility': '23'}}) == []


@pytest.mark.parametrize('opts, expected', [
    ({'syslog-facility': 'local8'}, '"syslog-facility": "local8" is not a syslog facility; dockerd refuses to start '
                                    'with it ("invalid syslog facility"). Use one of kern, user,'),
    ({'syslog-facility': '24'}, 'is not a syslog facility'),
    ({'syslog-format': 'rfc5425'}, '"syslog-format": "rfc5425" is not a syslog format; dockerd refuses to start with '
                                   'it ("Invalid syslog format"). Use one of rfc3164, rfc5424, rfc5424micro'),
    ({'syslog-adress': 'udp://logs:514'}, 'unknown option "syslog-adress" for the syslog log driver (did you mean '
                                          '"syslog-address"?)'),
    ({'max-size': '10m'}, 'unknown option "max-size" for the syslog log driver'),
])
def test_syslog_options_dockerd_refuses(opts, expected):
    assert expected in only_error({'log-driver': 'syslog', 'log-opts': opts})


def test_syslog_from_the_unit_flags_is_the_effective_driver():
    settings = {'log-opts': {'syslog-address': 'logs:514'}}
    message = only_error(settings, unit_flags='/usr/bin/dockerd --log-driver syslog')
    assert message.startswith("'log-opts' \"syslog-address\": \"logs:514\"")
    # ... and json-file's rules do not apply to it
    assert errors({'log-opts': {'syslog-address': 'udp://logs:514'}},
                  unit_flags='/usr/bin/dockerd --log-driver=syslog') == []


@pytest.mark.parametrize('address', ['udp://graylog:12201', 'tcp://graylog.example.com:12201', 'udp://[::1]:12201'])
def test_gelf_addresses(address):
    assert errors({'log-driver': 'gelf', 'log-opts': {'gelf-address': address}}) == []


@pytest.mark.parametrize('address, reason', [
    ('graylog:12201', 'must be udp://HOST:PORT or tcp://HOST:PORT'),
    ('http://graylog:12201', 'must be udp://HOST:PORT or tcp://HOST:PORT'),
    ('udp://graylog', 'has no port'),
    ('tcp://:12201', 'has no host'),
    ('udp://graylog:0', 'invalid port'),
])
def test_bad_gelf_addresses(address, reason):
    message = only_error({'log-driver': 'gelf', 'log-opts': {'gelf-address': address}})
    assert message.startswith("'log-opts' \"gelf-address\": %s" % json.dumps(address))
    assert reason in message
    assert 'e.g. "udp://graylog.example.com:12201"' in message


@pytest.mark.parametrize('opts', [None, {}, {'gelf-address': ''}])
def test_gelf_needs_an_address(opts):
    settings = {'log-driver': 'gelf'}
    if opts is not None:
        settings['log-opts'] = opts
    message = only_error(settings)
    assert message.startswith("'log-opts' needs \"gelf-address\" for the gelf log driver")
    assert 'e.g. "udp://graylog.example.com:12201"' in message


@pytest.mark.parametrize('driver, option', [('syslog', 'syslog-address'), ('fluentd', 'fluentd-address')])
def test_empty_address_means_the_drivers_default(driver, option):
    settings = {'log-driver': driver, 'log-opts': {option: ''}}
    assert findings(settings).__dict__ == {'errors': [], 'warnings': []}


@pytest.mark.parametrize('address', ['fluent:24224', 'tcp://fluent:24224', 'tls://fluent.example.com:24224',
                                     'unix:///var/run/fluentd.sock', '10.0.0.5:24224', 'tcp://[::1]:24224'])
def test_fluentd_addresses(address):
    settings = {'log-driver': 'fluentd', 'log-opts': {'fluentd-address': address}}
    assert findings(settings).__dict__ == {'errors': [], 'warnings': []}


@pytest.mark.parametrize('address, reason', [
    ('udp://fluent:24224', 'unsupported scheme'),
    ('http://fluent:24224', 'unsupported scheme'),
    ('tcp://fluent:24224/x', 'must not contain a path'),
    ('fluent:port', 'invalid port'),
    ('unix://', 'needs an absolute socket path'),
    ('unix://var/run/f.sock', 'needs an absolute socket path'),
])
def test_bad_fluentd_addresses(address, reason):
    message = only_error({'log-driver': 'fluentd', 'log-opts': {'fluentd-address': address}})
    assert message.startswith("'log-opts' \"fluentd-address\": %s" % json.dumps(address))
    assert reason in message
    assert 'HOST:PORT, tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH' in message


def test_fluentd_address_without_port_warns_that_dockerd_uses_24224():
    found = findings({'log-driver': 'fluentd', 'log-opts': {'fluentd-address': 'tcp://fluent'}})
    assert found.errors == []
    assert found.warnings == ["'log-opts' \"fluentd-address\": \"tcp://fluent\" has no port; dockerd uses 24224. "
                              "Write it out, e.g. \"tcp://fluent:24224\""]


# syslog checks its own option names (test_syslog_options_dockerd_refuses).
@pytest.mark.parametrize('driver', ['journald', 'awslogs', 'splunk', 'none', 'my/plugin:latest', 'gelf', 'fluentd'])
def test_json_file_rules_do_not_apply_to_other_drivers(driver):
    opts = {'whatever-option': 'x', 'max-size': '10zz'}
    if driver == 'gelf':
        opts['gelf-address'] = 'udp://graylog:12201'
    assert errors({'log-driver': driver, 'log-opts': opts}) == []


def test_log_opts_problems_are_all_reported():
    found = errors({'log-opts': {'max-size': '10zz', 'max-file': 'x', 'compres': 'true'}})
    assert [message.split('"')[1] for message in found] == ['compres', 'max-file', 'max-size']


def test_log_opts_of_the_wrong_type_are_only_a_type_error():
    assert only_error({'log-opts': {'max-size': 10}}).startswith("'log-opts' must be an object of string values")
    assert only_error({'log-driver': 5, 'log-opts': {'max-size': '10m'}}).startswith("'log-driver' must be a string")


# --------------------------------------------------------------------------
# names that become part of a path
# --------------------------------------------------------------------------

@pytest.mark.parametrize('name', ['admin', 'alice.smith', 'ci-runner_2', 'docker-01.example.com', '.hidden', 'a.b',
                                  'x' * 200, '@', 'name with space'])
def test_safe_path_components(name):
    assert dc.path_component_problem(name) is None


@pytest.mark.parametrize('name, reason', [
    ('', 'is empty'),
    ('.', "is '.'"),
    ('..', "is '..'"),
    ('../../evil', "contains '/'"),
    ('a/b', "contains '/'"),
    ('/etc', "contains '/'"),
    ('evil/', "contains '/'"),
    ('a..b', "contains '..'"),
    ('..hidden', "contains '..'"),
    ('a\x00b', 'contains a NUL byte'),
    (None, 'is not a string'),
    (3, 'is not a string'),
])
def test_unsafe_path_components(name, reason):
    assert reason in dc.path_component_problem(name)


# --------------------------------------------------------------------------
# check 6: TLS files
# --------------------------------------------------------------------------

def test_missing_tls_file(tls_files, tmp_path):
    settings = dict(tls_files, tlskey=str(tmp_path / 'missing.pem'))
    assert only_error(settings) == (
        "'tlskey' points to %s, which does not exist; dockerd needs it to start with TLS. Put the file there first "
        "(the tls role does this) or fix the path" % json.dumps(str(tmp_path / 'missing.pem')))


def test_tls_file_that_is_a_directory(tls_files, tmp_path):
    assert 'which is not a regular file' in only_error(dict(tls_files, tlscert=str(tmp_path)))


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads mode-0000 files; see the next test for root')
def test_unreadable_tls_file(tls_files):
    os.chmod(tls_files['tlskey'], 0)
    assert 'is not readable' in only_error(tls_files)


def _collections_dir():
    path = os.path.abspath(dc.__file__)
    while os.path.basename(path) != 'ansible_collections':
        path = os.path.dirname(path)
    return os.path.dirname(path)


def _drop_to_nobody():
    import pwd
    nobody = pwd.getpwnam('nobody')
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to switch to the nobody user')
def test_unreadable_tls_file_checked_as_an_unprivileged_user():
    """As root a mode-0000 file is readable, so run the real check as 'nobody' in a child process."""
    directory = tempfile.mkdtemp()
    try:
        os.chmod(directory, 0o755)
        names = {}
        for name in ('tlscacert', 'tlscert', 'tlskey'):
            names[name] = os.path.join(directory, name + '.pem')
            with open(names[name], 'w') as handle:
                handle.write('x')
            os.chmod(names[name], 0o644)
        os.chmod(names['tlskey'], 0)
        code = ('import json, sys; from ansible_collections.hardened.docker.plugins.module_utils import '
                'daemon_config as dc; print(json.dumps(dc.validate(json.loads(sys.argv[1]), '
                'dc.ValidationContext("26.1.5"))))')
        env = dict(os.environ, PYTHONPATH=_collections_dir())
        for python in (sys.executable, '/usr/bin/python3'):
            try:
                output = subprocess.check_output([python, '-c', code, json.dumps(names)], env=env,
                                                 preexec_fn=_drop_to_nobody, cwd=directory)
            except (OSError, subprocess.CalledProcessError):
                continue
            break
        else:
            pytest.skip('no Python interpreter usable by the nobody user')
        assert json.loads(output) == [
            "'tlskey' points to %s, which is not readable (permission denied); dockerd needs it to start with TLS. "
            "Put the file there first (the tls role does this) or fix the path" % json.dumps(names['tlskey'])]
    finally:
        shutil.rmtree(directory)


def test_tls_file_checks_can_be_disabled(tmp_path):
    settings = {'tlscacert': str(tmp_path / 'a'), 'tlscert': str(tmp_path / 'b'), 'tlskey': str(tmp_path / 'c')}
    assert len(errors(settings)) == 3
    assert errors(settings, tls_files_must_exist=False) == []


def test_file_problem(tmp_path):
    good = tmp_path / 'ok.pem'
    good.write_text('x')
    assert dc.file_problem(str(good)) is None
    assert dc.file_problem(str(tmp_path / 'nope')) == 'does not exist'
    assert dc.file_problem(str(tmp_path)) == 'is not a regular file'


# --------------------------------------------------------------------------
# check 7: flag conflicts
# --------------------------------------------------------------------------

def test_hosts_conflicts_with_debian_execstart():
    found = errors({'hosts': ['unix:///var/run/docker.sock'], 'containerd': '/run/containerd/containerd.sock'},
                   unit_flags=DEBIAN_EXECSTART)
    assert found == [
        "'containerd' is also set by the flag '--containerd=/run/containerd/containerd.sock' in the dockerd command "
        "line (unit_flags: the ExecStart or init script that starts dockerd); dockerd refuses to start when a setting "
        "is given both ways. Fix: drop the flag from that command line (on systemd: a drop-in with an empty "
        "ExecStart= and a new ExecStart without it, which is what the daemon role does for -H), or remove "
        "'containerd' from the settings",
        "'hosts' is also set by the flag '-H fd://' in the dockerd command line (unit_flags: the ExecStart or init "
        "script that starts dockerd); dockerd refuses to start when a setting is given both ways. Fix: drop the flag "
        "from that command line (on systemd: a drop-in with an empty ExecStart= and a new ExecStart without it, "
        "which is what the daemon role does for -H), or remove 'hosts' from the settings",
    ]


def test_hosts_conflicts_with_docker_ce_execstart():
    assert "'hosts' is also set by the flag '-H fd://'" in only_error(
        {'hosts': ['unix:///var/run/docker.sock']}, unit_flags=DOCKER_CE_EXECSTART)


def test_drop_in_without_h_has_no_conflict():
    assert errors({'hosts': ['fd://', 'unix:///var/run/docker.sock']}, unit_flags=DROP_IN_EXECSTART) == []


def test_conflict_with_docker_opts():
    assert only_error({'dns': ['1.1.1.1']}, unit_flags=DEBIAN_EXECSTART, docker_opts='--dns 8.8.8.8') == (
        "'dns' is also set by the flag '--dns 8.8.8.8' in DOCKER_OPTS (/etc/default/docker or /etc/sysconfig/docker); "
        "dockerd refuses to start when a setting is given both ways. Fix: drop the flag from DOCKER_OPTS, or remove "
        "'dns' from the settings")


def test_conflicts_from_plural_flags():
    found = errors({'labels': ['a=b'], 'insecure-registries': ['r:5000'], 'storage-opts': ['overlay2.override_kernel_check=true']},
                   docker_opts='--label x=y --insecure-registry r2:5000 --storage-opt dm.basesize=20G',
                   allow_insecure_registries=True)
    assert len(found) == 3
    assert all('is also set by the flag' in message for message in found)


def test_runtimes_are_exempt():
    unit = '/usr/bin/dockerd --add-runtime crun=/usr/bin/crun --containerd=/run/containerd/containerd.sock'
    assert errors({'runtimes': {'youki': {'path': '/usr/bin/youki'}}}, unit_flags=unit) == []


def test_proxies_conflict_per_sub_key():
    settings = {'proxies': {'no-proxy': 'localhost'}}
    assert errors(settings, docker_opts='--http-proxy http://proxy:3128') == []
    assert "'proxies.no-proxy' is also set by the flag '--no-proxy=.corp'" in only_error(
        settings, docker_opts='--no-proxy=.corp')


def test_docker_opts_variable_in_the_unit_is_not_expanded():
    # $DOCKER_OPTS is only known through docker_opts; the unit line alone sets nothing here.
    assert errors({'dns': ['1.1.1.1']}, unit_flags='/usr/sbin/dockerd $DOCKER_OPTS') == []


# --------------------------------------------------------------------------
# all errors at once
# --------------------------------------------------------------------------

def test_every_problem_is_reported_in_one_go():
    settings = {
        'storage_driver': 'overlay2',
        'graph': '/srv/docker',
        'debug': 'yes',
        'data-root': 'docker',
        'hosts': ['tcp://0.0.0.0:2375'],
    }
    found = dc.validate(settings, ctx(unit_flags=DEBIAN_EXECSTART))
    assert len(found) == 6
    assert [message.split(' ')[0] for message in found] == [
        "'graph'", 'unknown', "'debug'", "'data-root'", "'hosts'", "'hosts'"]


def test_validate_or_raise():
    with pytest.raises(dc.ValidationError) as caught:
        dc.validate_or_raise({'debug': 'yes', 'mtu': 'x'}, ctx())
    assert len(caught.value.messages) == 2
    assert str(caught.value).startswith('daemon.json was not written: 2 problems found:\n- ')
    assert dc.validate_or_raise({'storage-driver': 'aufs'}, ctx(engine='20.10.24'))  # warnings come back


def test_format_errors_singular():
    assert dc.format_errors(['x']) == 'daemon.json was not written: 1 problem found:\n- x'


# --------------------------------------------------------------------------
# dockerd --validate
# --------------------------------------------------------------------------

def test_dockerd_validate_command():
    assert dc.dockerd_validate_command('/usr/bin/dockerd', '/tmp/x/daemon.json', DEBIAN_EXECSTART,
                                       '--dns 8.8.8.8') == [
        '/usr/bin/dockerd', '--validate', '--config-file', '/tmp/x/daemon.json',
        '-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--dns', '8.8.8.8']


def test_config_files_from_flags():
    assert dc.config_files_from_flags(DEBIAN_EXECSTART, None) == []
    assert dc.config_files_from_flags('/usr/bin/dockerd --config-file=/etc/docker/other.json', '') == [
        '/etc/docker/other.json']


def test_dockerd_validate_only_from_23():
    assert not dc.should_run_dockerd_validate(dc.parse_version('20.10.24'))
    assert dc.should_run_dockerd_validate(dc.parse_version('23.0.0'))
    assert not dc.should_run_dockerd_validate(None)


# --------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------

def test_read_current(tmp_path):
    path = tmp_path / 'daemon.json'
    assert dc.read_current(str(path)) == (None, None, None)
    path.write_bytes(b'\xef\xbb\xbf{"debug": true}')
    assert dc.read_current(str(path))[1:] == ({'debug': True}, None)
    path.write_text('{"debug": true,}')
    raw, parsed, error = dc.read_current(str(path))
    assert raw == b'{"debug": true,}' and parsed is None and error.startswith('not valid JSON')
    path.write_text('[]')
    assert dc.read_current(str(path))[2] == 'not a JSON object'
    path.write_text('')
    assert dc.read_current(str(path))[1] == {}


def test_atomic_write(tmp_path):
    path = tmp_path / 'daemon.json'
    path.write_text('old')
    os.chmod(str(path), 0o600)
    dc.atomic_write(str(path), b'{}\n')
    assert path.read_bytes() == b'{}\n'
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644
    assert sorted(os.listdir(str(tmp_path))) == ['daemon.json']


def test_ensure_directory(tmp_path):
    target = tmp_path / 'etc' / 'docker'
    assert dc.ensure_directory(str(target)) == [str(tmp_path / 'etc'), str(target)]
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o755
    assert dc.ensure_directory(str(target)) == []


def test_previous_round_trip(tmp_path):
    path = str(tmp_path / 'daemon.json')
    with open(path, 'w') as handle:
        handle.write('{"debug": false}\n')
    dc.save_previous(path, b'{"debug": false}\n')
    dc.atomic_write(path, b'{"debug": true}\n')
    assert dc.restore_previous(path, dry_run=True) == 'restored'
    assert open(path).read() == '{"debug": true}\n'
    assert dc.restore_previous(path) == 'restored'
    assert open(path).read() == '{"debug": false}\n'
    assert dc.restore_previous(path) == 'unchanged'


def test_empty_previous_means_there_was_no_file(tmp_path):
    path = str(tmp_path / 'daemon.json')
    dc.save_previous(path, None)
    assert os.path.getsize(dc.previous_path(path)) == 0
    dc.atomic_write(path, b'{}\n')
    assert dc.restore_previous(path) == 'removed'
    assert not os.path.exists(path)
    assert dc.restore_previous(path) == 'unchanged'


def test_restore_without_previous_raises(tmp_path):
    with pytest.raises((IOError, OSError)):
        dc.restore_previous(str(tmp_path / 'daemon.json'))


# --- merge_settings: nothing the operator wrote is lost silently -------------

def test_merge_keeps_keys_the_inventory_does_not_set():
    existing = {'registry-mirrors': ['https://mirror.example'], 'dns': ['10.0.0.2'], 'icc': True}
    out = dc.merge_settings(existing, {'icc': False, 'live-restore': True})
    assert out['settings'] == {'registry-mirrors': ['https://mirror.example'], 'dns': ['10.0.0.2'],
                               'icc': False, 'live-restore': True}
    assert out['kept'] == ['dns', 'registry-mirrors']
    assert out['overridden'] == ['icc']
    assert out['dropped'] == []
    assert out['problems'] == []


def test_merge_nested_objects_key_by_key():
    existing = {'log-driver': 'json-file', 'log-opts': {'tag': '{{.Name}}', 'max-size': '100m'}}
    out = dc.merge_settings(existing, {'log-opts': {'max-size': '10m', 'max-file': '3'}})
    assert out['settings']['log-opts'] == {'tag': '{{.Name}}', 'max-size': '10m', 'max-file': '3'}
    assert out['kept'] == ['log-driver']
    assert out['overridden'] == ['log-opts']


def test_merge_null_removes_a_key_and_lists_it():
    out = dc.merge_settings({'debug': True, 'dns': ['1.1.1.1']}, {'debug': None})
    assert out['settings'] == {'dns': ['1.1.1.1']}
    assert out['dropped'] == ['debug']
    assert out['kept'] == ['dns']


def test_replace_writes_only_the_wanted_settings_and_lists_what_it_drops():
    out = dc.merge_settings({'dns': ['1.1.1.1'], 'icc': True}, {'icc': False, 'debug': None}, mode='replace')
    assert out['settings'] == {'icc': False}
    assert out['dropped'] == ['dns']
    assert out['kept'] == []


def test_merge_refuses_a_file_it_cannot_read():
    out = dc.merge_settings({}, {'icc': False}, existing_error='Expecting value: line 1 column 1 (char 0)')
    assert len(out['problems']) == 1
    assert 'daemon_config_mode: replace' in out['problems'][0]
    assert dc.merge_settings({}, {'icc': False}, mode='replace', existing_error='bad')['problems'] == []


def test_merge_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match='daemon_config_mode'):
        dc.merge_settings({}, {}, mode='overwrite')


def test_merge_does_not_change_its_inputs():
    existing = {'log-opts': {'max-size': '1m'}}
    wanted = {'log-opts': {'max-file': '2'}}
    dc.merge_settings(existing, wanted)
    assert existing == {'log-opts': {'max-size': '1m'}} and wanted == {'log-opts': {'max-file': '2'}}


# --- data_guard: data never vanishes from view --------------------------------

RUNNING = {'docker_info': {'DockerRootDir': '/var/lib/docker', 'Driver': 'overlay2', 'Images': 3, 'Containers': 2,
                           'SecurityOptions': ['name=seccomp,profile=builtin']},
           'counts': {'volumes': 1}, 'data_root': '/var/lib/docker',
           'data_on_disk': {'root': '/var/lib/docker', 'images': 3, 'containers': 2, 'volumes': 1,
                            'drivers': ['overlay2'], 'remapped': []}}


def test_guard_lets_an_unchanged_location_through():
    out = dc.data_guard(RUNNING, {}, {'icc': False})
    assert out['changes'] == [] and out['problem'] is None and out['migrate'] is False


def test_guard_refuses_data_root_and_names_the_counts():
    out = dc.data_guard(RUNNING, {}, {'data-root': '/srv/docker'})
    assert out['changes'] == ['data-root /var/lib/docker -> /srv/docker']
    assert '3 images, 2 containers, 1 volumes vanish from view' in out['problem']
    assert 'daemon_data_strategy' in out['problem']


def test_guard_covers_the_removed_graph_alias():
    out = dc.data_guard(RUNNING, {}, {'graph': '/x'})
    assert out['changes'] == ['data-root /var/lib/docker -> /x'] and out['problem']


def test_guard_covers_userns_remap_on_and_off():
    out = dc.data_guard(RUNNING, {}, {'userns-remap': 'default'})
    assert out['changes'] == ['userns-remap off -> default'] and out['problem']
    remapped = dict(RUNNING, docker_info=dict(RUNNING['docker_info'], DockerRootDir='/var/lib/docker/100000.100000',
                                              SecurityOptions=['name=userns']))
    out = dc.data_guard(remapped, {'userns-remap': 'default'}, {})
    assert out['changes'] == ['userns-remap on -> off'] and out['problem']
    assert dc.data_guard(remapped, {'userns-remap': 'default'}, {'userns-remap': 'default'})['problem'] is None


def test_guard_counts_volumes_alone():
    only_volumes = dict(RUNNING, docker_info=dict(RUNNING['docker_info'], Images=0, Containers=0))
    out = dc.data_guard(only_volumes, {}, {'data-root': '/srv/docker'})
    assert out['has_data'] and '0 images, 0 containers, 1 volumes' in out['problem']
    # A storage driver keeps no volumes: they stay in view when only the driver changes.
    out = dc.data_guard(only_volumes, {}, {'storage-driver': 'vfs'})
    assert out['changes'] == ['storage-driver overlay2 -> vfs'] and not out['has_data'] and out['problem'] is None


def test_guard_works_when_dockerd_is_down():
    down = {'docker_info': {}, 'counts': {}, 'data_root': '/srv/old',
            'data_on_disk': {'root': '/srv/old', 'images': 4, 'containers': 0, 'volumes': 2, 'drivers': ['overlay2'],
                             'remapped': []}}
    out = dc.data_guard(down, {'data-root': '/srv/old'}, {'data-root': '/var/lib/docker'})
    assert out['changes'] == ['data-root /srv/old -> /var/lib/docker']
    assert 'dockerd is not running: counted on disk in /srv/old' in out['problem']
    out = dc.data_guard(down, {'data-root': '/srv/old'}, {'data-root': '/srv/old', 'storage-driver': 'btrfs'})
    assert out['changes'] == ['storage-driver overlay2 -> btrfs'] and out['problem']


def test_guard_strategies():
    assert dc.data_guard(RUNNING, {}, {'data-root': '/srv/docker'}, 'migrate')['migrate'] is True
    fresh = dc.data_guard(RUNNING, {}, {'storage-driver': 'btrfs'}, 'fresh')
    assert fresh['problem'] is None and fresh['migrate'] is False and fresh['changes']
    refused = dc.data_guard(RUNNING, {}, {'storage-driver': 'btrfs'}, 'migrate')
    assert 'cannot convert' in refused['problem'] and refused['migrate'] is False
    refused = dc.data_guard(RUNNING, {}, {'data-root': '/srv/x', 'userns-remap': 'default'}, 'migrate')
    assert refused['problem'] and refused['migrate'] is False
    with pytest.raises(ValueError):
        dc.data_guard(RUNNING, {}, {}, 'copy')


def test_guard_accepts_any_change_on_a_host_without_data():
    empty = {'docker_info': {}, 'counts': {}, 'data_root': '/var/lib/docker', 'data_on_disk': {}}
    out = dc.data_guard(empty, {}, {'data-root': '/srv/docker', 'storage-driver': 'btrfs'})
    # No daemon and no data: the driver in use is unknown, only the path counts as a change.
    assert out['problem'] is None and not out['has_data'] and out['changes'] == ['data-root /var/lib/docker -> /srv/docker']


# --- storage drivers this host's dockerd can run --------------------------------

FULL = dc.DriverSupport(built={'overlay2', 'btrfs', 'vfs', 'devmapper'}, kernel_filesystems={'overlay', 'ext4'},
                        devmapper_control=True)


def test_driver_support_accepts_what_the_host_has():
    assert dc.driver_support_problem('overlay2', FULL, 'ext4') is None
    assert dc.driver_support_problem('devicemapper', FULL) is None
    # Unknown build (no dockerd yet): only the host's side is judged.
    assert dc.driver_support_problem('btrfs', dc.DriverSupport(built=None)) is None


def test_driver_support_refuses_a_driver_the_build_lacks():
    problem = dc.driver_support_problem('zfs', FULL)
    assert 'built without the \'zfs\' storage driver' in problem and 'btrfs, overlay2, vfs' in problem
    lacking = dc.DriverSupport(built={'overlay2', 'vfs'}, kernel_filesystems={'overlay'}, devmapper_control=True)
    assert 'graphdriver/devmapper' in dc.driver_support_problem('devicemapper', lacking)


def test_driver_support_refuses_overlay_without_the_kernel_or_on_an_overlay():
    no_overlay = dc.DriverSupport(built={'overlay2'}, kernel_filesystems={'ext4'})
    assert 'needs the overlay filesystem' in dc.driver_support_problem('overlay2', no_overlay, 'ext4')
    assert 'cannot use data-root on overlay' in dc.driver_support_problem('overlay2', FULL, 'overlay')
    assert 'cannot use data-root on nfs4' in dc.driver_support_problem('overlay2', FULL, 'nfs4')


def test_driver_support_refuses_devicemapper_and_fuse_overlayfs_without_their_parts():
    bare = dc.DriverSupport(built=None, kernel_filesystems={'overlay'}, devmapper_control=False, fuse_overlayfs=False)
    assert '/dev/mapper/control' in dc.driver_support_problem('devicemapper', bare)
    assert 'fuse-overlayfs program' in dc.driver_support_problem('fuse-overlayfs', bare)


def test_read_driver_support_scans_the_binary_and_the_kernel(tmp_path):
    binary = tmp_path / 'dockerd'
    binary.write_bytes(b'\0junk github.com/docker/docker/daemon/graphdriver/overlay2.Init\0more'
                       b' github.com/docker/docker/daemon/graphdriver/vfs.Init\0')
    filesystems = tmp_path / 'filesystems'
    filesystems.write_text('nodev\tsysfs\nnodev\toverlay\n\text4\n')
    support = dc.read_driver_support(str(binary), proc_filesystems=str(filesystems), modules_dir=str(tmp_path))
    assert support.built == {'overlay2', 'vfs'}
    assert {'overlay', 'ext4', 'sysfs'} <= support.kernel_filesystems
    limited = dc.read_driver_support(str(binary), ['devicemapper'], proc_filesystems=str(filesystems),
                                     modules_dir=str(tmp_path))
    assert limited.built == set() and limited.searched('devmapper') and not limited.searched('zfs')
    assert 'graphdriver/devmapper' in dc.driver_support_problem('devicemapper', limited)
    # Not searched for, so not judged.
    assert dc.driver_support_problem('zfs', limited) is None


def test_a_driver_the_host_cannot_run_is_a_validation_error():
    lacking = dc.DriverSupport(built={'overlay2', 'vfs'}, kernel_filesystems={'overlay'}, devmapper_control=True)
    ctx = dc.ValidationContext(engine_version='20.10.24', driver_support=lacking)
    findings = dc.check({'storage-driver': 'devicemapper'}, ctx)
    assert any('graphdriver/devmapper' in e for e in findings.errors), findings.errors
    assert any('deprecated' in w for w in findings.warnings)


def test_merge_drops_a_key_the_collection_wrote_and_the_inventory_no_longer_sets():
    existing = {'hosts': ['unix:///var/run/docker.sock', 'tcp://127.0.0.1:2375'], 'dns': ['192.0.2.53'],
                'log-driver': 'json-file'}
    # The collection wrote hosts and log-driver last time; dns is the operator's.
    out = dc.merge_settings(existing, {'log-driver': 'json-file'}, managed=['hosts', 'log-driver'])
    assert out['settings'] == {'dns': ['192.0.2.53'], 'log-driver': 'json-file'}
    assert out['dropped'] == ['hosts'] and out['kept'] == ['dns']
    assert out['managed'] == ['log-driver']
    # Without a record (a host the collection never touched) every unset key is the operator's.
    assert dc.merge_settings(existing, {'log-driver': 'json-file'})['kept'] == ['dns', 'hosts']


# --------------------------------------------------------------------------
# metrics-addr
# --------------------------------------------------------------------------

@pytest.mark.parametrize('value', ['127.0.0.1:9323', 'localhost:9323', '[::1]:9323', '127.0.0.53:9100'])
def test_metrics_on_loopback_is_fine(value):
    found = findings({'metrics-addr': value})
    assert found.errors == [] and found.warnings == []


@pytest.mark.parametrize('value,reason', [
    ('127.0.0.1', 'has no port'),
    ('127.0.0.1:0', 'invalid port'),
    ('127.0.0.1:http', 'invalid port'),
    ('::1:9323', 'without brackets'),
])
def test_metrics_addr_must_be_host_and_port(value, reason):
    (message,) = errors({'metrics-addr': value})
    assert 'metrics-addr' in message and reason in message and '127.0.0.1:9323' in message


@pytest.mark.parametrize('value,where', [
    ('0.0.0.0:9323', 'every interface'), (':9323', 'every interface'), ('[::]:9323', 'every interface'),
    ('10.0.0.5:9323', '10.0.0.5'), ('metrics.example:9323', 'metrics.example'),
])
def test_metrics_off_loopback_is_refused_unless_allowed(value, where):
    (message,) = errors({'metrics-addr': value})
    assert 'without authentication on %s' % where in message and 'allow_remote_metrics' in message
    found = findings({'metrics-addr': value}, allow_remote_metrics=True)
    assert found.errors == [] and 'allowed by allow_remote_metrics' in found.warnings[0]


def test_metrics_addr_from_a_flag_is_checked_too():
    (message,) = errors({}, unit_flags='/usr/bin/dockerd --metrics-addr 0.0.0.0:9323')
    assert 'metrics-addr' in message and '(from unit_flags)' in message


def test_metrics_before_20_10_needs_experimental():
    (message,) = errors({'metrics-addr': '127.0.0.1:9323'}, engine='19.03.15')
    assert 'experimental: true' in message and 'Engine 19.3.15' in message
    assert errors({'metrics-addr': '127.0.0.1:9323', 'experimental': True}, engine='19.03.15') == []


# --------------------------------------------------------------------------
# storage-opts overlay2.size: xfs with project quota under data-root
# --------------------------------------------------------------------------

@pytest.fixture
def xfs_mounts(tmp_path):
    """A mounts table with data-roots on xfs with and without project quota (real directories, so that the
    nearest existing path is the data-root itself)."""
    (tmp_path / 'quota').mkdir()
    (tmp_path / 'plain').mkdir()
    path = tmp_path / 'mounts'
    path.write_text('/dev/sda1 / ext4 rw,relatime 0 0\n'
                    '/dev/sdb %s xfs rw,relatime,attr2,inode64,prjquota 0 0\n'
                    '/dev/sdc %s xfs rw,relatime,attr2,inode64,noquota 0 0\n' % (tmp_path / 'quota', tmp_path / 'plain'))
    return str(path), str(tmp_path)


def test_overlay2_size_on_xfs_with_project_quota(xfs_mounts):
    mounts, base = xfs_mounts
    found = findings({'storage-driver': 'overlay2', 'storage-opts': ['overlay2.size=10G'], 'data-root': base + '/quota'},
                     data_root_fstype=None, mounts_file=mounts)
    assert found.errors == []


@pytest.mark.parametrize('data_root,reason', [
    ('plain', 'on xfs without project quota'),
    ('', 'on ext4'),
])
def test_overlay2_size_without_project_quota_is_refused(xfs_mounts, data_root, reason):
    mounts, base = xfs_mounts
    root = base + '/' + data_root if data_root else base
    (message,) = errors({'storage-driver': 'overlay2', 'storage-opts': ['overlay2.size=10G'], 'data-root': root},
                        data_root_fstype=None, mounts_file=mounts)
    assert 'overlay2.size=10G' in message and 'pquota' in message and reason in message
    assert 'Project Quota' in message and 'drop overlay2.size' in message


def test_overlay2_size_when_another_role_makes_the_filesystem():
    (message,) = errors({'storage-opts': ['overlay2.size=1G']}, data_root_fstype='btrfs')
    assert 'on btrfs' in message


@pytest.mark.parametrize('settings,reason', [
    ({'storage-driver': 'btrfs', 'storage-opts': ['overlay2.size=10G']}, '--storage-opt size'),
    ({'storage-driver': 'overlay2', 'storage-opts': ['overlay2.size=10zz']}, 'not a size'),
])
def test_overlay2_size_bad_driver_or_size(settings, reason):
    messages = errors(settings, data_root_fstype='btrfs' if settings['storage-driver'] == 'btrfs' else 'xfs')
    assert any(reason in m for m in messages), messages


# -- insecure-registries (CIS 2.5) ------------------------------------------


def test_insecure_registries_are_refused_with_the_fix():
    message = only_error({'insecure-registries': ['registry.local:5000']})
    assert message.startswith('insecure-registries "registry.local:5000": dockerd would pull from it over plain HTTP')
    assert 'CIS 2.5' in message
    assert '/etc/docker/certs.d/HOST:PORT/ca.crt' in message
    assert 'daemon_allow_insecure_registries' in message


def test_insecure_registry_flag_is_refused_naming_its_source():
    found = errors({}, docker_opts='--insecure-registry 10.0.0.0/8')
    assert len(found) == 1
    assert found[0].startswith('insecure-registries "10.0.0.0/8" (from docker_opts): ')


def test_insecure_registries_allowed_are_a_warning():
    found = findings({'insecure-registries': ['registry.local:5000', 'r2:5000']}, allow_insecure_registries=True)
    assert found.errors == []
    assert len([w for w in found.warnings if w.startswith('insecure-registries')]) == 2
    assert all('allowed by allow_insecure_registries' in w for w in found.warnings if w.startswith('insecure-registries'))


def test_no_insecure_registries_no_finding():
    assert errors({'insecure-registries': [], 'registry-mirrors': ['https://mirror.example:5000']}) == []
