# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet report renderer: fleet summary, JUnit XML, the HTML page and the console table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from ansible_collections.hardened.docker.plugins.module_utils import _report as report_mod


def item(item_id, status, evidence='seen', reason='', **extra):
    entry = {'id': item_id, 'section': item_id.split('.')[0], 'title': 'Title of %s' % item_id, 'status': status,
             'evidence': evidence}
    if reason:
        entry['reason'] = reason
    entry.update(extra)
    return entry


def summary_of(items):
    counts = dict((s, 0) for s in report_mod.STATUSES)
    for entry in items:
        counts[entry['status']] += 1
    return counts


def host_report(host, items, **extra):
    report = {
        'host': host, 'generated': '2026-12-03T10:00:00Z', 'status': 'ok', 'error': '',
        'benchmark': 'CIS Docker Benchmark v1.6',
        'engine': {'installed': True, 'running': True, 'server_version': '20.10.24+dfsg1',
                   'dockerd_version': 'Docker version 20.10.24+dfsg1, build 297e128', 'containerd_version': '1.6.20',
                   'runc_version': 'runc version 1.1.5', 'service_manager': 'systemd', 'packages': {'docker.io': '20.10.24'}},
        'daemon': {'server_version': '20.10.24+dfsg1', 'storage_driver': 'overlay2', 'data_root': '/var/lib/docker',
                   'logging_driver': 'json-file', 'live_restore': True, 'security_options': ['name=seccomp'],
                   'listeners': ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'], 'tls': True,
                   'tls_certificate_path': '/etc/docker/tls/cert.pem', 'tls_certificate_not_after': '2027-01-01',
                   'tls_certificate_days_left': 29},
        'storage': {'data_root': '/var/lib/docker', 'fstype': 'ext4', 'separate_mount': True, 'mount_point': '/var/lib/docker',
                    'size_bytes': 50 * 1024 ** 3, 'free_bytes': 12 * 1024 ** 3 + 512 * 1024 ** 2,
                    'system_df': [{'Type': 'Images', 'TotalCount': '3', 'Active': '1', 'Size': '1.2GB', 'Reclaimable': '800MB (66%)'}]},
        'tls': {'files': [{'key': 'tlscert', 'path': '/etc/docker/tls/cert.pem', 'not_after': '2027-01-01', 'days_left': 29,
                           'subject_alt_names': ['DNS:%s' % host]}], 'min_days_left': 29},
        'containers': {'running': 2, 'flagged': []},
        'events': {'since': '24h', 'died': [], 'oom': [], 'error': ''},
        'audit_evidence': 'auditctl -l',
        'items': items,
        'summary': summary_of(items),
        'compliant': not any(i['status'] in ('fail', 'error') for i in items),
    }
    report.update(extra)
    return report


GOOD_ITEMS = [
    item('1.1.3', 'pass'), item('1.1.4', 'not_applicable', reason='no /run/containerd on this host'),
    item('2.2', 'pass'), item('2.9', 'waived', reason='userns-remap breaks the CI runners'),
    item('3.1', 'pass'), item('3.2', 'manual', reason='check the unit file by hand'),
    item('5.4', 'pass', container='web', image='nginx:1'),
]

BAD_ITEMS = [
    item('1.1.3', 'pass'), item('1.1.5', 'fail', evidence='no watch on /var/lib/docker'),
    item('2.2', 'pass'), item('2.3', 'pass'), item('2.14', 'fail', evidence='no-new-privileges is false'),
    item('3.1', 'error', evidence='', reason='cannot stat docker.service: permission denied'),
    item('5.4', 'fail', evidence='Privileged: true', container='db', image='postgres:16'),
    item('5.31', 'pass', container='db', image='postgres:16'),
]


