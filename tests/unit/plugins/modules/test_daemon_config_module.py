# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hardened.docker.daemon_config run end to end: main() with module arguments, real files under tmp_path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.hardened.docker.plugins.module_utils import daemon_config as dc
from ansible_collections.hardened.docker.plugins.modules import daemon_config as module

SETTINGS = {'debug': False, 'log-level': 'info', 'icc': False, 'live-restore': True}

# A stand-in for the dockerd binary: answers --version, records every call and the candidate file, and rejects a
# candidate that contains the label "reject=me" the way dockerd reports a bad configuration.
FAKE_DOCKERD = r'''#!/bin/sh
here=$(dirname "$0")
echo "$*" >> "$here/calls.log"
case "$1" in
  --version) echo "Docker version VERSION, build a72d7cd"; exit 0 ;;
  --validate)
    stat -c %a "$3" > "$here/candidate.mode"
    cp "$3" "$here/candidate.json"
    if grep -q 'reject=me' "$3"; then
      echo "unable to configure the Docker daemon with file $3: invalid label reject=me" >&2
      exit 1
    fi
    echo "configuration OK" >&2
    exit 0 ;;
esac
exit 2
'''


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / 'etc' / 'docker' / 'daemon.json')


@pytest.fixture
def run(capsys, path):
    """Run the module's main() and return its JSON result."""

    def _run(check_mode=False, diff=False, **args):
        args.setdefault('path', path)
        args.setdefault('engine_version', '20.10.24+dfsg1')
        args.setdefault('run_dockerd_validate', False)
        if check_mode:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)

    return _run


@pytest.fixture
def fake_dockerd(tmp_path):
    def _make(version):
        directory = tmp_path / ('bin-' + version)
        directory.mkdir()
        binary = directory / 'dockerd'
        binary.write_text(FAKE_DOCKERD.replace('VERSION', version))
        binary.chmod(0o755)
        return directory

    return _make


