"""The execution environment itself, and what its run left on the host.

The image is the one prepare built (its name is in the ephemeral directory);
converge ran hardened.docker.harden_docker inside it and Molecule's idempotence
step ran it again with nothing to change. test_harden.py (the harden scenario's
tests) judges every CIS item on the host; these tests check the image and the
parts of the run that only a working EE gives: a compliant report, and the
client bundle it issued on its side opening the daemon's TLS socket.
"""

import json
import os
import subprocess

import pytest
import yaml

EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
PROJECT = os.environ["MOLECULE_PROJECT_DIRECTORY"]
COLLECTIONS = "/usr/share/ansible/collections/ansible_collections"


@pytest.fixture(scope="module")
def image():
    with open(os.path.join(EPHEMERAL, "ee-image")) as handle:
        return handle.read().strip()


def in_ee(image, *argv, options=()):
    """Run a command in a fresh container of the EE image; return its stdout."""
    proc = subprocess.run(["docker", "run", "--rm"] + list(options) + [image] + list(argv),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _project_yaml(name):
    with open(os.path.join(PROJECT, name)) as handle:
        return yaml.safe_load(handle)


def test_the_image_holds_the_collection_and_its_dependencies(image):
    listed = json.loads(in_ee(image, "ansible-galaxy", "collection", "list", "--format", "json"))
    installed = listed[COLLECTIONS]
    galaxy = _project_yaml("galaxy.yml")
    assert installed["hardened.docker"]["version"] == galaxy["version"]
    for dependency in galaxy["dependencies"]:
        assert dependency in installed, dependency
    # The copy in the image is this checkout's: its README and playbook are the same files.
    for path in ("README.md", "playbooks/harden-docker.yml"):
        with open(os.path.join(PROJECT, path)) as handle:
            assert in_ee(image, "cat", "%s/hardened/docker/%s" % (COLLECTIONS, path)) == handle.read(), path


def test_the_image_has_what_the_collections_metadata_asks_for(image):
    """ansible-builder merged meta/execution-environment.yml of each collection into the image."""
    meta = _project_yaml("meta/execution-environment.yml")
    assert meta["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    out = in_ee(image, "python3", "-c",
                "import cryptography, docker, requests, ansible_runner; print(cryptography.__version__)")
    major, minor = (int(part) for part in out.strip().split(".")[:2])
    assert (major, minor) >= (3, 3)  # meta/ee-requirements.txt
    assert in_ee(image, "sh", "-c", "command -v ssh").strip()  # meta/ee-bindep.txt
    versions = in_ee(image, "sh", "-c", "ansible --version | head -n1; ansible-runner --version")
    definition = _project_yaml("execution-environment.yml")["dependencies"]
    core = definition["ansible_core"]["package_pip"].split("==")[1]
    runner = definition["ansible_runner"]["package_pip"].split("==")[1]
    assert "[core %s]" % core in versions
    assert versions.splitlines()[-1].strip() == runner


def test_the_image_runs_as_an_unprivileged_user_by_default(image):
    config = json.loads(subprocess.check_output(["docker", "image", "inspect", "--format", "{{json .Config}}", image]))
    assert config["User"] == "1000"
    assert config["Labels"]["ansible-execution-environment"] == "true"
    assert in_ee(image, "id", "-u").strip() == "1000"


def test_the_report_says_compliant(host):
    with open(os.path.join(EPHEMERAL, "reports", host.backend.get_hostname() + ".json")) as handle:
        report = json.load(handle)
    assert report["compliant"] is True, [i for i in report["items"] if i["status"] in ("fail", "error")]
    with open(os.path.join(EPHEMERAL, "reports", "fleet.json")) as handle:
        fleet = json.load(handle)
    assert host.backend.get_hostname() in json.dumps(fleet)


NO_CLIENT_CERT = """
import os, docker
path = os.environ["DOCKER_CERT_PATH"]
tls = docker.tls.TLSConfig(ca_cert=os.path.join(path, "ca.pem"), verify=True)
docker.DockerClient(base_url=os.environ["DOCKER_HOST"], tls=tls, timeout=10).version()
"""


def test_the_client_bundle_from_the_ee_opens_the_tls_socket(host, image):
    """The bundle the run issued in the EE, used from the EE as its env file says (DOCKER_HOST on 2376)."""
    env_file = os.path.join(EPHEMERAL, "tls", "clients", "admin", host.backend.get_hostname() + ".env")
    with open(env_file) as handle:
        assert ":2376\n" in handle.read()
    options = ("-v", "%s:%s:ro" % (EPHEMERAL, EPHEMERAL), "--user", "%d:0" % os.getuid())
    script = ". %s && python3 -c 'import docker; print(docker.from_env(timeout=10).version()[\"Version\"])'"
    version = in_ee(image, "sh", "-c", script % env_file, options=options).strip()
    assert version == host.check_output("docker version --format '{{.Server.Version}}'")
    # The same address with the CA but without the client certificate: the daemon refuses the handshake.
    refused = subprocess.run(["docker", "run", "--rm"] + list(options) + [image, "sh", "-c", '. %s && python3 -c "$0"'
                                                                          % env_file, NO_CLIENT_CERT],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert refused.returncode != 0
    assert "SSL" in refused.stdout, refused.stdout[-2000:]