@pytest.fixture
def reports():
    bad = host_report('web2', copy.deepcopy(BAD_ITEMS))
    bad['containers'] = {'running': 3, 'flagged': [{'name': 'db', 'image': 'postgres:16', 'items': ['5.4']}]}
    bad['events'] = {'since': '24h', 'error': '',
                     'died': [{'name': 'job', 'image': 'busybox', 'time': '2026-12-03T09:00:00Z', 'exit_code': 137}],
                     'oom': [{'name': 'job', 'image': 'busybox', 'time': '2026-12-03T09:00:00Z'}]}
    return [
        bad,
        {'host': 'db9', 'generated': '2026-12-03T10:00:00Z', 'status': 'unreachable',
         'error': 'ssh: connect to host db9 port 22: No route to host', 'items': []},
        host_report('web1', copy.deepcopy(GOOD_ITEMS)),
        {'host': 'app3', 'generated': '2026-12-03T10:00:00Z', 'status': 'failed', 'error': 'probe crashed: KeyError', 'items': []},
    ]


@pytest.fixture
def doc(reports):
    return report_mod.fleet(reports, '2026-12-03T10:05:00Z')


# --------------------------------------------------------------------------
# fleet
# --------------------------------------------------------------------------

def test_fleet_sorts_hosts_and_summarises(doc):
    assert [h['host'] for h in doc['hosts']] == ['app3', 'db9', 'web1', 'web2']
    assert doc['generated'] == '2026-12-03T10:05:00Z'
    assert doc['benchmark'] == 'CIS Docker Benchmark v1.6'
    assert doc['summary'] == {
        'hosts': 4, 'compliant': 1, 'noncompliant': 1, 'unreachable': 1, 'failed': 1,
        'items': {'pass': 8, 'fail': 3, 'error': 1, 'waived': 1, 'not_applicable': 1, 'manual': 1},
    }


def test_fleet_does_not_modify_the_reports(reports):
    before = copy.deepcopy(reports)
    report_mod.fleet(reports, 'now')
    assert reports == before


def test_fleet_computes_compliance_when_the_report_lacks_it():
    bad = host_report('a', [item('2.2', 'error', reason='unreadable')])
    del bad['compliant']
    good = host_report('b', [item('2.2', 'waived', reason='ok')])
    del good['compliant']
    summary = report_mod.fleet([bad, good], 'now')['summary']
    assert (summary['compliant'], summary['noncompliant']) == (1, 1)


def test_fleet_of_nothing():
    doc = report_mod.fleet([], 'now')
    assert doc['hosts'] == []
    assert doc['summary']['hosts'] == 0
    assert doc['benchmark'] == 'CIS Docker Benchmark'


@pytest.mark.parametrize('statuses, worst', [
    # A section whose items pass or do not apply shows as passed; only nothing to judge shows not_applicable.
    (['pass', 'not_applicable'], 'pass'),
    (['not_applicable'], 'not_applicable'),
    (['pass', 'waived', 'not_applicable'], 'waived'),
    (['waived', 'manual', 'pass'], 'manual'),
    (['manual', 'fail', 'waived'], 'fail'),
    (['fail', 'error', 'pass'], 'error'),
    (['pass'], 'pass'),
    (['pass', 'bogus'], 'error'),
    ([], None),
])
def test_worst_status_order(statuses, worst):
    assert report_mod.worst_status(statuses) == worst


@pytest.mark.parametrize('value, text', [
    (None, ''), (0, '0 B'), (1023, '1023 B'), (1536, '1.5 KiB'), (12 * 1024 ** 3 + 512 * 1024 ** 2, '12.5 GiB'),
    (3 * 1024 ** 5, '3072.0 TiB'), ('garbage', ''),
])
def test_human_bytes(value, text):
    assert report_mod.human_bytes(value) == text


# --------------------------------------------------------------------------
# JUnit
# --------------------------------------------------------------------------

def test_junit_parses_and_counts_match(doc):
    root = ET.fromstring(report_mod.junit_xml(doc).encode('utf-8'))
    assert root.tag == 'testsuites'
    suites = dict((s.get('name'), s) for s in root.findall('testsuite'))
    assert list(suites) == ['app3', 'db9', 'web1', 'web2']
    for suite in suites.values():
        cases = suite.findall('testcase')
        assert int(suite.get('tests')) == len(cases)
        assert int(suite.get('failures')) == len(suite.findall('testcase/failure'))
        assert int(suite.get('errors')) == len(suite.findall('testcase/error'))
        assert int(suite.get('skipped')) == len(suite.findall('testcase/skipped'))
    web2 = suites['web2']
    assert (web2.get('tests'), web2.get('failures'), web2.get('errors'), web2.get('skipped')) == ('8', '3', '1', '0')
    web1 = suites['web1']
    assert (web1.get('tests'), web1.get('failures'), web1.get('errors'), web1.get('skipped')) == ('7', '0', '0', '3')
    assert (root.get('tests'), root.get('failures'), root.get('errors'), root.get('skipped')) == ('17', '3', '3', '3')


