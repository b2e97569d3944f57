# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""File helpers shared by the collection's modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile


def fsync_directory(directory):
    """fsync a directory so a rename in it survives a crash (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data, mode, owner=None):
    """Write ``data`` (bytes) to ``path`` atomically.

    The temporary file is created by ``mkstemp`` (mode 0600) in the same
    directory, written, chmod'ed to ``mode`` (and chown'ed to ``owner``, a
    ``(uid, gid)`` pair), fsync'ed and renamed over ``path``; the directory is
    fsync'ed afterwards. Readers see the old or the new file, never a part,
    and the content is never more readable than ``mode`` allows. A failure
    removes the temporary file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, tmp_path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp', dir=directory)
    try:
        with os.fdopen(handle, 'wb') as stream:
            stream.write(data)
            stream.flush()
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            if owner is not None:
                os.fchown(stream.fileno(), owner[0], owner[1])
            os.fsync(stream.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
    fsync_directory(directory)
