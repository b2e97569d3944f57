# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render CIS audit reports: the fleet summary, JUnit XML, one self-contained HTML page and console lines.

Pure functions on the per-host reports of ``_cis.host_report()`` (see the report schema); no I/O. Every value
that comes from a report is escaped (ElementTree for XML, ``html.escape`` for HTML), and the HTML page loads
nothing: CSS and JavaScript are inline, so it works from ``file://`` without a network. The JavaScript only
adds sorting and filtering; without it the page is plain, readable tables.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import re
import xml.etree.ElementTree as ET

from ansible_collections.hardened.docker.plugins.module_utils._cis import (  # noqa: E402
    ERROR, FAIL, MANUAL, NOT_APPLICABLE, PASS, WAIVED)

# Worst first.
STATUSES = (ERROR, FAIL, MANUAL, WAIVED, PASS, NOT_APPLICABLE)
SKIPPED = (WAIVED, NOT_APPLICABLE, MANUAL)

# Host level (report['status']).
OK = 'ok'
UNREACHABLE = 'unreachable'
FAILED = 'failed'

# Status of a matrix cell whose section has no item on that host (for example no running container).
EMPTY = 'empty'

SECTIONS = ('1', '2', '3', '5')
SECTION_TITLES = {
    '1': 'Host configuration',
    '2': 'Docker daemon configuration',
    '3': 'Docker daemon configuration files',
    '4': 'Container images and build files',
    '5': 'Container runtime',
}

DEFAULT_BENCHMARK = 'CIS Docker Benchmark'

# Characters XML 1.0 cannot carry at all (ElementTree would write them and produce a broken document).
_INVALID_XML = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def _text(value):
    """A report value as text that XML and HTML can carry ('' for None)."""
    if value is None:
        return ''
    if isinstance(value, bool):
        value = 'yes' if value else 'no'
    return _INVALID_XML.sub(u'\ufffd', value if isinstance(value, str) else str(value))


def _esc(value):
    return html.escape(_text(value), quote=True)


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def worst_status(statuses):
    """The worst of ``statuses`` in the order error > fail > manual > waived > pass > not_applicable; None if empty.

    Unknown statuses rank as ``error``: the report is not what this code expects.
    """
    worst = None
    for status in statuses:
        rank = STATUSES.index(status) if status in STATUSES else 0
        if worst is None or rank < worst:
            worst = rank
    return None if worst is None else STATUSES[worst]


def host_status(report):
    """'ok', 'unreachable' or 'failed'."""
    status = report.get('status') or OK
    return status if status in (OK, UNREACHABLE, FAILED) else FAILED


def item_section(item):
    """The item's section ('1', '2', '3', '5'), from ``section`` or the first part of its id."""
    section = item.get('section')
    if section not in (None, ''):
        return _text(section)
    first = _text(item.get('id')).split('.', 1)[0]
    return first if first.isdigit() else '2'


def count_items(report):
    """{status: n} for the six statuses, counted from the items (or the report's summary when it has no items)."""
    counts = dict((status, 0) for status in STATUSES)
    items = _list(report.get('items'))
    if items:
        for item in items:
            status = item.get('status')
            counts[status if status in counts else ERROR] += 1
    else:
        for status, number in _dict(report.get('summary')).items():
            if status in counts:
                counts[status] += _int(number) or 0
    return counts


def is_compliant(report):
    """The report's ``compliant``; computed (no fail and no error) when missing. Never true for a host not reached."""
    if host_status(report) != OK:
        return False
    if 'compliant' in report:
        return bool(report['compliant'])
    counts = count_items(report)
    return counts[FAIL] == 0 and counts[ERROR] == 0


def human_bytes(value):
    """1536 -> '1.5 KiB'; '' when unknown."""
    number = _int(value)
    if number is None:
        return ''
    size = float(number)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if abs(size) < 1024 or unit == 'TiB':
            return '%d B' % number if unit == 'B' else '%.1f %s' % (size, unit)
        size /= 1024.0
    return '%d B' % number  # pragma: no cover


def _counts_text(counts):
    """'3 fail / 20 pass', worst first, only the statuses present."""
    parts = ['%d %s' % (counts[status], status) for status in STATUSES if counts.get(status)]
    return ' / '.join(parts) if parts else 'no items'


def _section_counts(items, section):
    counts = dict((status, 0) for status in STATUSES)
    for item in items:
        if item_section(item) == section:
            status = item.get('status')
            counts[status if status in counts else ERROR] += 1
    return counts


def _sections(hosts):
    """The matrix columns: 1, 2, 3, 5 and any other section some report has items in."""
    extra = set()
    for report in hosts:
        for item in _list(report.get('items')):
            section = item_section(item)
            if section not in SECTIONS:
                extra.add(section)
    return list(SECTIONS) + sorted(extra, key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))


