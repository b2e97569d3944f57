"""Mutual TLS on 2376, checked from outside the daemon host.

The tests run on the controller: they reach the test host over the Docker
bridge with the Python docker SDK and the docker CLI, using the client
bundle the role wrote to the controller.
"""

import datetime
import os
import subprocess
import sys

import docker
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_changed, run_for_text  # noqa: E402  pylint: disable=wrong-import-position

EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
CA_DIR = os.path.join(EPHEMERAL, "tls", "ca")
BUNDLE = os.path.join(EPHEMERAL, "tls", "clients", "admin")
CLIENT_DIR = os.path.join(EPHEMERAL, "tls", "clients")  # tls_client_dir of molecule.yml
CONVERGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "converge.yml")


@pytest.fixture(scope="module")
def address(host):
    return host.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]


def client(address, cert=None, ca=os.path.join(BUNDLE, "ca.pem")):
    tls = docker.tls.TLSConfig(client_cert=cert, ca_cert=ca, verify=True)
    return docker.DockerClient(base_url="tcp://%s:2376" % address, tls=tls, timeout=10)


def refused(address, cert):
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError, docker.errors.DockerException)):
        client(address, cert).version()


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _write(tmp_path, name, cert, key):
    cert_path, key_path = tmp_path / (name + "-cert.pem"), tmp_path / (name + "-key.pem")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def _client_cert(issuer_cert, issuer_key, not_before, not_after):
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "intruder")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    return cert, key


def _self_signed_ca():
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "another CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def run_converge(host, *extra_vars, playbook=CONVERGE, options=()):
    return run_for_changed(host, playbook, *extra_vars, options=options)


def dockerd_pid(host):
    return host.process.get(comm="dockerd").pid


def test_version_over_tls_with_the_bundle(address):
    cert = (os.path.join(BUNDLE, "cert.pem"), os.path.join(BUNDLE, "key.pem"))
    assert client(address, cert).version()["ApiVersion"]