def test_junit_failure_error_and_skipped_on_the_right_items(doc):
    root = ET.fromstring(report_mod.junit_xml(doc).encode('utf-8'))
    web2 = root.find("testsuite[@name='web2']")
    failed = dict((c.get('name'), c.find('failure')) for c in web2.findall('testcase') if c.find('failure') is not None)
    assert sorted(failed) == ['1.1.5 Title of 1.1.5', '2.14 Title of 2.14', '5.4 Title of 5.4 [db]']
    assert failed['5.4 Title of 5.4 [db]'].get('message') == 'Privileged: true'
    case = web2.find("testcase[@name='5.4 Title of 5.4 [db]']")
    assert case.get('classname') == 'web2.section 5'
    error = web2.find("testcase[@name='3.1 Title of 3.1']/error")
    assert error.get('message') == 'error: cannot stat docker.service: permission denied'
    passing = web2.find("testcase[@name='2.2 Title of 2.2']")
    assert passing.get('classname') == 'web2.section 2'
    assert passing.find('failure') is None and passing.find('error') is None and passing.find('skipped') is None

    web1 = root.find("testsuite[@name='web1']")
    skipped = dict((c.get('name').split()[0], c.find('skipped').get('message'))
                   for c in web1.findall('testcase') if c.find('skipped') is not None)
    assert skipped == {
        '1.1.4': 'not_applicable: no /run/containerd on this host',
        '2.9': 'waived: userns-remap breaks the CI runners',
        '3.2': 'manual: check the unit file by hand',
    }


def test_junit_host_not_reached_is_one_connect_error(doc):
    root = ET.fromstring(report_mod.junit_xml(doc).encode('utf-8'))
    for host, status in (('db9', 'unreachable'), ('app3', 'failed')):
        suite = root.find("testsuite[@name='%s']" % host)
        cases = suite.findall('testcase')
        assert [c.get('name') for c in cases] == ['connect']
        error = cases[0].find('error')
        assert error.get('message').startswith(status + ': ')
        assert (suite.get('tests'), suite.get('errors')) == ('1', '1')


def test_junit_escapes_hostile_text():
    nasty = host_report('<b>x</b>&"', [item('2.2', 'fail', evidence='a < b & "c" ]]> \x1b[31m\x00 done\nline two')])
    text = report_mod.junit_xml(report_mod.fleet([nasty], 'now'))
    root = ET.fromstring(text.encode('utf-8'))
    suite = root.find('testsuite')
    assert suite.get('name') == '<b>x</b>&"'
    failure = suite.find('testcase/failure')
    assert failure.get('message').startswith('a < b & "c" ]]> ')
    assert failure.get('message').endswith('done\nline two')
    assert '<b>' not in text


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