def _tls_days(report):
    days = _dict(report.get('tls')).get('min_days_left')
    if days is None:
        days = _dict(report.get('daemon')).get('tls_certificate_days_left')
    return _int(days)


def storage_limit_text(report):
    """How a container's writable layer is limited on this host, in words."""
    storage = _dict(report.get('storage'))
    quota = _text(storage.get('quota')) or 'none'
    size = _text(storage.get('default_container_size'))
    if quota == 'none':
        return 'none (containers share the whole filesystem)'
    return '%s, %s' % (quota, 'default %s per container' % size if size else 'per container with --storage-opt size')


def prune_text(report):
    """The prune schedule and its last run, in words."""
    prune = _dict(report.get('prune'))
    if not prune.get('scheduled'):
        return 'not scheduled'
    last = _dict(prune.get('last_run'))
    if last:
        reclaimed = ', reclaimed %s' % _text(last.get('reclaimed')) if last.get('reclaimed') else ''
        run = 'last run %s, exit %s%s' % (_text(last.get('finished')) or '?', _text(last.get('rc')), reclaimed)
    else:
        run = 'not run yet'
    return '%s (%s); %s' % (_text(prune.get('schedule')), _text(prune.get('via')), run)


def metrics_text(report):
    """Whether dockerd's Prometheus endpoint is on and who can reach it."""
    daemon = _dict(report.get('daemon'))
    exposure = _text(daemon.get('metrics_exposure')) or 'off'
    if exposure == 'off':
        return 'off'
    return '%s on %s%s' % (exposure, _text(daemon.get('metrics_addr')),
                           ' (unauthenticated, reachable from the network)' if exposure == 'network' else '')


def _dropped_text(count):
    return ' (%s packets dropped)' % count if count is not None else ''


def firewall_text(report):
    """The remote API's allow-list and the published-port policy (the tls role's nftables table), in words."""
    firewall = _dict(report.get('firewall'))
    listening = [x for x in _list(_dict(report.get('daemon')).get('listeners')) if _text(x).startswith('tcp://')]
    if not firewall.get('table') or not firewall.get('ports'):
        text = 'none (TCP listeners open to every address that reaches the host)' if listening else 'none'
    else:
        text = 'TCP %s only from %s%s' % (
            ', '.join(_text(p) for p in _list(firewall.get('ports'))),
            ', '.join(_text(n) for n in _list(firewall.get('allowed_networks'))) or 'loopback',
            _dropped_text(firewall.get('dropped_packets')))
    if firewall.get('published_policy'):
        text += '; published ports only from %s%s' % (
            ', '.join(_text(n) for n in _list(firewall.get('published_networks'))) or 'Docker bridges',
            _dropped_text(firewall.get('published_dropped_packets')))
    return text


def proxy_text(report):
    """dockerd's proxy as the running daemon reports it (passwords left out)."""
    proxy = _dict(_dict(report.get('network')).get('proxy'))
    parts = ['%s %s' % (name, _text(proxy.get(key))) for name, key in (('http', 'http'), ('https', 'https'))
             if proxy.get(key)]
    if not parts:
        return 'none'
    return ', '.join(parts) + (' (not for %s)' % _text(proxy.get('no_proxy')) if proxy.get('no_proxy') else '')


def registries_text(report):
    """The registries dockerd trusts through certs.d, with the days their CA has left, and any insecure ones."""
    network = _dict(report.get('network'))
    parts = []
    for entry in _list(network.get('registries')):
        entry = _dict(entry)
        days = entry.get('ca_days_left')
        parts.append('%s (%s%s)' % (_text(entry.get('address')),
                                    'CA %s days left' % days if days is not None else 'no CA',
                                    ', client certificate' if entry.get('client_certificate') else ''))
    parts += ['%s (INSECURE)' % _text(r) for r in _list(network.get('insecure_registries'))]
    return ', '.join(parts) or 'none'


def logging_text(report):
    """The log driver and where it sends the logs."""
    network = _dict(report.get('network'))
    driver = _text(network.get('log_driver')) or _text(_dict(report.get('daemon')).get('logging_driver')) or '?'
    return driver + (' to %s' % _text(network.get('log_target')) if network.get('log_target') else '')


def _engine_version(report):
    return (_dict(report.get('engine')).get('server_version') or _dict(report.get('daemon')).get('server_version') or '')


def _item_label(item):
    label = '%s %s' % (_text(item.get('id')), _text(item.get('title')))
    if item.get('container'):
        label += ' [%s]' % _text(item.get('container'))
    return label.strip()


