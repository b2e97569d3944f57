#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: docker_host_facts
short_description: Read everything about a Docker host that the hardened.docker roles and the CIS audit judge
version_added: 0.1.0
author:
  - hardened.docker maintainers (!UNKNOWN)
description:
  - Reads, in one call and without changing anything, the state of a Docker host, whoever installed it
    (Debian's C(docker.io), Docker's C(docker-ce), this collection).
  - "The engine: packages and versions of dockerd, containerd and runc; the service manager; the effective dockerd
    command line (on systemd from C(systemctl show docker.service), operator drop-ins included; without systemd from
    the init script's environment file); the running dockerd process."
  - "The daemon: C(daemon.json), C(docker info), the default bridge network's options, the counts of images,
    containers and volumes, each running container's runtime settings (CIS section 5) and the containers that died or
    were OOM-killed recently (C(docker events))."
  - "The files: owner and mode of every file of CIS sections 1 and 3, the docker group, the audit rules (from
    C(auditctl -l) where the kernel permits it, from the compiled rules file otherwise, saying which), the TLS files
    with each certificate's expiry and SANs, the filesystem under data-root and C(docker system df)."
  - When dockerd is stopped or not installed the module says so (RV(host_state.engine.running),
    RV(host_state.docker_info_error)) and does not fail.
  - The dockerd flag parser and the mount table parser are shared with the rest of the collection
    (module_utils C(daemon_schema) and C(_host_state)).
  - Not to be confused with M(community.docker.docker_host_info), which talks to the Docker API only.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hardened.docker.attributes.linux
attributes:
  check_mode:
    support: full
    details: The module never changes anything, so check mode reads the same.
  diff_mode:
    support: none
options:
  gather_subset:
    description:
      - What to read. V(all) is every subset except V(tls_dir) and V(storage_devices), which need their own options.
        A name prefixed with C(!) is left out.
      - The engine's service state, daemon.json, C(docker info) and the dockerd process are always read.
    type: list
    elements: str
    default: [all]
  packages:
    description:
      - Package names whose installation state and version are reported besides the engine's usual ones.
    type: list
    elements: str
    default: []
  daemon_config_path:
    description: Path of daemon.json.
    type: path
    default: /etc/docker/daemon.json
  docker_socket:
    description: The daemon's unix socket the C(docker) command talks to.
    type: path
    default: /var/run/docker.sock
  env_file:
    description:
      - The start script's environment file. Default C(/etc/default/docker) (variable C(DOCKER_OPTS)) or
        C(/etc/sysconfig/docker) (C(OPTIONS)), whichever exists.
    type: path
  env_variable:
    description: The variable of O(env_file) that holds dockerd's flags.
    type: str
  dropin_path:
    description: A docker.service drop-in whose content and owner/mode are returned (RV(host_state.dropin)).
    type: path
  proxy_dropin_path:
    description: The docker.service drop-in that sets the proxy; its content and owner/mode are returned (RV(host_state.proxy)).
    type: path
  trusted_users:
    description: Users trusted with the docker group; those that do not exist are listed.
    type: list
    elements: str
    default: []
  audit_rules_file:
    description: The audit rules file whose content and mode are returned.
    type: path
    default: /etc/audit/rules.d/hardened-docker.rules
  audit_compiled_path:
    description: The compiled audit rules file, read where C(auditctl -l) is not permitted.
    type: path
    default: /etc/audit/audit.rules
  audit_service:
    description: The audit daemon's service name.
    type: str
    default: auditd
  events_since:
    description: How far back C(docker events) is read for died and OOM-killed containers.
    type: str
    default: 24h
  tls_dir:
    description: With the V(tls_dir) subset, the directory whose files O(tls_dir_files) are described.
    type: path
  tls_dir_files:
    description: Names in O(tls_dir) (or absolute paths) whose owner, mode and SHA-1 are returned.
    type: list
    elements: str
    default: []
  storage_devices:
    description: With the V(storage_devices) subset, the block devices to probe (C(blkid -p), whether the kernel holds them).
    type: list
    elements: path
    default: []
  storage_mount_point:
    description: With the V(storage_devices) subset, the mount point whose mount and content are described.
    type: path
    default: /var/lib/docker
  storage_skeleton:
    description: With the V(storage_devices) subset, patterns (per path component) of entries that do not count as data.
    type: list
    elements: str
    default: []
notes:
  - Reading C(docker system df) and C(docker inspect) costs time on hosts with many images and containers; leave
    out V(disk_usage) or V(containers) where they are not needed.
"""

EXAMPLES = r"""
- name: Read the whole host
  hardened.docker.docker_host_facts:
  register: host

- name: Show the engine and the effective dockerd command line
  ansible.builtin.debug:
    msg: "{{ host.host_state.engine.server_version }} started with {{ host.host_state.effective_flags.text }}"

- name: Only what the engine needs to decide whether to install
  hardened.docker.docker_host_facts:
    gather_subset: [engine]
    packages: [docker.io, auditd]
