#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2025, hardened.docker maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


DOCUMENTATION = r"""
---
module: tls_certificate
short_description: Issue the CA, server and client certificates for Docker's mutual-TLS remote API
version_added: 0.1.0
description:
  - Creates and maintains the X.509 material Docker's TLS-protected remote API needs
    (C(dockerd --tlsverify --tlscacert --tlscert --tlskey) and C(docker --tlsverify)), using the Python
    C(cryptography) library (no C(openssl) command line).
  - O(kind=ca) issues a self-signed CA certificate (basicConstraints CA:true with pathlen 0, critical;
    keyUsage keyCertSign and cRLSign, critical; subject and authority key identifiers).
  - O(kind=server) and O(kind=client) issue end-entity certificates signed by O(ca_path) / O(ca_privatekey_path)
    (basicConstraints CA:false and keyUsage digitalSignature, plus keyEncipherment for RSA keys, both critical;
    extendedKeyUsage serverAuth respectively clientAuth; subjectAltName; subject and authority key identifiers).
  - O(kind=csr) creates a private key and a certificate signing request on the host that will use them. Another task
    signs that CSR with O(kind=server) or O(kind=client) and O(csr_path), on the host holding the CA key, so the
    host's private key never leaves it.
  - The module is idempotent and goes further than M(community.crypto.x509_certificate). The certificate is reissued
    only when it is missing or cannot be parsed; it does not match the private key (or the CSR's public key); the
    subject (O(common_name), O(organization)), the subject alternative names, the extended key usage or the key type
    or size changed; the CA changed (issuer differs from the CA subject, or the signature no longer verifies with the
    CA public key); it is a CA certificate where an end-entity one is wanted (or the other way round); it is signed
    with a weak hash (SHA-1, MD5) or a different O(digest) was explicitly requested; or it expires within
    O(renew_before_days) (or has already expired). The reasons are returned in RV(reasons).
  - A missing private key is generated with the wanted O(key_type) and O(key_size). An existing private key of another
    type or size, or one that cannot be parsed, is regenerated. A matching key is never replaced, also not by O(force)
    or when a CA certificate is reissued, so leaf certificates keep verifying against a reissued CA (same key, same
    subject). Delete the key file to rotate a key.
  - Changing O(valid_days) alone does not reissue a certificate; the new value applies at the next reissue (use
    O(force) to reissue now).
  - All files are read and written on the host the task runs on. Writes are atomic (temporary file created with mode
    0600 in the destination directory, fsync, chmod to the final mode, rename), so a private key is never
    world-readable, not even briefly. Private keys end up with O(privatekey_mode) (default V(0400)), certificates and
    CSRs with O(mode) (default V(0444)); O(owner) and O(group) apply to both.
author:
  - hardened.docker maintainers (!UNKNOWN)
requirements:
  - cryptography >= 3.3
extends_documentation_fragment:
  - ansible.builtin.files
  - ansible.builtin.action_common_attributes
  # short name on purpose: ansible-core 2.19 does not resolve the FILES
  # variable of the FQCN form (ansible.builtin.action_common_attributes.files)
  - action_common_attributes.files
attributes:
  check_mode:
    support: full
    details:
      - Reports C(changed) and RV(reasons) and writes nothing. If the CA or the CSR to sign does not exist yet
        (because an earlier task would only have created it), the certificate is reported as changed with a warning.
  diff_mode:
    support: full
    details:
      - Shows a before/after summary (subject, issuer, SANs, extended key usage, key type, validity, serial,
        SHA-256 fingerprint) of the certificate or CSR. Key material is never part of the diff.
  platform:
    platforms: posix
  safe_file_operations:
    support: full
  vault:
    support: none
options:
  kind:
    description:
      - What to create.
      - V(ca) a self-signed CA certificate (at O(path)) and its key (at O(privatekey_path)).
      - V(server) a server certificate for C(dockerd), signed by the CA. Needs at least one entry in O(subject_alt_names)
        (or in the CSR when signing one), because Go's TLS stack ignores the common name when verifying host names.
      - V(client) a client certificate for the C(docker) CLI or other API clients, signed by the CA.
      - V(csr) a private key (at O(privatekey_path)) and a certificate signing request (at O(path)) to be signed
        elsewhere by a V(server) or V(client) task with O(csr_path).
    type: str
    required: true
    choices: [ca, server, client, csr]
  path:
    description:
      - Where the certificate is written, or the CSR for O(kind=csr).
    type: path
    required: true
  privatekey_path:
    description:
      - The private key belonging to the certificate (or CSR). It is generated if missing and regenerated if it has
        the wrong type or size or cannot be parsed.
      - Required unless O(csr_path) is set; must not be set together with O(csr_path) (the certificate is then issued
        for the CSR's public key and the key stays on the host that created the CSR).
    type: path
  privatekey_passphrase:
    description:
      - Encrypt the private key with this passphrase (PKCS#8, C(BestAvailableEncryption)) and use it to read an
        existing key.
      - Meant for the CA key. C(dockerd) and the C(docker) CLI cannot read encrypted keys, so do not set it for server
        or client keys.
      - An existing unencrypted key is re-written encrypted (the key itself is kept). An encrypted key with a wrong
        passphrase is an error, it is never silently replaced.
    type: str
  privatekey_mode:
    description:
      - Permissions of the private key file, as an octal string. Modes granting any access to others are refused.
    type: raw
    default: '0400'
  mode:
    description:
      - Permissions of the certificate (or CSR) file. Defaults to V('0444') when not set.
      - Quote octal modes (V('0444')) so they reach the module as strings; symbolic modes (V(u=r,go=r)) are applied
        after the file is written.
    type: raw
  common_name:
    description:
      - Common name (CN) of the subject. Required, except when signing a CSR, where it defaults to the CSR's CN.
    type: str
  organization:
    description:
      - Organization (O) of the subject. When signing a CSR it defaults to the CSR's organization.
    type: str
  subject_alt_names:
    description:
      - Subject alternative names, each V(DNS:name) or V(IP:address) (IPv4 or IPv6). The prefix is case-insensitive,
        DNS names are lower-cased and checked against host name syntax (a wildcard is only accepted as the whole
        left-most label), addresses are normalised. Anything else is refused.
      - Required (at least one entry) for O(kind=server). Optional for O(kind=client) and O(kind=csr); not allowed for
        O(kind=ca).
      - When signing a CSR and this option is omitted, the SANs requested in the CSR are used; when it is set, it
        replaces them.
      - Compared as a set, so the order does not matter for idempotency.
    type: list
    elements: str
  key_type:
    description:
      - Type of the private key to generate.
      - V(ecdsa) (the default when a key is generated) gives small keys and fast handshakes and is accepted by
        dockerd's Go TLS stack and by every Docker client; V(rsa) is there for clients that need RSA (Docker's own
        documentation uses RSA 4096); V(ed25519) works with Go but not with all non-Go clients.
      - When signing a CSR and this option is set, the CSR's key must be of this type and size; when omitted, any
        supported CSR key is accepted (ECDSA P-256/P-384, RSA >= 2048, Ed25519).
    type: str
    choices: [ecdsa, rsa, ed25519]
  key_size:
    description:
      - For V(rsa) the modulus size in bits, one of V(2048), V(3072) (default) or V(4096); RSA below 2048 bits is
        refused. 3072 is the default because it matches the 128-bit security level of P-256 and is much faster to
        generate than 4096.
      - For V(ecdsa) the curve size, V(256) (P-256, default) or V(384) (P-384).
      - Not used for V(ed25519).
    type: int
  digest:
    description:
      - Hash used for the signature. V(auto) picks SHA-256, or SHA-384 when the signing key is ECDSA P-384; Ed25519
        signatures use no separate hash (setting anything but V(auto) is then an error).
      - Accepted values are V(auto), V(sha256), V(sha384) and V(sha512). SHA-1 (and MD5, SHA-224) is refused.
      - Existing certificates signed with SHA-1 or MD5 are always reissued; a different hash only triggers a reissue
        when it is set explicitly (not with V(auto)).
    type: str
    default: auto
  valid_days:
    description:
      - Validity in days. Defaults to V(3650) for O(kind=ca) and V(365) for server and client certificates.
        Not used for O(kind=csr).
      - The validity of a server or client certificate is capped at the CA certificate's expiry (with a warning).
        If that leaves less than O(renew_before_days), the task fails and asks to renew the CA first, rather than
        reissuing on every run.
      - V(not_before) is backdated by five minutes to tolerate clock skew.
    type: int
  renew_before_days:
    description:
      - Reissue the certificate when it expires within this many days. Must be smaller than O(valid_days).
        Not used for O(kind=csr).
    type: int
    default: 30
  ca_path:
    description:
      - CA certificate that signs server and client certificates. Required for O(kind=server) and O(kind=client);
        not allowed for O(kind=ca) and O(kind=csr).
    type: path
  ca_privatekey_path:
    description:
      - Private key of the CA at O(ca_path). Required for O(kind=server) and O(kind=client).
    type: path
  ca_privatekey_passphrase:
    description:
      - Passphrase of an encrypted O(ca_privatekey_path). A wrong passphrase is a clear error.
    type: str
  csr_path:
    description:
      - With O(kind=server) or O(kind=client), issue the certificate for this CSR (created by a O(kind=csr) task on
        the host that keeps the private key) instead of for a local private key. The CSR's signature must verify.
    type: path
  force:
    description:
      - Reissue the certificate (or CSR) even if it is up to date. The private key is kept if it matches.
    type: bool
    default: false
notes:
  - The serial number is a random 159-bit number (C(x509.random_serial_number())).
  - Leaf certificates get no more validity than the CA certificate has left.
  - A reissued CA certificate keeps its key, so certificates signed by the old one keep verifying. Distribute the new CA
    certificate anyway.
  - Changes of owner, group or mode only make C(changed) true; RV(reasons) lists reasons to (re)generate.
seealso:
  - name: Protect the Docker daemon socket
    description: Docker's guide to mutual TLS for the remote API.
    link: https://docs.docker.com/engine/security/protect-access/
  - module: community.crypto.x509_certificate
"""

