# -*- coding: utf-8 -*-
# Copyright (c) 2026, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hardened.docker.docker_api_firewall's main() on what needs no kernel: refusals and removal of the file.

Loading the rules into a real kernel, the drops and a daemon restart are proven by the tls scenario."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.hardened.docker.plugins.modules import docker_api_firewall as module


@pytest.fixture
def run(capsys, monkeypatch, tmp_path):
    # No nft on PATH: these cases must not need one.
    monkeypatch.setenv('PATH', str(tmp_path / 'empty-bin'))

    def _run(expect_failure=False, **args):
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exc:
                module.main()
        result = json.loads(capsys.readouterr().out)
        assert bool(result.get('failed')) is expect_failure, result
        return result, exc.value.code

    return _run


def test_bad_network_is_refused_naming_the_option_before_anything(run, tmp_path):
    rules = tmp_path / 'firewall.nft'
    result, code = run(expect_failure=True, allowed_networks=['10.0.0.1/8'], rules_file=str(rules))
    assert code == 1
    assert result['msg'] == ("allowed_networks: '10.0.0.1/8' is not a network: 10.0.0.1/8 has host bits set. "
                             "Nothing was changed.")
    assert not rules.exists()


def test_present_without_nft_fails_clearly(run, tmp_path):
    result, _code = run(expect_failure=True, allowed_networks=['10.0.0.0/8'], rules_file=str(tmp_path / 'f.nft'))
    assert 'nft' in result['msg']


def test_absent_removes_the_file_and_reports_it_in_check_mode_first(run, tmp_path):
    rules = tmp_path / 'firewall.nft'
    rules.write_text('table inet hardened_docker\n')
    result, _code = run(state='absent', rules_file=str(rules), _ansible_check_mode=True, _ansible_diff=True)
    assert result['changed'] and result['file_changed'] and rules.exists()
    assert result['diff']['before'] == 'table inet hardened_docker\n' and result['diff']['after'] == ''
    result, _code = run(state='absent', rules_file=str(rules))
    assert result['changed'] and not rules.exists()
    result, _code = run(state='absent', rules_file=str(rules))
    assert not result['changed']


def test_check_mode_without_nft_reports_the_rules_it_would_write(run, tmp_path):
    rules = tmp_path / 'firewall.nft'
    result, _code = run(allowed_networks=['10.0.0.0/8'], rules_file=str(rules), _ansible_check_mode=True,
                        _ansible_diff=True)
    assert result['changed'] and result['file_changed'] and result['loaded']
    assert result['diff']['before'] == '' and 'elements = { 10.0.0.0/8 }' in result['diff']['after']
    assert result['ports'] == [2376] and result['allowed_networks'] == ['10.0.0.0/8']
    assert not rules.exists()