"""

RETURN = r"""
host_state:
  description: >-
    The host's state. The keys of the subsets read are present (values are empty where they could not be
    read); the keys of subsets not asked for are absent.
  returned: always
  type: dict
  contains:
    gathered:
      description: The subsets read.
      type: list
      elements: str
      sample: [audit, containers, daemon, engine, events, files, images, network, storage]
    service_manager:
      description: V(systemd), V(sysvinit) or V(other).
      type: str
      sample: systemd
    engine:
      description: Whether dockerd is installed and answers, and the versions of dockerd, containerd and runc.
      type: dict
      sample: {installed: true, running: true, server_version: 20.10.24+dfsg1, error: ""}
      contains:
        installed:
          description: Whether a C(dockerd) binary is on the search path.
          type: bool
        running:
          description: Whether the daemon answered C(docker info).
          type: bool
        server_version:
          description: The daemon's version from C(docker info); empty when it did not answer.
          type: str
        error:
          description: Why C(docker info) could not be read (like RV(host_state.docker_info_error)); empty when it was.
          type: str
        dockerd_version:
          description: The first line of C(dockerd --version) (subset V(engine)); empty where not read.
          type: str
        containerd_version:
          description: The first line of C(containerd --version) (subset V(engine)); empty where not read.
          type: str
        runc_version:
          description: The first line of C(runc --version) (subset V(engine)); empty where not read.
          type: str
    packages:
      description: "Installation state and version per package (subset V(engine))."
      type: dict
      sample: {docker.io: {installed: true, version: 20.10.24+dfsg1-1+b3}}
    dockerd:
      description: The running dockerd process (C(pid), C(uid), C(args)); C(pid) is null when none runs.
      type: dict
    unit:
      description: >-
        docker.service as systemd sees it (subset V(daemon)): C(fragment_path), C(dropin_paths), the effective
        C(exec_start), the packaged unit's own C(fragment_exec_start), C(environment_files), C(socket_loaded);
        C(operator_exec_start) and C(operator_exec_start_source), the command and the file it comes from when the
        collection's own drop-in (O(dropin_path)) is left out (an operator's C(systemctl edit) drop-in shows here),
        and C(exec_start_after_own_dropin), an operator drop-in that sets C(ExecStart) and sorts after the
        collection's drop-in, so that it wins.
      type: dict
    env_file:
      description: The start script's environment file and its flags variable (subset V(daemon)).
      type: dict
    port_bridge:
      description: >-
        Whether the chains of the daemon role's port bridge (M(hardened.docker.docker_port_bridge)) exist in the C(nat)
        or C(filter) table (subset V(daemon); V(false) without C(iptables)): a run that was stopped during a restart
        left it behind.
      type: bool
    dropin:
      description: >-
        The drop-in of O(dropin_path) (subset V(daemon), only when O(dropin_path) is set): its C(content) and its
        C(mode) as C(<octal mode>:<uid>:<gid>), both null when the file cannot be read.
      type: dict
    proxy:
      description: >-
        The proxy dockerd starts with (subset V(daemon)): C(environment), the C(HTTP_PROXY), C(HTTPS_PROXY) and
        C(NO_PROXY) of its start environment (the unit's C(Environment) with systemd, the environment file the init
        script sources without; lower-case names are read too), C(dropin), the content and mode of
        O(proxy_dropin_path) (null without that option), and C(env_file_block), whether the environment file holds
        the daemon role's proxy block. The running daemon's own view is RV(host_state.docker_info)'s C(HttpProxy),
        C(HttpsProxy) and C(NoProxy).
      type: dict
    effective_flags:
      description: >-
        The flags dockerd starts with (subset V(daemon)): C(source) (V(systemctl show), V(environment file) or V(none)),
        C(text) with variables expanded, and C(args), the flags as argv words (like C(dockerd.args)).
      type: dict
    daemon_json:
      description: >-
        C(path), C(exists), C(settings), the parse C(error) (null when it parsed), C(managed_keys), the daemon
        role's record of the keys it wrote (C(<path>.hardened-docker-keys); null when there is none), and
        C(pending), the content of C(<path>.pending) (null when there is none): the daemon role's note that a run
        changed the daemon's files but was stopped before the restart or reload that applies them.
      type: dict
    docker_info:
      description: C(docker info) as JSON; empty when the daemon did not answer.
      type: dict
    docker_info_error:
      description: Why C(docker info) could not be read; empty when it was.
      type: str
    counts:
      description: Images, containers, running containers and volumes; null where not read.
      type: dict
    bridge_options:
      description: The default bridge network's options (subset V(network)), or null.
      type: dict
    firewall:
      description: >-
        The tls role's allow-list as the kernel has it (subset V(network), from C(nft list table inet hardened_docker)):
        C(table) (whether it is loaded), C(ports), C(allowed_networks) and C(dropped_packets); the policy for
        published container ports, C(published_policy), C(published_networks) and C(published_dropped_packets).
      type: dict
    data_on_disk:
      description: >-
        What the data-root holds on disk, read without the daemon (subset V(images)): C(root), C(exists), the
        number of C(images) (image configs of every storage driver), C(containers) and C(volumes), the storage
        C(drivers) with image metadata, and the C(remapped) userns-remap directories (C(<uid>.<gid>)), whose data
        counts too.
      type: dict
    image_ids:
      description: Every image ID (subset V(images)).
      type: list
      elements: str
    containers:
      description:
        - The runtime settings of each running container (subset V(containers)), for CIS section 5.
        - C(no_new_privs) is the kernel's flag of the container's process (C(NoNewPrivs) in C(/proc/PID/status)),
          null where it cannot be read.
      type: list
      elements: dict
    events:
      description: Containers that died or were OOM-killed within O(events_since) (subset V(events)).
      type: dict
    storage:
      description: >-
        The filesystem under data-root (subset V(storage)): C(fstype), C(mount_point), C(separate_mount),
        C(size_bytes), C(free_bytes), and C(quota), what can limit a container's writable layer there
        (V(btrfs qgroups), V(xfs project quota) or V(none)).
      type: dict
    prune:
      description: >-
        The schedule of the collection's prune role (subset V(storage)): C(scheduled), C(via) (V(systemd timer) or
        V(cron)), C(schedule), and C(last_run) (C(started), C(finished), C(rc), C(reclaimed)) or null.
      type: dict
    system_df:
      description: C(docker system df), one entry per kind (subset V(disk_usage)).
      type: list
      elements: dict
    group:
      description: The docker group's members (subset V(files)).
      type: dict
    stat:
      description: Owner, group, mode and kind of every file CIS sections 1 and 3 name (subset V(files)).
      type: dict
    registries:
      description: >-
        The registries dockerd trusts through C(/etc/docker/certs.d) (subset V(files)), one entry per directory:
        C(address) (the directory name, C(HOST[:PORT])), C(ca_files) (its C(*.crt) files), C(client_certificate)
        (whether a C(*.cert) client certificate is there), C(ca_not_after) and C(ca_days_left) of the CA that expires
        first, and C(error) when one could not be read.
      type: list
      elements: dict
    tls:
      description: The daemon's TLS files with each certificate's C(not_after), C(days_left) and C(subject_alt_names).
      type: dict
    audit:
      description: >-
        The audit rules (subset V(audit)): C(source) says which text holds the rules that count (V(auditctl -l),
        V(compiled rules file) or V(none)).
      type: dict
    tls_dir:
      description: >-
        The tls role's directory and files (subset V(tls_dir)): C(dir), C(files) (each name of O(tls_dir_files) with
        its C(kind), C(mode), C(uid), C(gid) and C(sha1), or V(null) when it does not exist), C(cryptography) (whether
        the module's Python has it) and C(firewall), the allow-list as the kernel has it (like RV(host_state.firewall)).
      type: dict
    storage_devices:
      description: >-
        The storage role's devices, mount point and data (subset V(storage_devices)), the filesystem types the
        kernel knows (C(filesystems)) and whether its xfs has quota support (C(xfs_quota_in_kernel): V(true),
        V(false), or V(null) while xfs is not loaded).
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.hardened.docker.plugins.module_utils._host_state import SUBSETS, read_host  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gather_subset=dict(type='list', elements='str', default=['all']),
            packages=dict(type='list', elements='str', default=[]),
            daemon_config_path=dict(type='path', default='/etc/docker/daemon.json'),
            docker_socket=dict(type='path', default='/var/run/docker.sock'),
            env_file=dict(type='path'),
            env_variable=dict(type='str'),
            dropin_path=dict(type='path'),
            proxy_dropin_path=dict(type='path'),
            trusted_users=dict(type='list', elements='str', default=[]),
            audit_rules_file=dict(type='path', default='/etc/audit/rules.d/hardened-docker.rules'),
            audit_compiled_path=dict(type='path', default='/etc/audit/audit.rules'),
            audit_service=dict(type='str', default='auditd'),
            events_since=dict(type='str', default='24h'),
            tls_dir=dict(type='path'),
            tls_dir_files=dict(type='list', elements='str', default=[]),
            storage_devices=dict(type='list', elements='path', default=[]),
            storage_mount_point=dict(type='path', default='/var/lib/docker'),
            storage_skeleton=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    unknown = [n for n in params['gather_subset'] if n.lstrip('!') not in SUBSETS + ('all',)]
    if unknown:
        module.fail_json(msg='gather_subset: unknown subset(s) %s; choose from all, %s' % (
            ', '.join(unknown), ', '.join(SUBSETS)))
    if 'tls_dir' in params['gather_subset'] and not params['tls_dir']:
        module.fail_json(msg='gather_subset tls_dir needs the tls_dir option')

    extra_path = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

    def which(name):
        return module.get_bin_path(name, opt_dirs=extra_path)

    def run(argv):
        return module.run_command(argv, environ_update={'LC_ALL': 'C', 'LANG': 'C'})

    module.exit_json(changed=False, host_state=read_host(run, which, params))


if __name__ == '__main__':
    main()
