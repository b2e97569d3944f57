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
DOCKER_PACKAGES = ("docker-ce", "docker-ce-cli", "containerd.io")


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


def installed_version(host, package):
    out = host.run("dpkg-query -W -f '${Status} ${Version}' %s", package)
    return out.stdout.split()[-1] if out.rc == 0 and out.stdout.startswith("install ok installed") else None


def assert_upgrade_keeps_the_pins(host, first, second):
    """The second versions are in the lists and newer, yet apt's candidate stays the pin, `apt-get -s upgrade`
    installs nothing of Docker's and `apt-get install --only-upgrade` leaves the versions."""
    host.check_output("apt-get update -q")
    policy = host.check_output("apt-cache policy docker-ce containerd.io")
    assert second in policy and CONTAINERD_SECOND in policy, policy
    assert host.check_output("apt-cache policy docker-ce | awk '/Candidate:/ {print $2}'") == first
    assert host.check_output("apt-cache policy containerd.io | awk '/Candidate:/ {print $2}'") == CONTAINERD_FIRST
    simulated = host.check_output("apt-get -s -o Debug::NoLocking=1 upgrade")
    for name in DOCKER_PACKAGES:
        assert "Inst %s " % name not in simulated, simulated
    upgrade = host.run("DEBIAN_FRONTEND=noninteractive apt-get -y install --only-upgrade %s %s %s", *DOCKER_PACKAGES)
    assert upgrade.rc == 0, upgrade.stderr
    assert {name: installed_version(host, name) for name in DOCKER_PACKAGES} == {
        "docker-ce": first, "docker-ce-cli": first, "containerd.io": CONTAINERD_FIRST}
