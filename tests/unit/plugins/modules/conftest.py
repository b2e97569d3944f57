"""Module tests run the modules as they run on a target host.

Importing controller code (``ansible.errors``, which a filter test does) marks
the whole process as the controller (``ansible.module_utils._internal.is_controller``),
and ``AnsibleModule.warn`` then prints to the controller's display instead of
returning the warning with the module's result. Each module test runs with
the flag as a target host has it, whatever ran before.
"""

import pytest
from ansible.module_utils import _internal


@pytest.fixture(autouse=True)
def _as_on_a_target_host(monkeypatch):
    monkeypatch.setattr(_internal, "is_controller", False)
