"""Every role's README documents exactly the options of its meta/argument_specs.yml.

The roles are found under ``roles/*/``. A README documents its variables in a
markdown table whose header starts ``| variable | default |``; a row names one
or more variables in backticks (``| `tls_key_type` / `tls_key_size` | ...``).
Against the options of every entry point of the argument spec (private,
``_``-prefixed names skipped):

- every option has a row;
- every row names an option (no variable the spec lacks);
- the default cell agrees with the spec's ``default`` (and ``required``):

  - ``required`` for a required option, and only for one;
  - a cell that is code spans, optionally followed by a remark in
    parentheses, states the default(s): one span per variable of the row
    (``| `ecdsa` / `256` |``), or one span for all of them, each read as YAML
    and equal to the spec's default (no default in the spec is ``null``);
    ``| `""` (default IPv4) |`` states ``""``;
  - any other cell describes the default in words (``| the value of
    `daemon_data_root`, else `/var/lib/docker` |``), and so does a span with a
    ``<placeholder>`` (``| `/run/x-<fstype>` |``): accepted only where the
    spec's default is computed, a Jinja template, or not given (set by the
    role's tasks).
"""

import json
import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES_DIR = os.path.join(ROOT, 'roles')
ROLES = sorted(d for d in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, d)))

_CELL_SPLIT = re.compile(r'(?<!\\)\|')
_STATED = re.compile(r'^`[^`]*`(?:\s*/\s*`[^`]*`)*(?=\s*(?:\([^`]*(?:`[^`]*`[^`]*)*\))?$)')
_PLACEHOLDER = re.compile(r'<[A-Za-z_]+>')
_SPAN = re.compile(r'`([^`]*)`')


def _cells(line):
    """The cells of a markdown table row; ``\\|`` inside a cell is a literal pipe."""
    return [c.strip().replace('\\|', '|') for c in _CELL_SPLIT.split(line.strip().strip('|'))]


def parse_variable_tables(text):
    """{variable: default cell} from every ``| variable | default | ...`` table of a README."""
    rows = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith('|'):
            header = [c.lower() for c in _cells(line)]
            if header[:2] == ['variable', 'default']:
                i += 2  # header and the | --- | line
                while i < len(lines) and lines[i].strip().startswith('|'):
                    cells = _cells(lines[i])
                    names = _SPAN.findall(cells[0])
                    assert names, 'a variable row without a `name`: %s' % lines[i]
                    for name in names:
                        assert name not in rows, 'variable %s has two rows' % name
                        rows[name] = (cells[1] if len(cells) > 1 else '', len(names), names.index(name))
                    i += 1
                continue
        i += 1
    return rows


def stated_default(cell, count, index):
    """(True, value) when the cell states the default as YAML in code spans, else (False, None)."""
    match = _STATED.match(cell.strip())
    if not match:
        return False, None
    spans = _SPAN.findall(match.group(0))
    if len(spans) == count:
        literal = spans[index]
    elif len(spans) == 1:
        literal = spans[0]
    else:
        raise AssertionError('%d defaults for %d variables: %s' % (len(spans), count, cell))
    if _PLACEHOLDER.search(literal):
        return False, None
    return True, yaml.safe_load(literal)


def spec_options(role):
    """{option: [(entry point, spec)]} over every entry point, private options skipped."""
    with open(os.path.join(ROLES_DIR, role, 'meta', 'argument_specs.yml')) as f:
        specs = yaml.safe_load(f)['argument_specs']
    options = {}
    for entry_point, spec in specs.items():
        for name, option in (spec.get('options') or {}).items():
            if not name.startswith('_'):
                options.setdefault(name, []).append((entry_point, option))
    return options


def readme_rows(role):
    with open(os.path.join(ROLES_DIR, role, 'README.md')) as f:
        return {n: v for n, v in parse_variable_tables(f.read()).items() if not n.startswith('_')}


