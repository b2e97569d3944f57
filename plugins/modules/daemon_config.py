#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: daemon_config
short_description: Validate and write Docker's daemon.json, and tell whether a reload or a restart applies it
version_added: 0.1.0
author:
  - hardened.docker maintainers (!UNKNOWN)
description:
  - Checks the complete desired content of C(/etc/docker/daemon.json) against what the installed Docker Engine
    accepts, and writes it atomically (C(root:root), mode C(0644)) only when every check passes.
  - All checks run before anything is written, every problem is collected, and the module fails once with a message
    that lists each problem, names the key and says how to fix it. A failing run leaves the existing file
    byte-identical.
  - "The checks: unknown or misspelled keys (with the closest real key as a suggestion); keys removed in the installed
    Engine (V(graph), V(cluster-store), V(cluster-advertise), V(cluster-store-opts) in 23.0, V(oom-score-adjust) in 25.0,
    V(api-cors-header) in 28.0); keys newer than the installed Engine; keys dockerd silently ignores
    (V(containerd-plugins-namespace), top-level V(http-proxy)/V(https-proxy)/V(no-proxy), which belong under
    V(proxies)); value types; absolute paths for V(data-root), V(exec-root), V(pidfile) and the TLS files; storage
    drivers removed in the installed Engine (V(aufs), V(overlay) in 24.0, V(devicemapper) in 25.0) or unknown;
    V(btrfs)/V(zfs) while data-root is not on that filesystem; a driver this host's dockerd cannot run (built
    without it - the binary has no C(daemon/graphdriver/<driver>) code -, a kernel without the overlay or aufs
    filesystem, V(overlay2) on an overlay, NFS or another backing filesystem it refuses, V(devicemapper) without
    C(/dev/mapper/control), V(fuse-overlayfs) without its program); host URIs, V(tcp://) hosts without a port (dockerd
    would silently pick 2375), TCP without TLS, the three TLS paths; V(log-opts) for the log driver that will be
    used (V(log-driver), else a C(--log-driver) flag, else V(json-file)) - for V(json-file) and V(local) the option
    names, V(max-size) a size dockerd reads (V(10m), V(1g), plain bytes; not V(10zz)), V(max-file) a positive
    integer, V(compress) a boolean and only with rotation; the collector address of V(syslog), V(gelf) and
    V(fluentd); V(mode) and V(max-buffer-size) for every driver; other drivers' options are left to them;
    TLS files that are missing or unreadable; keys also set by a dockerd flag in O(unit_flags) or O(docker_opts);
    and, on Engine 23.0 and later, C(dockerd --validate)."
  - Reports which keys changed and whether a C(systemctl reload docker) (SIGHUP) is enough or a restart is needed, so
    the calling role can notify the right handler.
  - Everything the module knows about dockerd lives in the module_utils C(daemon_schema) of this collection.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hardened.docker.attributes.linux
attributes:
  check_mode:
    support: full
    details: Check mode behaves like O(validate_only=true).
  diff_mode:
    support: full
    details: The diff shows the whole file before and after. daemon.json holds no secrets (TLS settings are paths).
