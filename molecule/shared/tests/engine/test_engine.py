"""The engine role's result on a real test host."""

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position


def _systemd(host):
    return host.file("/run/systemd/system").is_directory


def test_package_installed(host):
    assert host.package("docker.io").is_installed


def test_what_dockerd_uses_is_installed_and_the_other_recommends_are_not(host):
    # engine_install_recommends is false by default: the few recommended
    # packages dockerd itself uses, none of git, perl, openssh-client, xauth.
    for name in ("apparmor", "ca-certificates", "xz-utils"):
        assert host.package(name).is_installed, name
    for name in ("git", "openssh-client", "xauth", "needrestart"):
        assert not host.package(name).is_installed, name
    # The docker command itself (a package of its own, docker-cli, from Debian 13 on).
    assert host.exists("docker")


def test_dockerd_runs(host):
    assert host.process.filter(comm="dockerd"), "no dockerd process"


def test_enabled_at_boot(host):
    if _systemd(host):
        for unit in ("docker.service", "docker.socket"):
            out = host.run("systemctl is-enabled %s", unit)
            assert out.stdout.strip() == "enabled", (unit, out.stdout, out.stderr)
    else:
        links = host.run("ls /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d").stdout
        assert len(re.findall(r"^S\d\ddocker$", links, re.M)) == 4, links


def test_started_by_service_manager(host):
    dockerd = host.process.get(comm="dockerd")
    if _systemd(host):
        main_pid = host.check_output("systemctl show -p MainPID --value docker.service")
        assert int(main_pid) == dockerd.pid
    else:
        # /etc/init.d/docker starts dockerd through start-stop-daemon with
        # this pid file: proof that `service docker start` started it.
        pidfile = host.file("/var/run/docker-ssd.pid")
        assert pidfile.exists
        assert int(pidfile.content_string.strip()) == dockerd.pid


def test_socket_mode(host):
    sock = host.file("/var/run/docker.sock")
    assert sock.is_socket
    assert sock.user == "root"
    assert sock.group == "docker"
    assert sock.mode == 0o660


def test_server_version(host):
    version = host.check_output("docker version --format '{{.Server.Version}}'")
    assert re.match(r"^\d+\.\d+", version), version


@pytest.fixture(scope="module")
def local_image(host):
    """An image imported on the host from its own busybox: no registry needed."""
    name = "hardened-docker-test/busybox:local"
    host.check_output(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/busybox; "
        "tar -C $d -c . | docker import - %s >/dev/null; rm -rf $d", name
    )
    return name


def test_container_runs(host, local_image):
    out = host.run("docker run --rm %s /bin/busybox echo hello-from-container", local_image)
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "hello-from-container"


def test_missing_docker_command_fails_at_once_and_a_run_puts_it_back(host, tmp_path):
    if not host.package("docker-cli").is_installed:
        pytest.skip("docker.io ships the docker command itself here (Debian 12)")
    playbook = tmp_path / "engine.yml"
    playbook.write_text("- hosts: all\n  gather_facts: false\n  roles:\n    - role: hardened.docker.engine\n")
    host.check_output("DEBIAN_FRONTEND=noninteractive apt-get remove -y -q docker-cli")
    try:
        # As on a distribution whose separate CLI package the role does not know.
        rc, out = run_for_text(host, str(playbook), {"_engine_cli_split": False})
        assert rc != 0, out
        assert "The docker command is missing although docker.io is installed" in out, out
        assert "add it to engine_extra_packages" in out, out
        assert "RETRYING" not in out, "waited for a command that cannot appear"
    finally:
        rc, out = run_for_text(host, str(playbook))
    assert rc == 0, out
    assert host.package("docker-cli").is_installed
    assert host.exists("docker")
