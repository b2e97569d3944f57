"""The daemon_restart_plan filter is a thin wrapper around daemon_schema.restart_plan."""

from ansible_collections.hardened.docker.plugins.filter import daemon_restart_plan as plan_filter
from ansible_collections.hardened.docker.plugins.module_utils import daemon_schema


def test_the_filter_is_registered_and_wraps_restart_plan():
    filters = plan_filter.FilterModule().filters()
    assert set(filters) == {'daemon_restart_plan'}
    args = ({'log-driver': 'json-file'}, {'live-restore': True, 'icc': False}, [{'name': 'web'}], False, True)
    assert filters['daemon_restart_plan'](*args) == daemon_schema.restart_plan(*args)
    assert filters['daemon_restart_plan'](*args, allow_running=True, data_moves=True) == daemon_schema.restart_plan(
        *args, allow_running=True, data_moves=True)