def _item_message(item):
    """'waived: the reason' for the statuses that carry a reason, else the evidence."""
    status = item.get('status')
    reason = _text(item.get('reason'))
    if status in SKIPPED or status == ERROR:
        return '%s: %s' % (status, reason or _text(item.get('evidence')))
    return _text(item.get('evidence'))


# --------------------------------------------------------------------------
# Fleet
# --------------------------------------------------------------------------

def fleet(reports, generated):
    """The fleet document: every host's report (sorted by host) and the fleet summary."""
    hosts = sorted((r for r in (reports or []) if isinstance(r, dict)), key=lambda r: _text(r.get('host')))
    summary = {'hosts': len(hosts), 'compliant': 0, 'noncompliant': 0, UNREACHABLE: 0, FAILED: 0,
               'items': dict((status, 0) for status in STATUSES)}
    benchmark = ''
    for report in hosts:
        status = host_status(report)
        if status != OK:
            summary[status] += 1
        elif is_compliant(report):
            summary['compliant'] += 1
        else:
            summary['noncompliant'] += 1
        for item_status, number in count_items(report).items():
            summary['items'][item_status] += number
        benchmark = benchmark or report.get('benchmark') or ''
    return {'generated': generated, 'benchmark': benchmark or DEFAULT_BENCHMARK, 'hosts': hosts, 'summary': summary}


# --------------------------------------------------------------------------
# JUnit XML
# --------------------------------------------------------------------------

def _indent(element, level=0):
    """ElementTree.indent() for Python < 3.9."""
    pad = '\n' + '  ' * level
    children = list(element)
    if children:
        if not (element.text or '').strip():
            element.text = pad + '  '
        for child in children:
            _indent(child, level + 1)
        if not (children[-1].tail or '').strip():
            children[-1].tail = pad
    if level and not (element.tail or '').strip():
        element.tail = pad


def _testcase(suite, classname, name, counts):
    case = ET.SubElement(suite, 'testcase', {'classname': classname, 'name': name, 'time': '0'})
    counts['tests'] += 1
    return case


def junit_xml(fleet_doc):
    """The fleet as JUnit XML: a <testsuite> per host, a <testcase> per item; fail = failure, error = error,
    waived / not_applicable / manual = skipped; a host not reached is one errored testcase ``connect``."""
    totals = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
    root = ET.Element('testsuites', {'name': _text(fleet_doc.get('benchmark') or DEFAULT_BENCHMARK)})
    for report in _list(fleet_doc.get('hosts')):
        host = _text(report.get('host'))
        counts = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
        suite = ET.SubElement(root, 'testsuite', {'name': host, 'hostname': host})
        generated = report.get('generated') or fleet_doc.get('generated')
        if generated:
            suite.set('timestamp', _text(generated))
        status = host_status(report)
        if status != OK:
            case = _testcase(suite, '%s.host' % host, 'connect', counts)
            message = '%s: %s' % (status, _text(report.get('error')) or 'no reason given')
            ET.SubElement(case, 'error', {'message': message, 'type': status}).text = message
            counts['errors'] += 1
        for item in _list(report.get('items')):
            case = _testcase(suite, '%s.section %s' % (host, item_section(item)), _item_label(item), counts)
            item_status = item.get('status')
            evidence = _text(item.get('evidence'))
            if item_status == PASS:
                pass
            elif item_status == FAIL:
                ET.SubElement(case, 'failure', {'message': evidence, 'type': FAIL}).text = evidence
                counts['failures'] += 1
            elif item_status in SKIPPED:
                ET.SubElement(case, 'skipped', {'message': _item_message(item)})
                counts['skipped'] += 1
            else:
                message = _item_message(item) if item_status == ERROR else 'unknown status %r: %s' % (item_status, evidence)
                ET.SubElement(case, 'error', {'message': message, 'type': ERROR}).text = evidence or message
                counts['errors'] += 1
            if evidence:
                ET.SubElement(case, 'system-out').text = evidence
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set('time', '0')
    for key, value in totals.items():
        root.set(key, str(value))
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n'


# --------------------------------------------------------------------------
# Console
# --------------------------------------------------------------------------

