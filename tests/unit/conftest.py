"""Make this checkout importable as ``ansible_collections.hardened.docker``.

Unit tests import the collection's plugins by their FQCN path, exactly as
Ansible does.  The harness keeps a symlink farm under ``.cache/collections``;
this conftest creates it when it is missing so ``pytest tests/unit`` also
works on its own.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "hardened", "docker")

if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)

if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

# ansible_collections is a namespace package also shipped by the `ansible`
# PyPI package; make sure ours is found alongside it.
import ansible_collections  # noqa: E402

_ours = os.path.join(COLLECTIONS, "ansible_collections")
if _ours not in list(ansible_collections.__path__):
    ansible_collections.__path__.append(_ours)