class Collector(HTMLParser):
    """Every start tag with its attributes, and the ids seen."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.tags = []
        self.ids = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if 'id' in attrs:
            self.ids.append(attrs['id'])


def parse(page):
    parser = Collector()
    parser.feed(page)
    parser.close()
    return parser


def cells(parsed, host):
    return dict((a['data-section'], a) for tag, a in parsed.tags if tag == 'td' and a.get('data-host') == host)


def test_html_is_self_contained(doc):
    page = report_mod.html_page(doc)
    assert page.startswith('<!DOCTYPE html>')
    assert 'http://' not in page and 'https://' not in page
    assert not re.search(r'\b(src|href)\s*=\s*(?!["\']?#)', page), 'only in-page links are allowed'
    assert '<link' not in page and '@import' not in page and 'url(' not in page
    parsed = parse(page)
    assert [t for t, _a in parsed.tags].count('script') == 1
    assert all('src' not in a for _t, a in parsed.tags)


def test_html_matrix_cells_carry_worst_status(doc):
    parsed = parse(report_mod.html_page(doc))
    web2 = cells(parsed, 'web2')
    assert sorted(web2) == ['1', '2', '3', '5']
    assert web2['1']['data-status'] == 'fail'
    assert web2['2']['data-status'] == 'fail'
    assert web2['3']['data-status'] == 'error'
    assert web2['5']['data-status'] == 'fail'
    assert 'cell-fail' in web2['2']['class'].split()
    web1 = cells(parsed, 'web1')
    assert dict((s, a['data-status']) for s, a in web1.items()) == {'1': 'pass', '2': 'waived', '3': 'manual', '5': 'pass'}
    for host, status in (('db9', 'unreachable'), ('app3', 'failed')):
        assert set(a['data-status'] for a in cells(parsed, host).values()) == {status}
        assert all('cell-' + status in a['class'].split() for a in cells(parsed, host).values())


def test_html_cell_text_counts_worst_first(doc):
    page = report_mod.html_page(doc)
    match = re.search(r'<td class="cell cell-fail" data-host="web2" data-section="2"[^>]*><a [^>]*>([^<]*)</a>', page)
    assert match and match.group(1) == '1 fail / 2 pass'


def test_html_section_without_items_is_empty():
    doc = report_mod.fleet([host_report('solo', [item('2.2', 'pass')])], 'now')
    parsed = parse(report_mod.html_page(doc))
    assert cells(parsed, 'solo')['5']['data-status'] == 'empty'
    assert cells(parsed, 'solo')['2']['data-status'] == 'pass'


def test_html_escapes_host_names_and_values():
    nasty = host_report('<b>x</b>', [item('2.2', 'fail', evidence='<script>alert(1)</script>', container='"><img>')])
    nasty['storage']['system_df'] = [{'Type': '<i>Images</i>', 'TotalCount': '1', 'Active': '1', 'Size': '1B', 'Reclaimable': '0B'}]
    nasty['containers']['flagged'] = [{'name': '<u>n</u>', 'image': 'img', 'items': ['5.4']}]
    page = report_mod.html_page(report_mod.fleet([nasty, host_report('plain', [])], 'now'))
    assert '<b>x</b>' not in page
    assert '&lt;b&gt;x&lt;/b&gt;' in page
    assert '<script>alert' not in page and '<img>' not in page and '<i>Images' not in page and '<u>n' not in page
    parsed = parse(page)
    assert cells(parsed, '<b>x</b>')['2']['data-status'] == 'fail'
    assert len(parsed.ids) == len(set(parsed.ids))
    assert all(re.match(r'^[A-Za-z][A-Za-z0-9._-]*$', i) for i in parsed.ids)


def test_html_ids_unique_for_similar_and_duplicate_hosts():
    hosts = [host_report(name, [item('2.2', 'pass')]) for name in ('a.b', 'a/b', 'a b', 'a b')]
    parsed = parse(report_mod.html_page(report_mod.fleet(hosts, 'now')))
    assert len(parsed.ids) == len(set(parsed.ids))
    for tag, attrs in parsed.tags:
        if tag == 'a' and attrs.get('href', '').startswith('#'):
            assert attrs['href'][1:] in parsed.ids


def test_html_overview_and_host_details(doc):
    page = report_mod.html_page(doc)
    parsed = parse(page)
    assert 'overview' in parsed.ids and 'matrix' in parsed.ids
    overview = page[page.index('id="overview"'):page.index('</table>', page.index('id="overview"'))]
    assert 'class="sortable"' in page[page.index('id="overview"') - 10:page.index('id="overview"') + 40]
    for text in ('20.10.24+dfsg1', 'overlay2', '/var/lib/docker', 'ext4', '12.5 GiB', '>29<'):
        assert text in overview
    row = re.search(r'<tr>(<td data-sort="web2">.*?)</tr>', overview).group(1)
    numbers = re.findall(r'<td class="num[^"]*" data-sort="([^"]*)"', row)
    # free bytes, TLS days, running, flagged, died, oom
    assert numbers == [str(12 * 1024 ** 3 + 512 * 1024 ** 2), '29', '3', '1', '1', '1']
    assert 'No route to host' in page
    assert 'postgres:16' in page and '800MB (66%)' in page and 'busybox' in page
    # the item table has every item, with filter controls that only JS reveals
    web2_items = [a for t, a in parsed.tags if t == 'tr' and 'data-item-status' in a]
    assert len(web2_items) == len(BAD_ITEMS) + len(GOOD_ITEMS)
    filters = [a for t, a in parsed.tags if t == 'div' and 'filters' in a.get('class', '')]
    assert len(filters) == 2 and all('hidden' in a for a in filters)
    assert all(a['data-table'] in parsed.ids for a in filters)
    options = [a['value'] for t, a in parsed.tags if t == 'option']
    assert set(report_mod.STATUSES) <= set(options)


def test_html_is_deterministic(doc, reports):
    assert report_mod.html_page(doc) == report_mod.html_page(report_mod.fleet(list(reversed(reports)), '2026-12-03T10:05:00Z'))


def test_html_header_summary(doc):
    page = report_mod.html_page(doc)
    header = page[page.index('<header>'):page.index('</header>')]
    assert '2026-12-03T10:05:00Z' in header
    for text in ('4 hosts', '1 compliant', '1 noncompliant', '1 unreachable', '1 failed', '3 fail', '8 pass'):
        assert text in header


# --------------------------------------------------------------------------
# Console
# --------------------------------------------------------------------------

def test_text_table_lists_every_item_with_container(doc):
    web2 = [h for h in doc['hosts'] if h['host'] == 'web2'][0]
    lines = report_mod.text_table(web2)
    assert lines[0] == 'CIS Docker Benchmark report for web2 (2026-12-03T10:00:00Z)'
    assert 'overlay2' in lines[1] and '12.5 GiB free' in lines[1]
    assert 'TLS on (server certificate: 29 days left)' in lines[2]
    rows = dict((line.split()[0], line) for line in lines[8:-1])
    assert list(rows) == [i['id'] for i in BAD_ITEMS]
    assert re.match(r'^5\.4\s+fail\s+db\s+Privileged: true$', rows['5.4'])
    assert 'error: cannot stat docker.service' in rows['3.1']
    assert lines[-1] == '1 error, 3 fail, 0 manual, 0 waived, 4 pass, 0 not_applicable; compliant: no'


def test_text_table_and_html_show_quota_prune_and_metrics():
    report = host_report('web9', [item('2.1', 'pass')])
    # The defaults of an audited host without any of the three.
    lines = report_mod.text_table(report)
    assert lines[3] == ('container size limit: none (containers share the whole filesystem); prune: not scheduled; '
                        'metrics: off')
    report['storage'].update(quota='xfs project quota', default_container_size='10G')
    report['prune'] = {'scheduled': True, 'via': 'systemd timer', 'schedule': '*-*-* 03:30:00',
                       'last_run': {'started': '2026-12-03T03:30:00Z', 'finished': '2026-12-03T03:30:02Z', 'rc': 0,
                                    'reclaimed': '1.2GB'}}
    report['daemon'].update(metrics_addr='0.0.0.0:9323', metrics_exposure='network')
    line = report_mod.text_table(report)[3]
    assert line == ('container size limit: xfs project quota, default 10G per container; prune: *-*-* 03:30:00 '
                    '(systemd timer); last run 2026-12-03T03:30:02Z, exit 0, reclaimed 1.2GB; metrics: network on '
                    '0.0.0.0:9323 (unauthenticated, reachable from the network)')
    report['storage'].update(quota='btrfs qgroups', default_container_size='')
    report['prune'] = {'scheduled': True, 'via': 'cron', 'schedule': '30 3 * * *', 'last_run': None}
    report['daemon'].update(metrics_addr='127.0.0.1:9323', metrics_exposure='loopback')
    page = report_mod.html_page(report_mod.fleet([report], '2026-12-03T10:05:00Z'))
    for text in ('<dt>Remote API allow-list</dt><dd>none (TCP listeners open to every address that reaches the '
                 'host)</dd>',
                 '<dt>Container size limit</dt><dd>btrfs qgroups, per container with --storage-opt size</dd>',
                 '<dt>Prune</dt><dd>30 3 * * * (cron); not run yet</dd>',
                 '<dt>Metrics</dt><dd>loopback on 127.0.0.1:9323</dd>'):
        assert text in page


def test_text_table_reasons_for_every_status(doc):
    web1 = [h for h in doc['hosts'] if h['host'] == 'web1'][0]
    text = '\n'.join(report_mod.text_table(web1))
    assert 'waived: userns-remap breaks the CI runners | seen' in text
    assert 'not_applicable: no /run/containerd on this host | seen' in text
    assert 'manual: check the unit file by hand | seen' in text
    assert text.endswith('compliant: yes')


def test_text_table_unreachable(doc):
    db9 = [h for h in doc['hosts'] if h['host'] == 'db9'][0]
    assert report_mod.text_table(db9) == [
        'CIS Docker Benchmark report for db9 (2026-12-03T10:00:00Z)',
        'unreachable: ssh: connect to host db9 port 22: No route to host',
    ]


def test_text_table_shows_the_allow_list_the_kernel_has():
    report = host_report('web9', [item('2.1', 'pass')])
    assert report_mod.text_table(report)[4] == ('remote API allow-list: none (TCP listeners open to every address '
                                                'that reaches the host)')
    report['firewall'] = {'table': True, 'ports': [2376, 9323], 'allowed_networks': ['10.0.0.0/8', '172.17.0.1'],
                          'dropped_packets': 3}
    assert report_mod.text_table(report)[4] == ('remote API allow-list: TCP 2376, 9323 only from 10.0.0.0/8, '
                                                '172.17.0.1 (3 packets dropped)')
    report['daemon']['listeners'] = ['unix:///var/run/docker.sock']
    del report['firewall']
    assert report_mod.text_table(report)[4] == 'remote API allow-list: none'


def test_text_table_shows_proxy_registries_and_log_target():
    report = host_report('web8', [item('2.1', 'pass')])
    # An audited host without any of them (an old report has no network section at all).
    assert report_mod.text_table(report)[5] == 'proxy: none; registries: none; logs: json-file'
    report['network'] = {
        'proxy': {'http': 'http://proxy.lan:3128', 'https': 'http://u:***@proxy.lan:3128', 'no_proxy': 'localhost,web8'},
        'registries': [{'address': 'reg.lan:5000', 'ca_days_left': 364, 'client_certificate': True},
                       {'address': 'mirror.lan', 'ca_days_left': None, 'client_certificate': False}],
        'registry_mirrors': [], 'insecure_registries': ['old.lan:5000'],
        'log_driver': 'syslog', 'log_target': 'tcp://logs.lan:514'}
    assert report_mod.text_table(report)[5] == (
        'proxy: http http://proxy.lan:3128, https http://u:***@proxy.lan:3128 (not for localhost,web8); '
        'registries: reg.lan:5000 (CA 364 days left, client certificate), mirror.lan (no CA), old.lan:5000 (INSECURE); '
        'logs: syslog to tcp://logs.lan:514')


def test_firewall_text_with_the_published_port_policy():
    report = host_report('web7', [item('2.1', 'pass')])
    report['firewall'] = {'table': True, 'ports': [], 'allowed_networks': [], 'dropped_packets': None,
                          'published_policy': True, 'published_networks': ['192.0.2.0/24'],
                          'published_dropped_packets': 4}
    # No allow-list for 2376 (the listener is open), only the published ports are narrowed.
    assert report_mod.firewall_text(report) == (
        'none (TCP listeners open to every address that reaches the host); published ports only from 192.0.2.0/24 '
        '(4 packets dropped)')
    report['firewall'].update(ports=[2376], allowed_networks=['10.0.0.0/8'], dropped_packets=2, published_networks=[])
    assert report_mod.firewall_text(report) == (
        'TCP 2376 only from 10.0.0.0/8 (2 packets dropped); published ports only from Docker bridges (4 packets dropped)')