def write_file(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    os.chmod(path, mode)


def read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def ansible_warnings(result):
    """Warning texts of a raw module result (ansible-core 2.19 wraps each one in a summary object)."""
    return [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --------------------------------------------------------------------------
# validate_only and check mode never write
# --------------------------------------------------------------------------

def test_validate_only_writes_nothing(run, path):
    result = run(settings=SETTINGS, validate_only=True)
    assert result['changed'] is True
    assert result['changed_keys'] == ['debug', 'icc', 'live-restore', 'log-level']
    assert result['content'] == dc.render(SETTINGS)
    assert not os.path.exists(os.path.dirname(path))


def test_check_mode_writes_nothing_and_shows_a_diff(run, path):
    write_file(path, '{"debug": true}\n')
    before = os.stat(path)
    result = run(settings=SETTINGS, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['needs_restart'] is True
    assert result['diff'] == {'before': '{"debug": true}\n', 'after': dc.render(SETTINGS),
                              'before_header': path, 'after_header': path}
    assert read(path) == b'{"debug": true}\n'
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert not os.path.exists(dc.previous_path(path))


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------

def test_first_write(run, path):
    result = run(settings=dict(SETTINGS, **{'data-root': None}))
    assert result['changed'] is True
    assert result['previous'] is None
    assert result['backup_file'] is None
    assert result['engine_version'] == '20.10.24'
    assert read(path) == dc.render(SETTINGS).encode('utf-8')
    assert mode_of(path) == 0o644
    assert mode_of(os.path.dirname(path)) == 0o755
    if os.geteuid() == 0:
        assert (os.stat(path).st_uid, os.stat(path).st_gid) == (0, 0)
    # There was no file: the rollback copy is empty ("remove daemon.json to roll back").
    assert result['previous_file'] == path + '.previous'
    assert read(path + '.previous') == b''


def test_second_run_is_unchanged(run, path):
    run(settings=SETTINGS)
    listing = sorted(os.listdir(os.path.dirname(path)))
    result = run(settings=SETTINGS)
    assert result['changed'] is False
    assert result['changed_keys'] == []
    assert result['needs_restart'] is False and result['reload_only'] is False
    assert result['previous'] == SETTINGS
    assert sorted(os.listdir(os.path.dirname(path))) == listing


def test_write_is_atomic_replace(run, path):
    write_file(path, '{"debug": true}\n')
    old_inode = os.stat(path).st_ino
    run(settings=SETTINGS)
    assert os.stat(path).st_ino != old_inode  # a new file renamed over the old one, not rewritten in place
    leftovers = [name for name in os.listdir(os.path.dirname(path)) if name.endswith('.tmp')]
    assert leftovers == []


def test_reloadable_change_keeps_a_backup(run, path):
    old = dict(SETTINGS)
    run(settings=old)
    old_bytes = read(path)
    result = run(settings=dict(old, debug=True))
    assert result['changed'] is True
    assert result['changed_keys'] == ['debug']
    assert result['needs_restart'] is False
    assert result['reload_only'] is True
    assert result['previous'] == old
    assert read(path + '.previous') == old_bytes
    assert result['previous_file'] == path + '.previous'
    assert result['backup_file'].startswith(path + '.')
    assert read(result['backup_file']) == old_bytes
    assert mode_of(path + '.previous') == 0o644


def test_non_reloadable_change_needs_restart(run, path):
    run(settings=SETTINGS)
    result = run(settings=dict(SETTINGS, debug=True, **{'log-level': 'debug'}))
    assert result['changed_keys'] == ['debug', 'log-level']
    assert result['needs_restart'] is True
    assert result['reload_only'] is False


def test_invalid_json_is_replaced_and_backed_up(run, path):
    write_file(path, '{"debug": true,,}\n')
    result = run(settings=SETTINGS)
    assert result['changed'] is True
    assert result['previous'] is None
    assert result['needs_restart'] is True
    assert read(path + '.previous') == b'{"debug": true,,}\n'
    assert any('not valid JSON' in warning for warning in result['validation_warnings'])
    assert any('not valid JSON' in warning for warning in ansible_warnings(result))


def test_wrong_mode_is_fixed_without_a_content_change(run, path):
    write_file(path, dc.render(SETTINGS), mode=0o600)
    result = run(settings=SETTINGS)
    assert result['changed'] is True
    assert result['changed_keys'] == []
    assert result['reload_only'] is False and result['needs_restart'] is False
    assert mode_of(path) == 0o644
    assert not os.path.exists(path + '.previous')


def test_backup_false_removes_a_stale_previous(run, path):
    write_file(path, '{"debug": true}\n')
    write_file(path + '.previous', '{"very": "old"}\n')
    result = run(settings=SETTINGS, backup=False)
    assert result['backup_file'] is None and result['previous_file'] is None
    assert not os.path.exists(path + '.previous')


def test_none_values_are_not_written(run, path):
    run(settings={'debug': True, 'data-root': None, 'storage-driver': None})
    assert json.loads(read(path)) == {'debug': True}


# --------------------------------------------------------------------------
# failures leave the file alone
# --------------------------------------------------------------------------

def test_failing_checks_leave_the_file_byte_identical(run, path):
    write_file(path, '{ "debug" : true }')
    before = read(path)
    result = run(settings={'storage_driver': 'overlay2', 'data-root': 'docker', 'hosts': ['tcp://0.0.0.0:2375']},
                 unit_flags='/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS')
    assert result['failed'] is True
    assert result['errors'] == [
        "unknown daemon.json key 'storage_driver': did you mean 'storage-driver'?",
        "'data-root' must be an absolute path, got \"docker\"; write it from the root, e.g. \"/docker\"",
        "'hosts' entry \"tcp://0.0.0.0:2375\" would serve the Docker API over TCP without TLS: anyone who reaches it "
        "controls this host as root. Set tlsverify: true with tlscacert, tlscert and tlskey (port 2376 by "
        "convention), or set allow_insecure_tcp: true to accept the risk",
        result['errors'][3],
    ]
    assert result['errors'][3].startswith("'hosts' is also set by the flag '-H fd://'")
    assert result['msg'].startswith('daemon.json was not written: 4 problems found:\n- unknown daemon.json key')
    assert result['msg'].count('\n- ') == 4
    assert read(path) == before
    assert sorted(os.listdir(os.path.dirname(path))) == ['daemon.json']


def test_values_without_meaning_are_refused_and_leave_the_file_alone(run, path):
    """max-size "10zz" (dockerd starts, every container start fails) and a tcp:// host without a port."""
    write_file(path, '{"debug": true}\n')
    before = read(path)
    result = run(settings={'log-driver': 'json-file', 'log-opts': {'max-size': '10zz', 'max-file': '3'},
                           'hosts': ['unix:///var/run/docker.sock', 'tcp://0.0.0.0'], 'tlsverify': True,
                           'tlscacert': '/etc/docker/tls/ca.pem', 'tlscert': '/etc/docker/tls/server-cert.pem',
                           'tlskey': '/etc/docker/tls/server-key.pem'},
                 tls_files_must_exist=False)
    assert result['failed'] is True
    assert len(result['errors']) == 2, result['errors']
    assert result['errors'][0].startswith("'hosts' entry \"tcp://0.0.0.0\" has no port")
    assert 'add the port, e.g. tcp://0.0.0.0:2376' in result['errors'][0]
    assert result['errors'][1].startswith("'log-opts' \"max-size\": \"10zz\" is not a size for the json-file log "
                                          "driver")
    assert result['msg'].startswith('daemon.json was not written: 2 problems found:')
    assert read(path) == before
    assert sorted(os.listdir(os.path.dirname(path))) == ['daemon.json']


def test_removed_key_and_driver_by_engine_version(run, path):
    result = run(settings={'graph': '/srv/docker', 'storage-driver': 'devicemapper'}, engine_version='25.0.3')
    assert result['failed'] is True
    assert result['errors'][0].startswith("'graph' was removed in Engine 23.0; use 'data-root'")
    assert result['errors'][1].startswith("storage driver 'devicemapper' was removed in Engine 25.0")
    assert not os.path.exists(path)


def test_warnings_are_returned(run, path, monkeypatch):
    # A host whose kernel has aufs (this machine's has not: see the next test for that refusal).
    monkeypatch.setattr(module.dc, 'read_driver_support',
                        lambda *args, **kwargs: module.dc.DriverSupport(kernel_filesystems={'aufs', 'overlay'}))
    result = run(settings={'storage-driver': 'aufs'}, engine_version='20.10.24')
    assert result['changed'] is True
    assert result['validation_warnings'] == [
        "storage driver 'aufs' is deprecated since Engine 19.03 and removed in 24.0; plan the move to 'overlay2'"]
    # Also emitted as Ansible warnings (module-level state in one test process may hold earlier runs' too).
    assert set(result['validation_warnings']) <= set(ansible_warnings(result))


def test_other_config_file_in_the_unit_warns(run, path):
    result = run(settings=SETTINGS, validate_only=True,
                 unit_flags='/usr/bin/dockerd --config-file /etc/docker/other.json')
    assert result['validation_warnings'] == [
        'the dockerd command line uses --config-file /etc/docker/other.json, so dockerd will not read %s' % path]


def test_invalid_engine_version(run):
    result = run(settings=SETTINGS, engine_version='latest')
    assert result['failed'] is True
    assert result['msg'].startswith('engine_version: not an Engine version')


def test_settings_are_required(run):
    result = run()
    assert result['failed'] is True
    assert 'settings' in result['msg']


def test_btrfs_needs_btrfs(run, path):
    result = run(settings={'storage-driver': 'btrfs'}, data_root_fstype='ext4')
    assert result['failed'] is True
    assert "storage driver 'btrfs' needs data-root '/var/lib/docker' on a btrfs filesystem" in result['msg']
    assert run(settings={'storage-driver': 'btrfs'}, data_root_fstype='btrfs')['changed'] is True


# --------------------------------------------------------------------------
# rollback
# --------------------------------------------------------------------------

def test_restore_previous(run, path):
    run(settings=SETTINGS)
    old_bytes = read(path)
    run(settings=dict(SETTINGS, debug=True))
    assert run(restore_previous=True, check_mode=True)['changed'] is True
    assert json.loads(read(path))['debug'] is True
    result = run(restore_previous=True)
    assert result['changed'] is True and result['restored'] == 'restored'
    assert read(path) == old_bytes
    assert run(restore_previous=True)['changed'] is False


def test_restore_previous_removes_a_file_that_did_not_exist(run, path):
    run(settings=SETTINGS)
    result = run(restore_previous=True)
    assert result['restored'] == 'removed'
    assert not os.path.exists(path)


def test_restore_previous_without_a_previous_fails(run, path):
    result = run(restore_previous=True)
    assert result['failed'] is True
    assert result['msg'].startswith('cannot restore %s from %s.previous' % (path, path))


# --------------------------------------------------------------------------
# dockerd --version and dockerd --validate (with a stand-in dockerd binary)
# --------------------------------------------------------------------------

def test_version_detection_and_dockerd_validate(run, path, fake_dockerd):
    bindir = fake_dockerd('26.1.5+dfsg1')
    result = run(settings=SETTINGS, engine_version=None, dockerd_path=str(bindir / 'dockerd'),
                 run_dockerd_validate=True,
                 unit_flags='/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS',
                 docker_opts='--dns 10.0.0.2')
    assert result['engine_version'] == '26.1.5'
    assert result['dockerd_validated'] is True
    calls = (bindir / 'calls.log').read_text().splitlines()
    assert calls[0] == '--version'
    assert calls[1].startswith('--validate --config-file /')
    assert calls[1].endswith('daemon.json --containerd=/run/containerd/containerd.sock --dns 10.0.0.2')
    assert (bindir / 'candidate.mode').read_text().strip() == '600'
    assert (bindir / 'candidate.json').read_text() == dc.render(SETTINGS)
    candidate = calls[1].split()[2]
    assert not os.path.exists(candidate) and not os.path.exists(os.path.dirname(candidate))
    assert read(path) == dc.render(SETTINGS).encode('utf-8')


def test_dockerd_validate_rejection_fails_with_its_output(run, path, fake_dockerd):
    write_file(path, '{"debug": true}\n')
    bindir = fake_dockerd('27.5.1')
    result = run(settings={'labels': ['reject=me']}, engine_version='27.5.1', dockerd_path=str(bindir / 'dockerd'),
                 run_dockerd_validate=True)
    assert result['failed'] is True
    assert result['errors'] == [
        'dockerd --validate rejected the candidate (rc=1, flags passed: none): unable to configure the Docker daemon '
        'with file <candidate daemon.json>: invalid label reject=me']
    assert read(path) == b'{"debug": true}\n'


def test_dockerd_validate_is_not_run_on_20_10(run, path, fake_dockerd):
    bindir = fake_dockerd('20.10.24+dfsg1')
    result = run(settings=SETTINGS, engine_version=None, dockerd_path=str(bindir / 'dockerd'),
                 run_dockerd_validate=True)
    assert result['engine_version'] == '20.10.24'
    assert result['dockerd_validated'] is False
    assert (bindir / 'calls.log').read_text().splitlines() == ['--version']


def test_dockerd_validate_is_not_run_when_own_checks_fail(run, fake_dockerd):
    bindir = fake_dockerd('27.5.1')
    result = run(settings={'debug': 'yes'}, engine_version='27.5.1', dockerd_path=str(bindir / 'dockerd'),
                 run_dockerd_validate=True)
    assert result['failed'] is True
    assert not (bindir / 'calls.log').exists()


def test_a_driver_the_dockerd_build_lacks_is_refused(run, path, fake_dockerd):
    # The fake dockerd is a shell script: no daemon/graphdriver code in it at all.
    result = run(settings={'storage-driver': 'vfs'}, dockerd_path=str(fake_dockerd('20.10.24') / 'dockerd'))
    assert result.get('failed') is True, result
    assert "this dockerd was built without the 'vfs' storage driver" in result['msg']