EXAMPLES = r"""
- name: CA (key encrypted at rest, kept on the controller)
  hardened.docker.tls_certificate:
    kind: ca
    path: /etc/docker-ca/ca.pem
    privatekey_path: /etc/docker-ca/ca-key.pem
    privatekey_passphrase: "{{ docker_ca_passphrase }}"
    common_name: Docker API CA
    organization: Example Corp
  delegate_to: localhost
  run_once: true

- name: Server certificate, issued next to the CA, then copied to the host
  hardened.docker.tls_certificate:
    kind: server
    path: "/etc/docker-ca/issued/{{ inventory_hostname }}-cert.pem"
    privatekey_path: "/etc/docker-ca/issued/{{ inventory_hostname }}-key.pem"
    common_name: "{{ inventory_hostname }}"
    subject_alt_names:
      - "DNS:{{ inventory_hostname }}"
      - "IP:{{ ansible_default_ipv4.address }}"
      - "IP:127.0.0.1"
      - "IP:::1"
    ca_path: /etc/docker-ca/ca.pem
    ca_privatekey_path: /etc/docker-ca/ca-key.pem
    ca_privatekey_passphrase: "{{ docker_ca_passphrase }}"
  delegate_to: localhost

- name: Client certificate for the docker CLI (RSA 4096, as in Docker's documentation)
  hardened.docker.tls_certificate:
    kind: client
    path: /home/admin/.docker/cert.pem
    privatekey_path: /home/admin/.docker/key.pem
    common_name: admin
    key_type: rsa
    key_size: 4096
    ca_path: /etc/docker-ca/ca.pem
    ca_privatekey_path: /etc/docker-ca/ca-key.pem
    ca_privatekey_passphrase: "{{ docker_ca_passphrase }}"
    owner: admin
    group: admin
    privatekey_mode: '0400'

# The private key never leaves the Docker host: create key + CSR there,
# sign the CSR where the CA key lives, bring the certificate back.
- name: Key and CSR on the Docker host
  hardened.docker.tls_certificate:
    kind: csr
    path: /etc/docker/tls/server.csr
    privatekey_path: /etc/docker/tls/server-key.pem
    common_name: "{{ inventory_hostname }}"
    subject_alt_names:
      - "DNS:{{ inventory_hostname }}"
      - "IP:{{ ansible_default_ipv4.address }}"

- name: Fetch the CSR
  ansible.builtin.fetch:
    src: /etc/docker/tls/server.csr
    dest: "/etc/docker-ca/csr/{{ inventory_hostname }}.csr"
    flat: true

- name: Sign it on the CA host (no privatekey_path needed)
  hardened.docker.tls_certificate:
    kind: server
    path: "/etc/docker-ca/issued/{{ inventory_hostname }}-cert.pem"
    csr_path: "/etc/docker-ca/csr/{{ inventory_hostname }}.csr"
    ca_path: /etc/docker-ca/ca.pem
    ca_privatekey_path: /etc/docker-ca/ca-key.pem
    ca_privatekey_passphrase: "{{ docker_ca_passphrase }}"
  delegate_to: localhost
  register: server_cert

- name: Show why it was (re)issued
  ansible.builtin.debug:
    var: server_cert.reasons

- name: Install the certificate
  ansible.builtin.copy:
    src: "/etc/docker-ca/issued/{{ inventory_hostname }}-cert.pem"
    dest: /etc/docker/tls/server-cert.pem
    mode: '0444'
"""

