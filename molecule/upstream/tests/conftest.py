"""The tests run on the Docker host; hd-up-repo only serves the stand-in repository and hd-up-refused is reached
through ``refused``."""

import hashlib
import os

import pytest
import testinfra

DOCKER_HOST = "hd-up-debian12"
REFUSED = "hd-up-refused"
ROOT = os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.getcwd())
FIRST = "5:27.3.1-1~debian.12~bookworm"
SECOND = "5:27.4.0-1~debian.12~bookworm"
CONTAINERD_FIRST = "1.7.24-1"
CONTAINERD_SECOND = "1.7.25-1"


@pytest.fixture(autouse=True)
def _docker_host_only(host):
    if host.backend.get_hostname() != DOCKER_HOST:
        pytest.skip("%s is not the converged Docker host" % host.backend.get_hostname())


@pytest.fixture(scope="session")
def refused():
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (REFUSED, os.environ["MOLECULE_INVENTORY_FILE"]))


@pytest.fixture(scope="session")
def harness_fingerprint():
    with open(os.path.join(ROOT, ".cache", "upstream-repo", "fingerprint")) as handle:
        return handle.read().strip()


def apt_state(host):
    """A hash of what a refused run must not change: packages, /etc/apt, the package lists."""
    out = host.check_output(
        "dpkg-query -W -f '${Package} ${Version} ${Status}\\n'; "
        "find /etc/apt /var/lib/apt/lists -xdev -type f -print0 | sort -z | xargs -0 sha256sum; "
        "ls -la --time-style=+%s /var/lib/apt/lists")
    return hashlib.sha256(out.encode()).hexdigest(), out