def test_docker_cli_with_the_bundle_env_file(address):
    env_file = os.path.join(BUNDLE, [f for f in os.listdir(BUNDLE) if f.endswith(".env")][0])
    out = subprocess.run(["sh", "-c", '. "$0" && docker version --format "{{.Server.Version}}"', env_file],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    assert "tcp://%s:2376" % address in open(env_file).read()


def test_client_without_certificate_is_refused(address):
    refused(address, None)


def test_client_certificate_from_another_ca_is_refused(address, tmp_path):
    ca_cert, ca_key = _self_signed_ca()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert, key = _client_cert(ca_cert, ca_key, now - datetime.timedelta(days=1), now + datetime.timedelta(days=1))
    refused(address, _write(tmp_path, "other-ca", cert, key))


def test_expired_client_certificate_is_refused(address, tmp_path):
    with open(os.path.join(CA_DIR, "ca.pem"), "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    with open(os.path.join(CA_DIR, "ca-key.pem"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), password=None)
    now = datetime.datetime.now(datetime.timezone.utc)
    cert, key = _client_cert(ca_cert, ca_key, now - datetime.timedelta(days=10), now - datetime.timedelta(days=1))
    refused(address, _write(tmp_path, "expired", cert, key))


def test_plaintext_http_to_2376_fails(address):
    try:
        response = requests.get("http://%s:2376/version" % address, timeout=5)
    except requests.exceptions.ConnectionError:
        return
    assert response.status_code == 400
    assert "ApiVersion" not in response.text


def test_nothing_listens_on_2375(host):
    assert host.socket("tcp://0.0.0.0:2376").is_listening
    assert not host.socket("tcp://2375").is_listening


def test_server_certificate_names_the_host_ip(host, address):
    pem = host.file("/etc/docker/tls/server-cert.pem").content
    cert = x509.load_pem_x509_certificate(pem)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert address in [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
    assert "127.0.0.1" in [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in list(eku)


@pytest.mark.parametrize("path,mode", [
    ("/etc/docker/tls/ca.pem", 0o444),           # CIS 3.10 / 3.12: CA certificate
    ("/etc/docker/tls/server-cert.pem", 0o444),  # CIS 3.11 / 3.12: server certificate
    ("/etc/docker/tls/server-key.pem", 0o400),   # CIS 3.13 / 3.14: server key
])
def test_cis_file_modes(host, path, mode):
    f = host.file(path)
    assert f.user == "root" and f.group == "root"
    assert f.mode == mode


def test_ca_key_stays_on_the_controller(host):
    assert os.path.exists(os.path.join(CA_DIR, "ca-key.pem"))
    assert host.run("grep -rl 'PRIVATE KEY' /etc/docker/tls").stdout.split() == ["/etc/docker/tls/server-key.pem"]


def test_client_bundle_on_the_host_for_its_user(host):
    for name, mode in (("ca.pem", 0o444), ("cert.pem", 0o444), ("key.pem", 0o400)):
        f = host.file("/root/.docker/" + name)
        assert f.user == "root" and f.mode == mode


def test_second_run_reissues_nothing_and_keeps_the_daemon(host):
    run_converge(host)  # the baseline, in case an earlier verify left other SANs
    pid = dockerd_pid(host)
    assert run_converge(host) == []
    assert dockerd_pid(host) == pid


def test_san_change_reissues_and_restarts_exactly_once(host):
    serial_before = host.check_output("sha256sum /etc/docker/tls/server-cert.pem")
    pid = dockerd_pid(host)
    changed = run_converge(host, {"tls_extra_sans": ["DNS:docker-api.example.test"]})
    assert host.check_output("sha256sum /etc/docker/tls/server-cert.pem") != serial_before
    restarts = [name for name in changed if name.split(" : ")[-1].startswith("Restart docker")]
    assert restarts == ["hardened.docker.daemon : Restart docker with systemctl"], changed
    assert dockerd_pid(host) != pid
    cert = x509.load_pem_x509_certificate(host.file("/etc/docker/tls/server-cert.pem").content)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "docker-api.example.test" in sans.get_values_for_type(x509.DNSName)


def test_check_mode_without_key_or_csr_reports_them_and_changes_nothing(host, tmp_path):
    """--check on a host that has no key and CSR yet: no failure, the CSR (and so the certificate)
    reported as to be created, nothing written on the host or next to the CA."""
    playbook = tmp_path / "tls-only.yml"
    playbook.write_text("- hosts: all\n  gather_facts: false\n  roles:\n    - role: hardened.docker.tls\n")
    name = host.backend.get_hostname()
    host_dir = os.path.join(EPHEMERAL, "tls", "ca", "hosts", name)
    csr_before = open(os.path.join(host_dir, "server.csr")).read()
    changed = run_converge(host, {"tls_dir": "/etc/docker/tls-check"}, playbook=str(playbook), options=["--check"])
    assert "hardened.docker.tls : Generate the server key and CSR on the host (the key never leaves it)" in changed
    assert "hardened.docker.tls : Create the TLS directory on the host" in changed
    assert not any("Sign the server certificate" in task or "Install the CA certificate" in task for task in changed)
    assert not host.file("/etc/docker/tls-check").exists
    assert open(os.path.join(host_dir, "server.csr")).read() == csr_before


def _files_named(top, name):
    return [os.path.join(d, n) for d, dirs, files in os.walk(top) for n in dirs + files if n == name]


def test_client_name_outside_the_client_directory_is_refused_before_anything_is_written(host):
    """tls_clients: [{name: ../../evil}] would put a CA-signed key and certificate in
    tls_client_dir/../../evil; the role refuses it at its very start, naming it."""
    # tls_client_dir/../../evil is the scenario's ephemeral directory/evil: look there and below.
    top = os.path.dirname(os.path.dirname(CLIENT_DIR))
    assert _files_named(top, "evil") == []
    rc, out = run_for_text(host, CONVERGE, {"tls_clients": [{"name": "../../evil"}]})
    assert rc != 0, out
    assert "tls_clients" in out and "../../evil" in out, out
    assert "Refuse unsafe client and host names" in out, out
    assert "changed=0" in out, out
    assert _files_named(top, "evil") == []


def test_every_unsafe_client_name_is_named(host):
    rc, out = run_for_text(host, CONVERGE, {"tls_clients": [
        {"name": "a/b", "user": "root"}, {"name": ".."}, {"name": ""}, {"user": "root"}, {"name": "fine.name"}]})
    assert rc != 0, out
    assert 'tls_clients: "a/b", "..", "", "" are not usable client names.' in out, out
    assert "changed=0" in out, out
    assert not os.path.exists(os.path.join(CLIENT_DIR, "a"))
    assert not os.path.exists(os.path.join(CLIENT_DIR, "fine.name"))
    assert not host.file("/root/.docker/b").exists
