#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: apt_legacy_keys
short_description: Remove given keys from apt's legacy global keyring (/etc/apt/trusted.gpg), without gpg
version_added: 0.1.0
author:
  - hardened.docker maintainers (!UNKNOWN)
description:
  - Hosts set up with C(apt-key add) carry repository keys in C(/etc/apt/trusted.gpg), a binary OpenPGP keyring that
    apt trusts for every repository. The module removes exactly the keys whose primary fingerprint is listed in
    O(fingerprints) and keeps every other key byte for byte.
  - It reads the keyring's packets in Python (no C(gpg) and no C(apt-key) on the host; Debian 13 has no
    C(apt-key)). A key runs from its public key packet to the next one, with its user IDs, signatures and subkeys.
  - When no key is left, the file is removed (an empty keyring is not a valid one for apt). A missing file is
    nothing to do. The file keeps its mode and owner; it is written atomically.
  - A file that is not a binary OpenPGP keyring (a GnuPG keybox, an armored file) fails the task unchanged.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hardened.docker.attributes.linux
attributes:
  check_mode:
    support: full
    details: Reports the keys it would remove.
  diff_mode:
    support: none
options:
  path:
    description: The keyring.
    type: path
    default: /etc/apt/trusted.gpg
  fingerprints:
    description:
      - The primary key fingerprints to remove (hex, blanks and case ignored). Subkey fingerprints do not match.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Remove Docker's key that `apt-key add` put into the global keyring
  hardened.docker.apt_legacy_keys:
    fingerprints: [9DC858229FC7DD38854AE2D88D81803C0EBFCD88]
"""

RETURN = r"""
removed:
  description: The fingerprints of the keys removed (in check mode, that would be removed).
  type: list
  elements: str
  returned: always
kept:
  description: The fingerprints of the keys left in the keyring.
  type: list
  elements: str
  returned: always
"""

import os  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

from ansible_collections.hardened.docker.plugins.module_utils import _openpgp  # noqa: E402
from ansible_collections.hardened.docker.plugins.module_utils.fileutil import atomic_write  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/apt/trusted.gpg'),
            fingerprints=dict(type='list', elements='str', required=True),
        ),
        supports_check_mode=True,
    )
    path = module.params['path']
    result = dict(changed=False, removed=[], kept=[], path=path)
    if not os.path.exists(path):
        module.exit_json(**result)
    with open(path, 'rb') as handle:
        raw = handle.read()
    try:
        new, removed, kept = _openpgp.remove_keys(raw, module.params['fingerprints'])
    except ValueError as exc:
        module.fail_json(msg='%s is not a binary OpenPGP keyring: %s. Nothing was changed.' % (path, exc), **result)
    result.update(removed=removed, kept=kept, changed=bool(removed))
    if removed and not module.check_mode:
        if kept:
            st = os.stat(path)
            atomic_write(path, new, st.st_mode & 0o7777, (st.st_uid, st.st_gid))
        else:
            os.unlink(path)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
