# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
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
        'storage-opts': ['overlay2.size=10G'],
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


def test_tcp_host_without_port_uses_2375(tls_files):
    found = findings(dict(tls_files, hosts=['tcp://0.0.0.0'], tlsverify=True))
    assert 'port 2375' in found.warnings[0]


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
    found = errors({'labels': ['a=b'], 'insecure-registries': ['r:5000'], 'storage-opts': ['overlay2.size=1G']},
                   docker_opts='--label x=y --insecure-registry r2:5000 --storage-opt dm.basesize=20G')
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