RETURN = r"""
reasons:
  description:
    - Why the private key, certificate or CSR was (or, in check mode, would be) generated. Empty when everything was
      up to date (file attribute changes are not listed here).
  returned: always
  type: list
  elements: str
  sample:
    - "certificate /etc/docker/tls/server-cert.pem expires on 2025-07-01T00:00:00Z, within renew_before_days (30)"
    - "subject_alt_names changed: DNS:docker1.example.com -> DNS:docker1.example.com, IP:192.0.2.10"
kind:
  description: The O(kind) handled.
  returned: always
  type: str
  sample: server
path:
  description: Path of the certificate (or the CSR for O(kind=csr)).
  returned: always
  type: str
  sample: /etc/docker/tls/server-cert.pem
privatekey_path:
  description: Path of the private key.
  returned: unless a CSR is signed (O(csr_path))
  type: str
  sample: /etc/docker/tls/server-key.pem
csr_path:
  description: Path of the CSR that was signed.
  returned: when O(csr_path) is set
  type: str
  sample: /etc/docker-ca/csr/docker1.csr
privatekey_created:
  description: Whether the private key was generated (missing, wrong type or size, or unparsable).
  returned: always
  type: bool
  sample: false
certificate_created:
  description: Whether the certificate was written (always V(false) in check mode).
  returned: unless O(kind=csr)
  type: bool
  sample: true
csr_created:
  description: Whether the CSR was written (always V(false) in check mode).
  returned: when O(kind=csr)
  type: bool
  sample: true
csr:
  description:
    - The CSR in PEM form (public data), so that the caller need not read the file again, for example to sign it
      on the controller. In check mode the existing CSR (V(null) if there is none).
  returned: when O(kind=csr)
  type: str
  sample: "-----BEGIN CERTIFICATE REQUEST-----\nMIIB...\n-----END CERTIFICATE REQUEST-----\n"
subject:
  description:
    - Subject of the certificate or CSR, RFC 4514 string. Like all the values below it describes the file after the
      run; in check mode the existing file (V(null) if there is none).
  returned: always
  type: str
  sample: CN=docker1.example.com,O=Example Corp
common_name:
  description: Common name of the subject.
  returned: always
  type: str
  sample: docker1.example.com
subject_alt_names:
  description: Subject alternative names of the certificate or CSR, in V(DNS:name) / V(IP:address) form.
  returned: always
  type: list
  elements: str
  sample: ["DNS:docker1.example.com", "IP:192.0.2.10", "IP:2001:db8::10"]
key_type:
  description: Type of the certificate's (or CSR's) public key.
  returned: always
  type: str
  sample: ECDSA P-256
issuer:
  description: Issuer of the certificate, RFC 4514 string.
  returned: unless O(kind=csr)
  type: str
  sample: CN=Docker API CA,O=Example Corp
extended_key_usage:
  description: Extended key usages of the certificate (empty for a CA certificate).
  returned: unless O(kind=csr)
  type: list
  elements: str
  sample: ["serverAuth"]
not_before:
  description: Start of the validity period, ISO 8601 in UTC.
  returned: unless O(kind=csr)
  type: str
  sample: "2025-01-31T11:55:00Z"
not_after:
  description: End of the validity period, ISO 8601 in UTC.
  returned: unless O(kind=csr)
  type: str
  sample: "2026-01-31T12:00:00Z"
serial:
  description:
    - Serial number as an upper-case hexadecimal string with an even number of digits, no C(0x) prefix and no
      colons, the same as C(openssl x509 -noout -serial) prints. Use C(serial | int(base=16)) for the integer.
  returned: unless O(kind=csr)
  type: str
  sample: 3A5F0C19D2E4B7A1C0FFEE0123456789ABCDEF01
fingerprint_sha256:
  description: SHA-256 fingerprint of the DER certificate, upper-case colon-separated hex.
  returned: unless O(kind=csr)
  type: str
  sample: "9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hardened.docker.plugins.module_utils._tls import common, flow, options


def argument_spec():
    """The module's options (types, defaults, choices); the per-kind rules are ``options.ARGUMENT_SPEC_KEYWORDS``."""
    return options.argument_spec()