def text_table(report):
    """A readable table of one host's report, one string per line."""
    host = _text(report.get('host'))
    status = host_status(report)
    if status != OK:
        return ['CIS Docker Benchmark report for %s (%s)' % (host, _text(report.get('generated'))),
                '%s: %s' % (status, _text(report.get('error')) or 'no reason given')]
    daemon = _dict(report.get('daemon'))
    storage = _dict(report.get('storage'))
    days = _tls_days(report)
    if daemon.get('tls'):
        tls = 'on (server certificate: %s)' % ('%s days left' % days if days is not None else 'expiry unknown')
    else:
        tls = 'off'
    lines = [
        'CIS Docker Benchmark report for %s (%s)' % (host, _text(report.get('generated'))),
        'Docker %s, storage driver %s, data root %s (%s, %s free), live restore %s' % (
            _engine_version(report) or '?', daemon.get('storage_driver') or '?',
            storage.get('data_root') or daemon.get('data_root') or '?', storage.get('fstype') or '?',
            human_bytes(storage.get('free_bytes')) or '?', _text(daemon.get('live_restore'))),
        'listeners: %s; TLS %s' % (', '.join(_text(x) for x in _list(daemon.get('listeners'))), tls),
        'container size limit: %s; prune: %s; metrics: %s' % (
            storage_limit_text(report), prune_text(report), metrics_text(report)),
        'remote API allow-list: %s' % firewall_text(report),
        'proxy: %s; registries: %s; logs: %s' % (proxy_text(report), registries_text(report), logging_text(report)),
        'audit rules checked with: %s' % _text(report.get('audit_evidence')),
        '%-13s %-14s %-20s %s' % ('item', 'status', 'container', 'evidence'),
    ]
    for item in _list(report.get('items')):
        item_status = _text(item.get('status'))
        detail = _text(item.get('evidence'))
        if item.get('reason') and item_status != PASS:
            detail = '%s: %s' % (item_status, _text(item.get('reason'))) + (' | %s' % detail if detail else '')
        lines.append('%-13s %-14s %-20s %s' % (_text(item.get('id')), item_status, _text(item.get('container')), detail))
    counts = count_items(report)
    lines.append('%s; compliant: %s' % (', '.join('%d %s' % (counts[s], s) for s in STATUSES), 'yes' if is_compliant(report) else 'no'))
    return lines


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_CSS = u"""
:root { --error: #6a1b9a; --fail: #c62828; --manual: #ef6c00; --waived: #1565c0; --not_applicable: #757575;
  --pass: #2e7d32; --unreachable: #37474f; --failed: #4e342e; --empty: #e0e0e0; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0 1.5em 3em;
  color: #212121; background: #fafafa; }
h1 { font-size: 1.6em; margin: .8em 0 .2em; } h2 { font-size: 1.3em; margin: 0 0 .4em; } h3 { font-size: 1.05em; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; margin: .3em 0 1em; background: #fff; }
th, td { border: 1px solid #cfd8dc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #eceff1; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort=ascending]::after { content: " \\25B2"; }
table.sortable th[aria-sort=descending]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.days-low { color: var(--fail); font-weight: 700; }
.meta { color: #546e7a; }
.badge { display: inline-block; padding: 0 .45em; border-radius: .7em; color: #fff; font-weight: 600; white-space: nowrap; }
.st-error { background: var(--error); } .st-fail { background: var(--fail); } .st-manual { background: var(--manual); }
.st-waived { background: var(--waived); } .st-not_applicable { background: var(--not_applicable); } .st-pass { background: var(--pass); }
.st-unreachable { background: var(--unreachable); } .st-failed { background: var(--failed); } .st-ok { background: var(--pass); }
.st-empty { background: var(--empty); color: #424242; } .st-yes { background: var(--pass); } .st-no { background: var(--fail); }
#matrix td.cell { color: #fff; font-weight: 600; text-align: center; min-width: 9em; }
#matrix td.cell a { color: inherit; text-decoration: none; display: block; }
#matrix td.cell a:hover, #matrix td.cell a:focus { text-decoration: underline; }
td.cell-error { background: var(--error); } td.cell-fail { background: var(--fail); } td.cell-manual { background: var(--manual); }
td.cell-waived { background: var(--waived); } td.cell-not_applicable { background: var(--not_applicable); }
td.cell-pass { background: var(--pass); } td.cell-unreachable { background: var(--unreachable); }
td.cell-failed { background: var(--failed); } #matrix td.cell-empty { background: var(--empty); color: #616161; font-weight: normal; }
tr.row-fail td.status, tr.row-error td.status { font-weight: 700; }
tr.row-fail { background: #ffebee; } tr.row-error { background: #f3e5f5; } tr.row-manual { background: #fff3e0; }
tr.row-waived { background: #e3f2fd; } tr.row-not_applicable { background: #f5f5f5; }
td.evidence, td.reason { white-space: pre-wrap; word-break: break-word; max-width: 50em; font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: .92em; }
section.host { border-top: 3px solid #90a4ae; margin-top: 2em; padding-top: .8em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; margin: .3em 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; word-break: break-word; }
.filters { margin: .4em 0; } .filters input { min-width: 22em; } .filters .shown { color: #546e7a; margin-left: .6em; }
.error-text { color: var(--fail); font-weight: 600; white-space: pre-wrap; }
.legend span { margin-right: .3em; }
[hidden] { display: none !important; }
@media print { .filters { display: none !important; } body { background: #fff; } section.host { break-before: page; } }
"""

