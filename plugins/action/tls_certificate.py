# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of hardened.docker.tls_certificate: the module, with an in-process answer on the controller
when nothing would change.

A task that runs on the controller (connection ``local``, no become) is first planned in the worker process with
the module's own code (``_tls.options.spec_from_params`` and ``_tls.flow.plan``, which only read). When the plan
reissues nothing, warns of nothing, and every file already has the owner, group and mode the task asks for, the
result is the module's result for that case, and no module process is started. In every other case (a change, a
warning, an error, become, a remote host, SELinux or attribute options, a symbolic mode, no cryptography in the
controller's Python, SELinux) the module runs as usual and does the work. A no-op re-run of a fleet saves one Python
process per host and certificate on the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd
import stat

from ansible.plugins.action import ActionBase

try:
    from ansible.module_utils.compat import selinux
    HAS_SELINUX = True
except ImportError:  # pragma: no cover - no libselinux on the controller
    HAS_SELINUX = False

from ansible_collections.hardened.docker.plugins.module_utils._host_state import owner_and_group

try:
    from ansible_collections.hardened.docker.plugins.module_utils._tls import common, flow, options
except ImportError:  # pragma: no cover - the module reports a missing cryptography itself
    common = flow = options = None

MODULE = 'hardened.docker.tls_certificate'
# File options the in-process answer does not judge: with any of them set, the module decides.
_MODULE_ONLY_OPTIONS = ('seuser', 'serole', 'setype', 'selevel', 'attributes', 'unsafe_writes')


def _uid(owner):
    if owner is None:
        return None
    text = str(owner)
    return int(text) if text.isdigit() else pwd.getpwnam(text).pw_uid


def _gid(group):
    if group is None:
        return None
    text = str(group)
    return int(text) if text.isdigit() else grp.getgrnam(text).gr_gid


def file_attributes_hold(path, mode, owner, group):
    """True when ``path`` exists with exactly ``mode`` (an int or None) and the owner and group asked for."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if mode is not None and (st.st_mode & 0o7777) != mode:
        return False
    try:
        uid, gid = _uid(owner), _gid(group)
    except (KeyError, ValueError):
        return False
    return (uid is None or st.st_uid == uid) and (gid is None or st.st_gid == gid)


def _selinux_enabled():
    try:
        return HAS_SELINUX and selinux.is_selinux_enabled() == 1
    except Exception:  # pylint: disable=broad-exception-caught
        return True  # cannot tell: the module decides


def path_info(path):
    """What AnsibleModule adds to a result that names a file (owner, group, mode, state, size)."""
    st = os.lstat(path)
    owner, group = owner_and_group(st)
    if stat.S_ISLNK(st.st_mode):
        state = 'link'
    elif stat.S_ISDIR(st.st_mode):
        state = 'directory'
    elif os.stat(path).st_nlink > 1:
        state = 'hard'
    else:
        state = 'file'
    return {'uid': st.st_uid, 'gid': st.st_gid, 'owner': owner, 'group': group,
            'mode': '0%03o' % stat.S_IMODE(st.st_mode), 'state': state, 'size': st.st_size}


def unchanged_result(args, check_mode, diff):
    """The module's result when ``args`` change nothing on this machine, or None when the module must run."""
    if common is None or not common.HAS_CRYPTOGRAPHY:
        return None
    if any(args.get(name) is not None for name in _MODULE_ONLY_OPTIONS) or _selinux_enabled():
        return None
    try:
        spec = options.spec_from_params(args)
        plan = flow.plan(spec, check_mode=check_mode)
    except Exception:  # pylint: disable=broad-exception-caught
        return None  # the module reports every error with its own message
    if plan.changed or plan.warnings:
        return None
    cert_mode = options.octal_mode_or_none(args.get('mode')) if args.get('mode') is not None else spec.file_mode
    if cert_mode is None:
        return None
    files = [(spec.path, cert_mode)]
    if spec.uses_own_key:
        files.append((spec.privatekey_path, spec.privatekey_mode))
    if not all(file_attributes_hold(path, mode, args.get('owner'), args.get('group')) for path, mode in files):
        return None
    result = flow.build_result(plan)
    result['changed'] = False
    result.update(path_info(spec.path))
    if diff:
        before_after = flow.build_diff(plan, check_mode)
        before_after.update(before_header=spec.path, after_header=spec.path)
        result['diff'] = before_after
    return result


class ActionModule(ActionBase):
    """tls_certificate: planned in-process on the controller when nothing changes, else the module."""

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        on_controller = self._connection.transport == 'local' and not self._play_context.become
        answer = None
        if on_controller:
            answer = unchanged_result(dict(self._task.args), self._play_context.check_mode, self._play_context.diff)
        if answer is None:
            answer = self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars)
        result.update(answer)
        return result