def _apply_file_attributes(module, path, mode, changed):
    """owner/group/mode/SELinux via AnsibleModule; skipped for files check mode did not create."""
    if not os.path.exists(path):
        return changed
    file_args = module.load_file_common_arguments(module.params, path=path)
    file_args['mode'] = mode
    return module.set_fs_attributes_if_different(file_args, changed)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        add_file_common_args=True,
        **options.ARGUMENT_SPEC_KEYWORDS
    )
    if not common.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography >= 3.3'), exception=common.CRYPTOGRAPHY_IMP_ERR)

    try:
        spec = options.check_values(module.params)
        result, diff, warnings = flow.run(spec, check_mode=module.check_mode)
    except common.TLSError as exc:
        module.fail_json(msg=str(exc))

    for warning in warnings:
        module.warn(warning)

    changed = result['changed']
    if spec.uses_own_key:
        changed = _apply_file_attributes(module, spec.privatekey_path, spec.privatekey_mode, changed)
    cert_mode = module.params['mode'] if module.params['mode'] is not None else spec.file_mode
    changed = _apply_file_attributes(module, spec.path, cert_mode, changed)
    result['changed'] = changed

    if module._diff:
        diff['before_header'] = spec.path
        diff['after_header'] = spec.path
        result['diff'] = diff
    module.exit_json(**result)


if __name__ == '__main__':
    main()