_JS = u"""
(function () {
  'use strict';
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function key(cell) {
    if (!cell) { return ''; }
    var value = cell.getAttribute('data-sort');
    return (value === null ? cell.textContent : value).trim();
  }
  function isNumber(text) { return text !== '' && isFinite(Number(text)); }
  function compare(a, b) {
    if (a === '' || b === '') { return a === b ? 0 : (a === '' ? 1 : -1); }
    if (isNumber(a) && isNumber(b)) { return Number(a) - Number(b); }
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: 'base'});
  }
  function sortBy(table, th, index) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var direction = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    each(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', direction === 1 ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows).map(function (row, position) { return [row, position]; });
    rows.sort(function (x, y) {
      var a = key(x[0].cells[index]), b = key(y[0].cells[index]);
      if (a === '' || b === '') { return compare(a, b) || x[1] - y[1]; }
      return direction * compare(a, b) || x[1] - y[1];
    });
    rows.forEach(function (pair) { body.appendChild(pair[0]); });
  }
  each(document.querySelectorAll('table.sortable'), function (table) {
    if (!table.tHead) { return; }
    each(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.title = 'Sort by this column';
      th.addEventListener('click', function () { sortBy(table, th, index); });
      th.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); sortBy(table, th, index); }
      });
    });
  });
  function applyFilter(box) {
    var table = document.getElementById(box.getAttribute('data-table'));
    if (!table || !table.tBodies[0]) { return; }
    var query = box.querySelector('input').value.toLowerCase().trim();
    var status = box.querySelector('select').value;
    var rows = table.tBodies[0].querySelectorAll('tr[data-item-status]'), shown = 0;
    each(rows, function (row) {
      var visible = (!status || row.getAttribute('data-item-status') === status) &&
        (!query || row.textContent.toLowerCase().indexOf(query) !== -1);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    box.querySelector('.shown').textContent = shown + ' of ' + rows.length + ' items shown';
  }
  each(document.querySelectorAll('.filters'), function (box) {
    box.hidden = false;
    box.querySelector('input').addEventListener('input', function () { applyFilter(box); });
    box.querySelector('select').addEventListener('change', function () { applyFilter(box); });
    applyFilter(box);
  });
  each(document.querySelectorAll('#matrix td.cell a'), function (link) {
    link.addEventListener('click', function () {
      var cell = link.parentNode;
      var box = document.getElementById(cell.getAttribute('data-filter'));
      if (!box) { return; }
      var select = box.querySelector('select'), status = cell.getAttribute('data-status');
      select.value = Array.prototype.some.call(select.options, function (o) { return o.value === status; }) ? status : '';
      box.querySelector('input').value = 'section ' + cell.getAttribute('data-section') + ' ';
      applyFilter(box);
    });
  });
}());
"""


def _host_ids(hosts):
    """Unique, safe element id prefixes: 'host-<position>-<host with anything but [A-Za-z0-9.-] as _>'."""
    return ['host-%d-%s' % (position, re.sub(r'[^A-Za-z0-9.-]+', '_', _text(report.get('host')))[:60])
            for position, report in enumerate(hosts)]


def _badge(status, text=None):
    return '<span class="badge st-%s">%s</span>' % (_esc(status), _esc(status if text is None else text))


def _table(headers, rows, table_id=None, sortable=False, empty='none'):
    """A static table; ``rows`` are lists of (already escaped) <td> strings or of values to escape."""
    attrs = ''
    if table_id:
        attrs += ' id="%s"' % _esc(table_id)
    if sortable:
        attrs += ' class="sortable"'
    out = ['<table%s><thead><tr>%s</tr></thead><tbody>' % (attrs, ''.join('<th>%s</th>' % _esc(h) for h in headers))]
    for row in rows:
        out.append('<tr>%s</tr>' % ''.join(cell if isinstance(cell, _Cell) else '<td>%s</td>' % _esc(cell) for cell in row))
    if not rows:
        out.append('<tr><td colspan="%d" class="meta">%s</td></tr>' % (len(headers), _esc(empty)))
    out.append('</tbody></table>')
    return '\n'.join(out)


class _Cell(str):
    """A <td> already rendered (escaped)."""


