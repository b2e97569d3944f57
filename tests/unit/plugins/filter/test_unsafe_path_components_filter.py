"""unsafe_path_components: the names the tls role refuses, by daemon_config.path_component_problem."""

from ansible_collections.hardened.docker.plugins.filter.unsafe_path_components import FilterModule


def test_unsafe_names_are_kept_in_order_and_safe_ones_dropped():
    unsafe = FilterModule().filters()['unsafe_path_components']
    assert unsafe(['a/b', 'admin', '..', '', '.', 'x..y', 'ok.name', 'n\x00ul', '../../evil']) == [
        'a/b', '..', '', '.', 'x..y', 'n\x00ul', '../../evil']
    assert unsafe([]) == []
