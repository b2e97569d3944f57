# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of ``hardened.docker.tls_certificate``: argument spec, per-kind rules, value checks.

* :func:`argument_spec` (types, defaults, choices) and :data:`ARGUMENT_SPEC_KEYWORDS` (``required_if``,
  ``mutually_exclusive``) are what the module hands to ``AnsibleModule``. The per-kind part of them comes from
  one table, :data:`KIND_RULES`, which also holds the refusals no argument spec can express (options a kind
  must not be given).
* :func:`check_values` runs the checks that are about values, not about which options are set (SAN syntax, key
  size against key type, validity ranges, modes, distinct paths) on parameters the argument spec has validated,
  and returns a :class:`Spec` (or raises :class:`~common.TLSError` with a readable message).
* :func:`spec_from_params` validates a plain dict of options without ``AnsibleModule``: Ansible's own
  ``ArgumentSpecValidator`` against the same spec, then :func:`check_values`. The ``tls_input_problems`` filter
  (the tls role's plan, on the controller) and the unit tests use it, so a request that passes there passes in
  the module, with the same message when it does not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.validation import check_required_if

from ansible_collections.hardened.docker.plugins.module_utils._tls.common import (
    ALLOWED_KEY_SIZES, DEFAULT_FILE_MODE, DEFAULT_KEY_SIZES, DEFAULT_KEY_TYPE, DEFAULT_PRIVATEKEY_MODE,
    DEFAULT_RENEW_BEFORE_DAYS, DEFAULT_VALID_DAYS, DIGESTS, KEY_TYPES, KIND_CA, KIND_CLIENT, KIND_CSR, KIND_SERVER,
    KINDS, LEAF_KINDS, MAX_VALID_DAYS, MIN_RSA_BITS, REFUSED_DIGESTS, TLSError,
)
from ansible_collections.hardened.docker.plugins.module_utils._tls.keys import describe_key_spec
from ansible_collections.hardened.docker.plugins.module_utils._tls.names import parse_subject_alt_names


def argument_spec():
    """Types, defaults and choices of the module's options (the file options come from ``add_file_common_args``)."""
    return dict(
        kind=dict(type='str', required=True, choices=list(KINDS)),
        path=dict(type='path', required=True),
        privatekey_path=dict(type='path'),
        privatekey_passphrase=dict(type='str', no_log=True),
        # a file mode, not a secret (the name only looks like one to the sanity test)
        privatekey_mode=dict(type='raw', default='0400', no_log=False),
        common_name=dict(type='str'),
        organization=dict(type='str'),
        subject_alt_names=dict(type='list', elements='str'),
        key_type=dict(type='str', choices=list(KEY_TYPES)),
        key_size=dict(type='int'),
        digest=dict(type='str', default='auto'),
        valid_days=dict(type='int'),
        renew_before_days=dict(type='int', default=DEFAULT_RENEW_BEFORE_DAYS),
        ca_path=dict(type='path'),
        ca_privatekey_path=dict(type='path'),
        ca_privatekey_passphrase=dict(type='str', no_log=True),
        csr_path=dict(type='path'),
        force=dict(type='bool', default=False),
    )


# csr_path needs no entry here: it excludes privatekey_path, which kind=ca and kind=csr require.
_SIGNING_OPTIONS = ('ca_path', 'ca_privatekey_path', 'ca_privatekey_passphrase')

_LEAF_RULES = dict(
    requires=('ca_path', 'ca_privatekey_path'),
    requires_unless_csr=('privatekey_path', 'common_name'),
)

# Per kind: ``requires`` (all of them), ``requires_unless_csr`` (each unless csr_path is set), ``refuses`` (with
# ``why``, the reason given when one of them is set).
KIND_RULES = {
    KIND_CA: dict(
        requires=('privatekey_path', 'common_name'),
        refuses=_SIGNING_OPTIONS,
        why='kind=ca issues a self-signed CA certificate',
    ),
    # server and client certificates are signed by the CA, for a local key or for a CSR's public key
    KIND_SERVER: _LEAF_RULES,
    KIND_CLIENT: _LEAF_RULES,
    KIND_CSR: dict(
        requires=('privatekey_path', 'common_name'),
        refuses=_SIGNING_OPTIONS,
        why='kind=csr only creates a private key and a CSR (written to path); '
            'sign it with kind=server/client and csr_path',
    ),
}

# Options that make no sense with csr_path: the certificate is issued for the CSR's public key and the private
# key stays on the host that created the CSR.
CSR_EXCLUDES = ('privatekey_path', 'privatekey_passphrase')


def _required_if():
    rules = []
    for kind in KINDS:
        rule = KIND_RULES[kind]
        if rule.get('requires'):
            rules.append(('kind', kind, list(rule['requires'])))
        for name in rule.get('requires_unless_csr', ()):
            rules.append(('kind', kind, [name, 'csr_path'], True))
    return rules


ARGUMENT_SPEC_KEYWORDS = dict(
    required_if=_required_if(),
    mutually_exclusive=[['csr_path', name] for name in CSR_EXCLUDES],
)


def parse_private_key_mode(value):
    """``'0400'`` / ``0o400`` -> int; refuses modes giving access to others."""
    if value is None:
        return DEFAULT_PRIVATEKEY_MODE
    if isinstance(value, int):
        mode = value
    else:
        text = str(value).strip()
        if not re.match(r'^0?[0-7]{3,4}$', text):
            raise TLSError(
                'privatekey_mode must be an octal mode such as \'0400\' or \'0440\' (got %r)' % (value,))
        mode = int(text, 8)
    if mode & 0o007:
        raise TLSError(
            'privatekey_mode %04o would give other users access to the private key; '
            'use at most 0640 (0400 is the default)' % mode)
    if mode & 0o7000:
        raise TLSError('privatekey_mode %04o must not set setuid/setgid/sticky bits' % mode)
    return mode


def octal_mode_or_none(value):
    """Numeric mode for an octal ``mode`` option, or None for symbolic modes."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.match(r'^0?[0-7]{3,4}$', text):
        return int(text, 8)
    return None


class Spec:
    """Validated, normalised options."""

    def __init__(self, **kwargs):
        self.kind = kwargs.get('kind')
        self.path = kwargs.get('path')
        self.privatekey_path = kwargs.get('privatekey_path')
        self.privatekey_passphrase = kwargs.get('privatekey_passphrase')
        self.privatekey_mode = kwargs.get('privatekey_mode', DEFAULT_PRIVATEKEY_MODE)
        self.file_mode = kwargs.get('file_mode', DEFAULT_FILE_MODE)
        self.common_name = kwargs.get('common_name')
        self.organization = kwargs.get('organization')
        self.subject_alt_names = kwargs.get('subject_alt_names')  # canonical strings or None
        self.key_type = kwargs.get('key_type')  # None only when signing a CSR
        self.key_size = kwargs.get('key_size')
        self.digest = kwargs.get('digest', 'auto')
        self.valid_days = kwargs.get('valid_days')
        self.renew_before_days = kwargs.get('renew_before_days', DEFAULT_RENEW_BEFORE_DAYS)
        self.ca_path = kwargs.get('ca_path')
        self.ca_privatekey_path = kwargs.get('ca_privatekey_path')
        self.ca_privatekey_passphrase = kwargs.get('ca_privatekey_passphrase')
        self.csr_path = kwargs.get('csr_path')
        self.force = bool(kwargs.get('force', False))

    @property
    def is_leaf(self):
        return self.kind in LEAF_KINDS

    @property
    def signs_csr(self):
        return self.is_leaf and self.csr_path is not None

    @property
    def uses_own_key(self):
        return not self.signs_csr

    def wanted_key_description(self):
        if self.key_type is None:
            return None
        return describe_key_spec(self.key_type, self.key_size)


def _check_length(value, option, maximum=64):
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise TLSError('%s must be a non-empty string' % option)
    if len(value) > maximum:
        raise TLSError('%s must be at most %d characters (X.509 upper bound), got %d' % (option, maximum, len(value)))


def _as_int(value, option):
    if value is None:
        return None
    if isinstance(value, bool):
        raise TLSError('%s must be an integer' % option)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TLSError('%s must be an integer, got %r' % (option, value))


def check_values(params):
    """The checks an argument spec cannot express; ``params`` passed the argument spec. Returns a :class:`Spec`."""
    p = dict(params)
    kind = p['kind']
    rules = KIND_RULES[kind]
    common_name = p.get('common_name')
    _check_length(common_name, 'common_name')
    organization = p.get('organization')
    _check_length(organization, 'organization')
    try:
        # An option given as null (or an empty path) passes required_if, which only asks whether it is there.
        check_required_if(ARGUMENT_SPEC_KEYWORDS['required_if'],
                          dict((name, value) for name, value in p.items() if value not in (None, '')))
    except TypeError as exc:
        raise TLSError(str(exc))
    path = p.get('path')
    if not path:
        raise TLSError('path is required')

    given = [name for name in rules.get('refuses', ()) if p.get(name) is not None]
    if given:
        raise TLSError('%s; %s must not be set' % (rules['why'], ', '.join(given)))
    if kind == KIND_CA and p.get('subject_alt_names'):
        raise TLSError('subject_alt_names is not used for kind=ca (a CA certificate identifies no host)')

    csr_path = p.get('csr_path')
    signs_csr = kind in LEAF_KINDS and csr_path is not None

    sans = parse_subject_alt_names(p.get('subject_alt_names'))
    if kind == KIND_SERVER and not signs_csr and not sans:
        raise TLSError(
            'kind=server requires at least one subject_alt_names entry (DNS:name or IP:address); '
            "Go's TLS stack (dockerd, the docker CLI) ignores the common name when verifying host names")
    if kind == KIND_SERVER and signs_csr and sans is not None and not sans:
        raise TLSError('kind=server requires at least one subject_alt_names entry; omit the option to use the CSR\'s SANs')

    # key type (its choices are in the argument spec) and size
    key_type = p.get('key_type')
    key_size = _as_int(p.get('key_size'), 'key_size')
    if key_type is None and not signs_csr:
        key_type = DEFAULT_KEY_TYPE
    if key_type is None and key_size is not None:
        raise TLSError('key_size needs key_type when signing a CSR')
    if key_type == 'ed25519':
        if key_size is not None:
            raise TLSError('key_size is not used with key_type=ed25519')
    elif key_type is not None:
        if key_size is None:
            key_size = DEFAULT_KEY_SIZES[key_type]
        if key_type == 'rsa' and key_size < MIN_RSA_BITS:
            raise TLSError(
                'RSA keys shorter than %d bits are refused (key_size=%d); use 2048, 3072 or 4096'
                % (MIN_RSA_BITS, key_size))
        if key_size not in ALLOWED_KEY_SIZES[key_type]:
            raise TLSError('key_size for key_type=%s must be one of %s, got %d' % (
                key_type, ', '.join(str(v) for v in ALLOWED_KEY_SIZES[key_type]), key_size))

    # digest
    digest = p.get('digest') or 'auto'
    digest = str(digest).strip().lower()
    if digest in REFUSED_DIGESTS:
        raise TLSError(
            'digest=%s is refused: SHA-1 and other weak hashes are broken for signatures (chosen-prefix '
            'collisions) and Go rejects SHA-1 signed certificates; use auto, sha256, sha384 or sha512' % digest)
    if digest not in DIGESTS:
        raise TLSError('digest must be one of %s, got %r' % (', '.join(DIGESTS), digest))
    if digest != 'auto' and key_type == 'ed25519' and kind in (KIND_CA, KIND_CSR):
        raise TLSError('digest=%s cannot be used with key_type=ed25519 (Ed25519 signatures have no separate hash)' % digest)

    # validity
    valid_days = _as_int(p.get('valid_days'), 'valid_days')
    renew_before_days = _as_int(p.get('renew_before_days'), 'renew_before_days')
    if renew_before_days is None:
        renew_before_days = DEFAULT_RENEW_BEFORE_DAYS
    if kind != KIND_CSR:
        if valid_days is None:
            valid_days = DEFAULT_VALID_DAYS[kind]
        if valid_days < 1 or valid_days > MAX_VALID_DAYS:
            raise TLSError('valid_days must be between 1 and %d, got %d' % (MAX_VALID_DAYS, valid_days))
        if renew_before_days < 0:
            raise TLSError('renew_before_days must not be negative, got %d' % renew_before_days)
        if renew_before_days >= valid_days:
            raise TLSError(
                'renew_before_days (%d) must be smaller than valid_days (%d), otherwise the certificate '
                'would be reissued on every run' % (renew_before_days, valid_days))

    # passphrases
    for name in ('privatekey_passphrase', 'ca_privatekey_passphrase'):
        if p.get(name) is not None and p.get(name) == '':
            raise TLSError('%s must not be empty' % name)

    # distinct paths
    paths = [(name, p.get(name)) for name in ('path', 'privatekey_path', 'ca_path', 'ca_privatekey_path', 'csr_path')
             if p.get(name)]
    seen = {}
    for name, value in paths:
        real = os.path.abspath(os.path.expanduser(value))
        if real in seen:
            raise TLSError('%s and %s point to the same file (%s)' % (seen[real], name, value))
        seen[real] = name

    file_mode = octal_mode_or_none(p.get('mode'))
    return Spec(
        kind=kind,
        path=os.path.expanduser(path),
        privatekey_path=os.path.expanduser(p['privatekey_path']) if p.get('privatekey_path') else None,
        privatekey_passphrase=p.get('privatekey_passphrase'),
        privatekey_mode=parse_private_key_mode(p.get('privatekey_mode')),
        file_mode=DEFAULT_FILE_MODE if file_mode is None else file_mode,
        common_name=common_name,
        organization=organization,
        subject_alt_names=sans,
        key_type=key_type,
        key_size=key_size,
        digest=digest,
        valid_days=valid_days,
        renew_before_days=renew_before_days,
        ca_path=os.path.expanduser(p['ca_path']) if p.get('ca_path') else None,
        ca_privatekey_path=os.path.expanduser(p['ca_privatekey_path']) if p.get('ca_privatekey_path') else None,
        ca_privatekey_passphrase=p.get('ca_privatekey_passphrase'),
        csr_path=os.path.expanduser(csr_path) if csr_path else None,
        force=p.get('force', False),
    )


def spec_from_params(params):
    """Validate ``params`` (a dict of module options) the way the module does, without ``AnsibleModule``.

    Ansible's ``ArgumentSpecValidator`` checks them against :func:`argument_spec` (plus the file options) and
    :data:`ARGUMENT_SPEC_KEYWORDS`; its first error is raised as :class:`~common.TLSError` with the message
    ``AnsibleModule`` would fail with. Then :func:`check_values`. Options set to ``None`` count as not given,
    unknown keys are ignored.
    """
    spec = argument_spec()
    spec.update(FILE_COMMON_ARGUMENTS)
    validator = ArgumentSpecValidator(spec, **ARGUMENT_SPEC_KEYWORDS)
    given = dict((name, value) for name, value in dict(params).items() if value is not None and name in spec)
    result = validator.validate(given)
    if result.error_messages:
        raise TLSError(result.error_messages[0])
    return check_values(result.validated_parameters)


def input_problems(requests):
    """Check certificate requests before anything is created; return one message per problem.

    ``requests`` is a list of ``{'what': label, 'params': module-style params}``; the params need no
    real paths (placeholders are filled in). Each is checked by :func:`spec_from_params`, the module's own
    argument spec and value checks, so a request that passes here passes there. Used by the tls role's plan,
    on the controller.
    """
    problems = []
    for request in requests or []:
        params = dict(request.get('params') or {})
        kind = params.get('kind')
        base = '/nonexistent/hardened-docker-plan/%s' % (request.get('what') or kind or 'request')
        params.setdefault('path', base + '/cert.pem')
        if kind != KIND_CSR or params.get('privatekey_path') is None:
            params.setdefault('privatekey_path', base + '/key.pem')
        if kind in LEAF_KINDS:
            params.setdefault('ca_path', base + '/ca.pem')
            params.setdefault('ca_privatekey_path', base + '/ca-key.pem')
        try:
            spec_from_params(params)
        except TLSError as exc:
            problems.append('%s: %s' % (request.get('what') or kind, exc))
    return problems