def _td(content_html, css=None, sort=None):
    attrs = ''
    if css:
        attrs += ' class="%s"' % _esc(css)
    if sort is not None:
        attrs += ' data-sort="%s"' % _esc(sort)
    return _Cell('<td%s>%s</td>' % (attrs, content_html))


def _header(doc):
    summary = _dict(doc.get('summary'))
    items = _dict(summary.get('items'))
    hosts = (
        '%d hosts: %s %s %s %s' % (
            _int(summary.get('hosts')) or 0,
            _badge('yes', '%d compliant' % (_int(summary.get('compliant')) or 0)),
            _badge('no', '%d noncompliant' % (_int(summary.get('noncompliant')) or 0)),
            _badge(UNREACHABLE, '%d unreachable' % (_int(summary.get(UNREACHABLE)) or 0)),
            _badge(FAILED, '%d failed' % (_int(summary.get(FAILED)) or 0))))
    totals = ' '.join(_badge(status, '%d %s' % (_int(items.get(status)) or 0, status)) for status in STATUSES)
    return '\n'.join([
        '<header>',
        '<h1>%s &mdash; fleet report</h1>' % _esc(doc.get('benchmark') or DEFAULT_BENCHMARK),
        '<p class="meta">Generated %s</p>' % _esc(doc.get('generated')),
        '<p id="fleet-summary">%s</p>' % hosts,
        '<p id="item-summary">Items: %s</p>' % totals,
        '<p class="legend meta">Cell colour = the worst item status in that section (%s). '
        'A host is compliant when it has no fail and no error.</p>' % ' &gt; '.join(_badge(s) for s in STATUSES),
        '</header>',
    ])


def _matrix(hosts, ids, sections):
    head = ''.join('<th title="%s">%s</th>' % (_esc(SECTION_TITLES.get(s, '')), _esc('Section %s' % s)) for s in sections)
    out = ['<h2 id="matrix-title">Hosts &times; sections</h2>',
           '<table id="matrix"><thead><tr><th>Host</th>%s</tr></thead><tbody>' % head]
    for report, host_id in zip(hosts, ids):
        host = _text(report.get('host'))
        status = host_status(report)
        cells = []
        for section in sections:
            if status != OK:
                cell_status, text = status, status
                title = _text(report.get('error'))
            else:
                counts = _section_counts(_list(report.get('items')), section)
                cell_status = worst_status(s for s in STATUSES if counts[s]) or EMPTY
                text = _counts_text(counts)
                title = 'Section %s: %s' % (section, text)
            cells.append(
                '<td class="cell cell-%s" data-host="%s" data-section="%s" data-status="%s" data-filter="%s-filter" title="%s">'
                '<a href="#%s-items">%s</a></td>' % (
                    _esc(cell_status), _esc(host), _esc(section), _esc(cell_status), _esc(host_id), _esc(title),
                    _esc(host_id), _esc(text)))
        out.append('<tr><th scope="row"><a href="#%s">%s</a></th>%s</tr>' % (_esc(host_id), _esc(host), ''.join(cells)))
    if not hosts:
        out.append('<tr><td colspan="%d" class="meta">no hosts</td></tr>' % (len(sections) + 1))
    out.append('</tbody></table>')
    return '\n'.join(out)


def _events_count(report, kind):
    events = _dict(report.get('events'))
    if events.get('error') and not _list(events.get(kind)):
        return _td('?', 'num', sort=''), _text(events.get('error'))
    count = len(_list(events.get(kind)))
    return _td(_esc(count), 'num', sort=count), ''


def _overview(hosts, ids):
    headers = ['Host', 'Status', 'Engine', 'Storage driver', 'Data root', 'Filesystem', 'Free space', 'TLS days left',
               'Running', 'Flagged (5)', 'Died (24 h)', 'OOM killed (24 h)', 'Compliant']
    rows = []
    for report, host_id in zip(hosts, ids):
        status = host_status(report)
        daemon = _dict(report.get('daemon'))
        storage = _dict(report.get('storage'))
        containers = _dict(report.get('containers'))
        free = _int(storage.get('free_bytes'))
        size = _int(storage.get('size_bytes'))
        free_title = 'of %s' % human_bytes(size) if size else ''
        days = _tls_days(report)
        running = _int(containers.get('running'))
        flagged = _list(containers.get('flagged'))
        died, _err = _events_count(report, 'died')
        oom, _err = _events_count(report, 'oom')
        compliant = ('yes' if is_compliant(report) else 'no') if status == OK else 'unknown'
        fstype = _text(storage.get('fstype'))
        if storage.get('separate_mount'):
            fstype += ' (own mount)'
        reached = status == OK
        rows.append([
            _td('<a href="#%s">%s</a>' % (_esc(host_id), _esc(report.get('host'))), sort=_text(report.get('host'))),
            _td(_badge(status), sort=status),
            _engine_version(report),
            daemon.get('storage_driver') or '',
            storage.get('data_root') or daemon.get('data_root') or '',
            fstype,
            _td('<span title="%s">%s</span>' % (_esc(free_title), _esc(human_bytes(free))), 'num', sort='' if free is None else free),
            _td(_esc('' if days is None else days), 'num' + (' days-low' if days is not None and days < 30 else ''),
                sort='' if days is None else days),
            _td(_esc('' if running is None else running), 'num', sort='' if running is None else running),
            _td(_esc(len(flagged) if reached else ''), 'num', sort=len(flagged) if reached else ''),
            died if reached else _td('', 'num', sort=''),
            oom if reached else _td('', 'num', sort=''),
            _td(_badge(EMPTY if compliant == 'unknown' else compliant, compliant), sort=compliant),
        ])
    return '<h2>Overview</h2>\n' + _table(headers, rows, table_id='overview', sortable=True, empty='no hosts')