options:
  path:
    description:
      - Path of the daemon configuration file.
    type: path
    default: /etc/docker/daemon.json
  settings:
    description:
      - The complete desired content of the file, with daemon.json key names (V(storage-driver), not
        V(storage_driver)), already merged by the calling role.
      - Top-level keys whose value is V(null) are dropped (not written).
      - Required unless O(restore_previous=true).
    type: dict
  engine_version:
    description:
      - Version of the installed Docker Engine, for example V(20.10.24+dfsg1) or V(26.1.5).
      - When omitted, the module runs C(dockerd --version). When that is not possible either, the version checks assume
        the newest Engine (removed keys and drivers are errors) and a warning says so.
    type: str
  unit_flags:
    description:
      - The dockerd command line that will really start the daemon, for example the effective C(ExecStart) of
        C(docker.service) after drop-ins (V(/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS))
        or the flags of the init script. Shell variables such as C($DOCKER_OPTS) are ignored.
      - Any daemon.json key that one of these flags also sets is an error, because dockerd refuses to start when a
        setting is given both ways (V(runtimes) is the exception).
    type: str
  unit_flags_source:
    description:
      - The file O(unit_flags) comes from (the unit file, or the drop-in that sets C(ExecStart)), named in the error
        when one of its flags conflicts with a daemon.json key.
    type: str
  docker_opts:
    description:
      - The value of C(DOCKER_OPTS) from C(/etc/default/docker) or C(/etc/sysconfig/docker), checked like O(unit_flags).
      - Pass it only when the start command really uses it (Debian's unit through C($DOCKER_OPTS), Debian's init
        script); docker-ce's unit does not read C(/etc/default/docker).
    type: str
  allow_insecure_tcp:
    description:
      - Accept a V(tcp://) entry in V(hosts) without TLS (neither V(tlsverify) nor V(tls) true). Without this, such an
        entry is an error, because anyone who reaches the port controls the host as root.
    type: bool
    default: false
  allow_remote_metrics:
    description:
      - Accept a V(metrics-addr) that is not on loopback. dockerd's metrics endpoint has no authentication, so without
        this such an address is an error; with it, a warning.
    type: bool
    default: false
  allow_insecure_registries:
    description:
      - Accept V(insecure-registries) (in the settings or a flag). dockerd pulls from such a registry over plain HTTP
        or without checking its certificate (CIS 2.5), so without this it is an error; with it, a warning.
    type: bool
    default: false
  tls_files_must_exist:
    description:
      - Require the files named by V(tlscacert), V(tlscert) and V(tlskey) to exist and be readable.
    type: bool
    default: true
  data_root_fstype:
    description:
      - Filesystem type of the data-root directory, overriding detection. Used for the V(btrfs) and V(zfs) checks.
      - By default the module looks up the mount that holds data-root (or its nearest existing parent when it does
        not exist yet) in C(/proc/self/mounts).
    type: str
  validate_only:
    description:
      - Run every check and report what would change, but never write.
    type: bool
    default: false
  backup:
    description:
      - Before replacing the file, keep copies of what was there.
      - C(<path>.previous) is the predictable copy used for rollback (see O(restore_previous)); it is rewritten on
        every run that changes the content. When there was no file before, C(<path>.previous) is left empty, which
        means "there was no file".
      - In addition a timestamped copy C(<path>.<pid>.<date>~) is kept, as with other Ansible modules, and returned
        as RV(backup_file).
      - With V(false), a stale C(<path>.previous) is removed when the content changes, so that a later rollback cannot
        restore something older than the last content.
    type: bool
    default: true
  dockerd_path:
    description:
      - The dockerd binary. By default C(dockerd) is looked up on E(PATH), then in C(/usr/sbin) and C(/usr/bin).
    type: path
  run_dockerd_validate:
    description:
      - On Engine 23.0 and later, write the candidate to a private temporary file (mode C(0600)) and run
        C(dockerd --validate --config-file FILE) with the flags of O(unit_flags) and O(docker_opts) (without the
        binary, shell variables, C(--config-file) and C(--validate)), so that dockerd checks the merged flag and file
        configuration exactly as it will start. A non-zero exit fails the module with dockerd's own output.
      - C(--validate) stops after loading the configuration and the TLS files, before any socket is opened, so
        C(-H fd://) is harmless there.
      - It only runs when the module's own checks passed. Engine 20.10 has no C(--validate).
    type: bool
    default: true
  restore_previous:
    description:
      - Roll back instead of writing. Restores C(<path>.previous) written by an earlier run; when that file is empty
        (there was no daemon.json before), removes O(path). O(settings) is not used.
      - Fails when there is no C(<path>.previous).
    type: bool
    default: false
notes:
  - The file is always owned by C(root:root) with mode C(0644) (CIS Docker Benchmark, section 3); C(/etc/docker) is
    created with mode C(0755) when missing. The standard file options are therefore not offered.
  - The write is atomic - a temporary file in the same directory, fsync, rename.
  - "Rollback - the calling role writes with O(backup=true); when the daemon then fails to (re)start, it runs the
    module again with O(restore_previous=true) (or copies C(<path>.previous) over O(path) with
    M(ansible.builtin.copy) and C(remote_src=true), deleting O(path) when C(.previous) is empty) and restarts again.
    C(<path>.previous) always holds the content before the last write that changed something."
  - A reload (SIGHUP) applies only V(debug), V(labels), V(live-restore), V(max-concurrent-downloads),
    V(max-concurrent-uploads), V(max-download-attempts), V(shutdown-timeout), V(default-runtime), V(runtimes),
    V(authorization-plugins), V(insecure-registries), V(registry-mirrors), V(features), V(default-shm-size),
    V(default-ipc-mode) and V(default-cgroupns-mode), and only values present in the file; any other change, and
    removing a key, needs a restart (RV(needs_restart)).
  - Storage drivers V(aufs) and V(overlay) are accepted with a warning on Engines older than 24.0, and
    V(devicemapper) on Engines older than 25.0, because those Engines still have them; the hardening role decides
    about CIS 2.6. V(btrfs) and V(zfs) also require data-root to be on that filesystem.
  - With V(features.containerd-snapshotter=true), V(storage-driver) may also name a containerd snapshotter
    (V(overlayfs), V(native), ...).
  - Unreadable TLS files are detected with C(os.access) and by opening them; when the module runs as root, mode
    C(0000) does not make a file unreadable for it (nor for dockerd).
seealso:
  - name: dockerd daemon configuration file
    description: Docker's reference of the daemon.json keys.
    link: https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file
"""

EXAMPLES = r"""
- name: Write daemon.json for a TLS-protected remote API on btrfs
  hardened.docker.daemon_config:
    settings:
      storage-driver: btrfs
      data-root: /var/lib/docker
      log-level: info
      icc: false
      live-restore: true
      no-new-privileges: true
      userland-proxy: false
      hosts:
        - unix:///var/run/docker.sock
        - tcp://0.0.0.0:2376
      tlsverify: true
      tlscacert: /etc/docker/tls/ca.pem
      tlscert: /etc/docker/tls/server-cert.pem
      tlskey: /etc/docker/tls/server-key.pem
    unit_flags: /usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS
  register: daemon_json

- name: Apply it with a reload when a SIGHUP covers every change, else with a restart
  ansible.builtin.service:
    name: docker
    state: "{{ 'reloaded' if daemon_json.reload_only else 'restarted' }}"
  when: daemon_json.changed_keys | length > 0

- name: Only check a candidate, never write
  hardened.docker.daemon_config:
    settings: "{{ docker_daemon_settings }}"
    engine_version: "{{ docker_engine_version }}"
    unit_flags: "{{ docker_effective_execstart }}"
    docker_opts: "{{ docker_default_opts | default(omit) }}"
    validate_only: true

- name: Roll back to the previous daemon.json after a failed restart
  hardened.docker.daemon_config:
    restore_previous: true
"""

RETURN = r"""
changed_keys:
  description: Top-level keys added, removed or modified, sorted. Empty when only formatting or file mode changed.
  returned: success
  type: list
  elements: str
  sample: [debug, log-level]
needs_restart:
  description: Whether applying the change needs a restart of dockerd (any non-reloadable key, or a removed key).
  returned: success
  type: bool
  sample: true
reload_only:
  description: Whether keys changed and a reload (SIGHUP) applies all of them.
  returned: success
  type: bool
  sample: false
content:
  description: The rendered daemon.json (sorted keys, two-space indent, trailing newline).
  returned: success
  type: str
  sample: "{\n  \"debug\": true\n}\n"
previous:
  description: The parsed content of the file before this run; null when there was none or it was not valid JSON.
  returned: success
  type: dict
  sample: {"debug": false}
backup_file:
  description: The timestamped copy made before the file was replaced.
  returned: when the file existed, its content changed, O(backup=true) and not in check mode
  type: str
  sample: /etc/docker/daemon.json.2842.2025-01-31@10:11:12~
previous_file:
  description: The rollback copy C(<path>.previous).
  returned: when O(backup=true) and the content changed (would change in check mode), or with O(restore_previous=true)
  type: str
  sample: /etc/docker/daemon.json.previous
engine_version:
  description: The Engine version the checks used (V(unknown) when it could not be determined).
  returned: always
  type: str
  sample: 20.10.24
dockerd_validated:
  description: Whether C(dockerd --validate) accepted the candidate (false when it was not run).
  returned: success
  type: bool
  sample: false
validation_warnings:
  description:
    - Everything worth knowing that does not stop the write (deprecated keys or drivers, port conventions,
      plaintext TCP allowed by O(allow_insecure_tcp), an unknown Engine version, a current file that was not JSON).
    - The same messages are also emitted as Ansible warnings.
  returned: always
  type: list
  elements: str
  sample: ["storage driver 'aufs' is deprecated since Engine 19.03 and removed in 24.0; plan the move to 'overlay2'"]
errors:
  description: Every problem found, one message each.
  returned: failure
  type: list
  elements: str
  sample: ["unknown daemon.json key 'storage_driver': did you mean 'storage-driver'?"]
restored:
  description: With O(restore_previous=true), what happened - V(restored), V(removed) or V(unchanged).
  returned: when O(restore_previous=true)
  type: str
  sample: restored
"""

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.hardened.docker.plugins.module_utils import daemon_config as dc
from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema as schema

ARGUMENT_SPEC = dict(
    path=dict(type='path', default=schema.DEFAULT_CONFIG_PATH),
    settings=dict(type='dict'),
    engine_version=dict(type='str'),
    unit_flags=dict(type='str'),
    unit_flags_source=dict(type='str'),
    docker_opts=dict(type='str'),
    allow_insecure_tcp=dict(type='bool', default=False),
    allow_remote_metrics=dict(type='bool', default=False),
    allow_insecure_registries=dict(type='bool', default=False),
    tls_files_must_exist=dict(type='bool', default=True),
    data_root_fstype=dict(type='str'),
    validate_only=dict(type='bool', default=False),
    backup=dict(type='bool', default=True),
    dockerd_path=dict(type='path'),
    run_dockerd_validate=dict(type='bool', default=True),
    restore_previous=dict(type='bool', default=False),
)


def find_dockerd(module):
    explicit = module.params['dockerd_path']
    if explicit:
        if not os.access(explicit, os.X_OK):
            module.fail_json(msg='dockerd_path %s is not an executable file' % explicit)
        return explicit
    return module.get_bin_path('dockerd', opt_dirs=['/usr/sbin', '/usr/bin'])


def engine_version(module, dockerd, warnings):
    given = module.params['engine_version']
    if given:
        try:
            return dc.parse_version(given)
        except ValueError as exc:
            module.fail_json(msg='engine_version: %s' % to_native(exc))
    if dockerd:
        rc, out, err = module.run_command([dockerd, '--version'])
        if rc == 0:
            try:
                return dc.parse_version(out)
            except ValueError:
                pass
        warnings.append('could not read the Engine version from `%s --version` (rc=%d): %s; the checks assume '
                        'the newest Engine' % (dockerd, rc, (out + err).strip()))
    else:
        warnings.append('dockerd not found and engine_version not given; the checks assume the newest Engine')
    return None


def dockerd_validate(module, dockerd, content):
    """None when dockerd accepts the candidate, else an error message with dockerd's output."""
    directory = tempfile.mkdtemp(prefix='hardened-docker-daemon-json-')
    try:
        candidate = os.path.join(directory, 'daemon.json')
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'wb') as stream:
            stream.write(content.encode('utf-8'))
        command = dc.dockerd_validate_command(dockerd, candidate, module.params['unit_flags'],
                                              module.params['docker_opts'])
        rc, out, err = module.run_command(command)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if rc == 0:
        return None
    output = (err + out).strip().replace(candidate, '<candidate daemon.json>')
    return ('dockerd --validate rejected the candidate (rc=%d, flags passed: %s): %s'
            % (rc, ' '.join(command[4:]) or 'none', output or 'no output'))


def emit_warnings(module, warnings):
    for warning in warnings:
        module.warn(warning)


def file_owner():
    """root:root when we can enforce it (running as root), else None."""
    return (0, 0) if os.geteuid() == 0 else None


def attributes_differ(path, owner):
    info = os.stat(path)
    if (info.st_mode & 0o7777) != schema.CONFIG_FILE_MODE:
        return True
    return owner is not None and (info.st_uid, info.st_gid) != owner


def restore(module):
    path = module.params['path']
    owner = file_owner()
    try:
        action = dc.restore_previous(path, owner=owner, dry_run=module.check_mode)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot restore %s from %s: %s' % (path, dc.previous_path(path), to_native(exc)))
    module.exit_json(changed=action != 'unchanged', restored=action, path=path,
                     previous_file=dc.previous_path(path))


def validate_everything(module, settings, version, dockerd, warnings):
    params = module.params
    context = dc.ValidationContext(
        engine_version=version,
        unit_flags=params['unit_flags'],
        unit_flags_source=params['unit_flags_source'],
        docker_opts=params['docker_opts'],
        allow_insecure_tcp=params['allow_insecure_tcp'],
        allow_remote_metrics=params['allow_remote_metrics'],
        allow_insecure_registries=params['allow_insecure_registries'],
        tls_files_must_exist=params['tls_files_must_exist'],
        data_root_fstype=params['data_root_fstype'],
        # Only when a driver is chosen: the dockerd binary, the kernel's filesystems, the device-mapper.
        driver_support=(dc.read_driver_support(dockerd, [settings['storage-driver']])
                        if isinstance(settings.get('storage-driver'), str) else None),
    )
    findings = dc.check(settings, context)
    warnings.extend(findings.warnings)
    for other in dc.config_files_from_flags(params['unit_flags'], params['docker_opts']):
        if os.path.abspath(other) != os.path.abspath(params['path']):
            warnings.append('the dockerd command line uses --config-file %s, so dockerd will not read %s'
                            % (other, params['path']))
    errors = list(findings.errors)
    validated = False
    if not errors and params['run_dockerd_validate'] and dc.should_run_dockerd_validate(version):
        if dockerd:
            problem = dockerd_validate(module, dockerd, dc.render(settings))
            if problem:
                errors.append(problem)
            validated = problem is None
        else:
            warnings.append('Engine %s has `dockerd --validate` but dockerd was not found; skipped it'
                            % dc.format_version(version))
    if errors:
        emit_warnings(module, warnings)
        module.fail_json(msg=dc.format_errors(errors), errors=errors, engine_version=dc.format_version(version),
                         validation_warnings=warnings)
    return validated


def write(module, path, content, raw, content_changed, warnings):
    """Write the file (or only fix its attributes); return (backup_file, previous_file)."""
    owner = file_owner()
    if owner is None:
        warnings.append('not running as root: cannot make %s owned by root:root' % path)
    dc.ensure_directory(os.path.dirname(path), owner=owner)
    backup_file = previous_file = None
    if content_changed:
        if module.params['backup']:
            if raw is not None:
                backup_file = module.backup_local(path)
            previous_file = dc.save_previous(path, raw, owner=owner)
        elif os.path.exists(dc.previous_path(path)):
            os.unlink(dc.previous_path(path))
        dc.atomic_write(path, content.encode('utf-8'), owner=owner)
    else:
        os.chmod(path, schema.CONFIG_FILE_MODE)
        if owner is not None:
            os.chown(path, owner[0], owner[1])
    if module.selinux_enabled():
        module.set_default_selinux_context(path, False)
    return backup_file, previous_file


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        required_if=[('restore_previous', False, ('settings',))],
    )
    if module.params['restore_previous']:
        restore(module)

    path = module.params['path']
    settings = dc.normalize_settings(module.params['settings'])
    warnings = []
    dockerd = find_dockerd(module)
    version = engine_version(module, dockerd, warnings)
    validated = validate_everything(module, settings, version, dockerd, warnings)

    content = dc.render(settings)
    try:
        raw, previous, parse_error = dc.read_current(path)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot read %s: %s' % (path, to_native(exc)))
    if parse_error:
        warnings.append('the current %s is %s; it will be replaced (and backed up)' % (path, parse_error))
    keys, needs_restart = dc.classify_change({} if raw is None else previous, settings)
    content_changed = raw != content.encode('utf-8')
    changed = content_changed or (raw is not None and attributes_differ(path, file_owner()))

    result = dict(
        changed=changed,
        path=path,
        changed_keys=keys,
        needs_restart=needs_restart,
        reload_only=bool(keys) and not needs_restart,
        content=content,
        previous=previous,
        backup_file=None,
        previous_file=dc.previous_path(path) if content_changed and module.params['backup'] else None,
        engine_version=dc.format_version(version),
        dockerd_validated=validated,
        validation_warnings=warnings,
    )
    if module._diff:
        before = '' if raw is None else raw.decode('utf-8', errors='replace')
        result['diff'] = dict(before=before, after=content, before_header=path, after_header=path)

    if changed and not (module.check_mode or module.params['validate_only']):
        try:
            result['backup_file'], result['previous_file'] = write(module, path, content, raw, content_changed,
                                                                   warnings)
        except (IOError, OSError) as exc:
            emit_warnings(module, warnings)
            module.fail_json(msg='cannot write %s: %s' % (path, to_native(exc)), **result)
    emit_warnings(module, warnings)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