def _same(a, b):
    """Equal as YAML values, ``true`` and ``1`` apart."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_roles_found():
    assert len(ROLES) >= 5, ROLES


@pytest.mark.parametrize('role', ROLES)
def test_role_has_spec_and_readme(role):
    for path in ('meta/argument_specs.yml', 'README.md'):
        assert os.path.isfile(os.path.join(ROLES_DIR, role, path)), '%s has no %s' % (role, path)


@pytest.mark.parametrize('role', ROLES)
def test_every_option_documented(role):
    missing = sorted(set(spec_options(role)) - set(readme_rows(role)))
    assert not missing, 'roles/%s/README.md has no row for %s' % (role, ', '.join(missing))


@pytest.mark.parametrize('role', ROLES)
def test_no_variable_the_spec_lacks(role):
    extra = sorted(set(readme_rows(role)) - set(spec_options(role)))
    assert not extra, 'roles/%s/README.md documents %s, which meta/argument_specs.yml lacks' % (role, ', '.join(extra))


@pytest.mark.parametrize('role', ROLES)
def test_defaults_match_spec(role):
    options, rows = spec_options(role), readme_rows(role)
    problems = []
    for name in sorted(set(options) & set(rows)):
        cell, count, index = rows[name]
        for entry_point, option in options[name]:
            where = '%s (entry point %s)' % (name, entry_point)
            required = bool(option.get('required'))
            if cell.lower() == 'required' or required:
                if not (cell.lower() == 'required' and required):
                    problems.append('%s: README says %r, spec required=%s' % (where, cell, required))
                continue
            default = option.get('default')
            stated, value = stated_default(cell, count, index)
            if stated:
                if not _same(value, default):
                    problems.append('%s: README default %r, spec default %r' % (where, value, default))
            elif not (default is None or isinstance(default, str) and '{{' in default):
                problems.append('%s: README default %r is not a `value` (optionally followed by a remark in'
                                ' parentheses); spec default %r' % (where, cell, default))
    assert not problems, 'roles/%s/README.md:\n' % role + '\n'.join(problems)


@pytest.mark.parametrize('cell, count, index, expected', [
    ('`""`', 1, 0, (True, '')),
    ('`null`', 2, 1, (True, None)),
    ('`ecdsa` / `256`', 2, 1, (True, 256)),
    ('`""` (default IPv4)', 1, 0, (True, '')),
    ('`"03:30"`', 1, 0, (True, '03:30')),
    ('`[noatime, compress=zstd:1]`', 1, 0, (True, ['noatime', 'compress=zstd:1'])),
    ('`"{{ x | default([]) }}"`', 1, 0, (True, '{{ x | default([]) }}')),
    ('`[]` (`engine_docker_users` when that is set)', 1, 0, (True, [])),
    ('the value of `daemon_data_root`, else `/var/lib/docker`', 1, 0, (False, None)),
    ('`daemon_data_root` or `/var/lib/docker`', 1, 0, (False, None)),
    ('`~/x` (controller); more', 1, 0, (False, None)),
    ('`/run/x-<fstype>-staging`', 1, 0, (False, None)),
    ('btrfs `[noatime]`, xfs `[noatime, pquota]`', 1, 0, (False, None)),
    ('required', 1, 0, (False, None)),
])
def test_stated_default(cell, count, index, expected):
    assert stated_default(cell, count, index) == expected


def test_parse_variable_tables():
    text = '\n'.join([
        '| items | evidence |', '| --- | --- |', '| `1.1.1` | mounts |', '',
        '| variable | default | meaning |', '| --- | --- | --- |',
        '| `a_x` | `1` | one |', '| `a_y` / `a_z` | `"{{ b \\| default(0) }}"` / `2` | pipe |', '',
        'prose `a_w`',
    ])
    assert parse_variable_tables(text) == {
        'a_x': ('`1`', 1, 0), 'a_y': ('`"{{ b | default(0) }}"` / `2`', 2, 0), 'a_z': ('`"{{ b | default(0) }}"` / `2`', 2, 1),
    }