def _facts(report):
    engine = _dict(report.get('engine'))
    daemon = _dict(report.get('daemon'))
    storage = _dict(report.get('storage'))
    packages = _dict(engine.get('packages'))
    facts = [
        ('Engine', _engine_version(report)),
        ('dockerd', engine.get('dockerd_version')),
        ('containerd', engine.get('containerd_version')),
        ('runc', engine.get('runc_version')),
        ('Service manager', engine.get('service_manager')),
        ('Packages', ', '.join('%s %s' % (_text(k), _text(v)) for k, v in sorted(packages.items()))),
        ('Storage driver', daemon.get('storage_driver')),
        ('Logging driver', daemon.get('logging_driver')),
        ('Live restore', daemon.get('live_restore')),
        ('Security options', ', '.join(_text(x) for x in _list(daemon.get('security_options')))),
        ('Listeners', ', '.join(_text(x) for x in _list(daemon.get('listeners')))),
        ('TLS', daemon.get('tls')),
        ('Data root', '%s on %s%s, %s free of %s' % (
            _text(storage.get('data_root') or daemon.get('data_root')), _text(storage.get('fstype')) or '?',
            ' (own mount %s)' % _text(storage.get('mount_point')) if storage.get('separate_mount') else '',
            human_bytes(storage.get('free_bytes')) or '?', human_bytes(storage.get('size_bytes')) or '?')),
        ('Container size limit', storage_limit_text(report)),
        ('Prune', prune_text(report)),
        ('Metrics', metrics_text(report)),
        ('Remote API allow-list', firewall_text(report)),
        ('Audit rules read from', report.get('audit_evidence')),
        ('Report generated', report.get('generated')),
    ]
    return '<dl class="facts">%s</dl>' % ''.join(
        '<dt>%s</dt><dd>%s</dd>' % (_esc(name), _esc(value)) for name, value in facts if value not in (None, ''))


def _tls_table(report):
    rows = []
    for entry in _list(_dict(report.get('tls')).get('files')):
        entry = _dict(entry)
        days = _int(entry.get('days_left'))
        rows.append([entry.get('key'), entry.get('path'), entry.get('not_after'),
                     _td(_esc('' if days is None else days), 'num', sort='' if days is None else days),
                     ', '.join(_text(x) for x in _list(entry.get('subject_alt_names')))])
    if not rows:
        return ''
    return '<h3>TLS certificates</h3>\n' + _table(['File', 'Path', 'Not after', 'Days left', 'Subject alternative names'], rows)


def _items_table(report, host_id):
    rows = []
    for item in _list(report.get('items')):
        status = _text(item.get('status'))
        section = item_section(item)
        rows.append(
            '<tr class="row-%s" data-item-status="%s" data-section="%s">'
            '<td data-sort="%s">%s<span hidden> section %s </span></td><td>%s</td><td class="status" data-sort="%d">%s</td>'
            '<td class="evidence">%s</td><td class="reason">%s</td><td>%s</td></tr>' % (
                _esc(status), _esc(status), _esc(section), _esc(item.get('id')), _esc(item.get('id')), _esc(section),
                _esc(item.get('title')), STATUSES.index(status) if status in STATUSES else 0, _badge(status),
                _esc(item.get('evidence')), _esc(item.get('reason')),
                _esc(item.get('container')) + (' <span class="meta">(%s)</span>' % _esc(item.get('image')) if item.get('image') else '')))
    options = ''.join('<option value="%s">%s</option>' % (_esc(s), _esc(s)) for s in STATUSES)
    table_id = '%s-items' % host_id
    filters = (
        '<div class="filters" id="%s-filter" data-table="%s" hidden>'
        '<label>Filter <input type="search" placeholder="id, title, evidence, container..." aria-label="Filter items"></label> '
        '<label>Status <select aria-label="Status"><option value="">all</option>%s</select></label>'
        '<span class="shown"></span></div>' % (_esc(host_id), _esc(table_id), options))
    head = ''.join('<th>%s</th>' % h for h in ('Item', 'Title', 'Status', 'Evidence', 'Reason', 'Container'))
    body = '\n'.join(rows) if rows else '<tr><td colspan="6" class="meta">no items</td></tr>'
    return '\n'.join(['<h3>Items</h3>', filters,
                      '<table id="%s" class="sortable items"><thead><tr>%s</tr></thead><tbody>' % (_esc(table_id), head),
                      body, '</tbody></table>'])


