# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the get-pip.py script that ansible-test bootstraps with.

ansible-test creates an empty virtual environment for each sanity test and
installs pip into it by running a get-pip.py script that it downloads from its
own file server, which this project's machines cannot reach.  It looks for a
cached copy first (~/.ansible/test/cache/get_pip_<version>.py); the sanity
runner (tests/sanity/run.sh) places this file there.

It does what get-pip.py does -- run ``pip install`` with the arguments it was
given (pip==<version> among them) -- but with the pip wheel that the Python
standard library bundles for ensurepip, so the requested pip comes from the
package index as every other requirement does.
"""
from __future__ import annotations

import glob
import os
import runpy
import sys

import ensurepip

# get-pip.py's own switches; pip install does not know them
GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')


def main() -> None:
    """Install the requested packages with the pip that ensurepip bundles."""
    bundled = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl')))
    if not bundled:
        sys.exit('get_pip.py: this Python has no bundled pip wheel (ensurepip)')
    sys.path.insert(0, bundled[-1])
    sys.argv = ['pip', 'install'] + [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    runpy.run_module('pip', run_name='__main__', alter_sys=True)


if __name__ == '__main__':
    main()
