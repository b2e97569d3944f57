"""preload: returns its input, and templating it loads every filter plugin of the collection in that process."""

import json
import os
import subprocess
import sys

from ansible_collections.hardened.docker.plugins.filter import preload as preload_plugin
from ansible_collections.hardened.docker.plugins.filter.preload import FilterModule

FILTER_DIR = os.path.dirname(os.path.abspath(preload_plugin.__file__))
# .../ansible_collections/hardened/docker/plugins/filter -> the directory that holds ansible_collections
COLLECTIONS_ROOT = os.path.abspath(os.path.join(FILTER_DIR, *[os.pardir] * 5))
# A fresh interpreter (its sys.modules holds none of the collection's filters yet) templates the filter the way
# a play keyword is templated, and prints the value and which filter modules it has loaded.
PROBE = r"""
import json, os, sys
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
prefix = 'ansible_collections.hardened.docker.plugins.filter.'
before = sorted(m for m in sys.modules if m.startswith(prefix))
value = Templar(loader=DataLoader()).template(trust_as_template("{{ ['web1', 'web2'] | hardened.docker.preload }}"))
after = sorted(m[len(prefix):] for m in sys.modules if m.startswith(prefix))
print(json.dumps({'value': value, 'before': before, 'after': after}))
"""


def test_returns_its_input():
    preload = FilterModule().filters()['preload']
    for value in ('docker_hosts', ['a', 'b'], {'k': 1}, None, 0):
        assert preload(value) is value


def test_templating_it_loads_every_filter_of_the_collection():
    out = subprocess.run([sys.executable, '-c', PROBE, COLLECTIONS_ROOT], check=True, capture_output=True, text=True)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe['value'] == ['web1', 'web2']
    assert probe['before'] == []
    filters = sorted(name[:-3] for name in os.listdir(FILTER_DIR) if name.endswith('.py') and name != '__init__.py')
    assert len(filters) > 5
    assert probe['after'] == filters