def _host_section(report, host_id):
    status = host_status(report)
    host = report.get('host')
    if status != OK:
        verdict = ''
    else:
        verdict = ' ' + (_badge('yes', 'compliant') if is_compliant(report) else _badge('no', 'not compliant'))
    out = ['<section class="host" id="%s" data-host="%s">' % (_esc(host_id), _esc(host)),
           '<h2>%s %s%s</h2>' % (_esc(host), _badge(status), verdict)]
    if status != OK:
        out.append('<p class="error-text">%s: %s</p>' % (_esc(status), _esc(report.get('error') or 'no reason given')))
        if not _list(report.get('items')):
            out.append('</section>')
            return '\n'.join(out)
    elif report.get('error'):
        out.append('<p class="error-text">%s</p>' % _esc(report.get('error')))
    out.append(_facts(report))
    out.append(_tls_table(report))

    df_rows = [[_dict(r).get('Type'), _td(_esc(_dict(r).get('TotalCount')), 'num'), _td(_esc(_dict(r).get('Active')), 'num'),
                _dict(r).get('Size'), _dict(r).get('Reclaimable')]
               for r in _list(_dict(report.get('storage')).get('system_df'))]
    out.append('<h3>docker system df</h3>\n' + _table(['Type', 'Total', 'Active', 'Size', 'Reclaimable'], df_rows, empty='not available'))

    containers = _dict(report.get('containers'))
    flagged = [[_dict(c).get('name'), _dict(c).get('image'), ', '.join(_text(x) for x in _list(_dict(c).get('items')))]
               for c in _list(containers.get('flagged'))]
    running = containers.get('running')
    out.append('<h3>Containers flagged in section 5 <span class="meta">(%s running)</span></h3>\n' % _esc('?' if running is None else running)
               + _table(['Container', 'Image', 'Items'], flagged, empty='none'))

    events = _dict(report.get('events'))
    since = _text(events.get('since')) or '24h'
    if events.get('error'):
        out.append('<p class="error-text">events could not be read: %s</p>' % _esc(events.get('error')))
    died = [[_dict(e).get('time'), _dict(e).get('name'), _dict(e).get('image'), _td(_esc(_dict(e).get('exit_code')), 'num')]
            for e in _list(events.get('died'))]
    oom = [[_dict(e).get('time'), _dict(e).get('name'), _dict(e).get('image')] for e in _list(events.get('oom'))]
    out.append('<h3>Containers that died (last %s)</h3>\n' % _esc(since) + _table(['Time', 'Container', 'Image', 'Exit code'], died))
    out.append('<h3>Containers killed by the OOM killer (last %s)</h3>\n' % _esc(since) + _table(['Time', 'Container', 'Image'], oom))
    out.append(_items_table(report, host_id))
    out.append('</section>')
    return '\n'.join(out)


def html_page(fleet_doc):
    """The fleet as one self-contained HTML page (inline CSS and JavaScript, no external reference)."""
    hosts = _list(fleet_doc.get('hosts'))
    ids = _host_ids(hosts)
    sections = _sections(hosts)
    title = '%s fleet report (%s)' % (_text(fleet_doc.get('benchmark') or DEFAULT_BENCHMARK), _text(fleet_doc.get('generated')))
    parts = [
        '<!DOCTYPE html>',
        '<html lang="en">',
        '<head>',
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>%s</title>' % _esc(title),
        '<style>%s</style>' % _CSS,
        '</head>',
        '<body>',
        _header(fleet_doc),
        '<main>',
        _matrix(hosts, ids, sections),
        _overview(hosts, ids),
    ]
    parts.extend(_host_section(report, host_id) for report, host_id in zip(hosts, ids))
    parts.extend(['</main>', '<script>%s</script>' % _JS, '</body>', '</html>', ''])
    return '\n'.join(parts)
