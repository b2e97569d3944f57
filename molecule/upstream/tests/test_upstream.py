"""engine_source: upstream from the stand-in of Docker's repository: key, deb822 source, pins, legacy files."""

import os
import subprocess
import sys

from conftest import (CONTAINERD_FIRST, DOCKER_PACKAGES, FIRST, REFUSED, SECOND, apt_state,
                      assert_upgrade_keeps_the_pins, installed_version)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

CONVERGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converge.yml")
# /usr/share/keyrings/debian-archive-bullseye-stable.gpg: Debian Stable Release Key (11/bullseye).
DEBIAN_11_RELEASE_KEY = "A4285295FC7B1A81600062A9605C66F00D6C9793"
CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "check.yml")


def _versions(host):
    return {name: installed_version(host, name) for name in DOCKER_PACKAGES}


def test_the_pinned_versions_are_installed_and_docker_io_is_not(host):
    assert _versions(host) == {"docker-ce": FIRST, "docker-ce-cli": FIRST, "containerd.io": CONTAINERD_FIRST}
    for name in ("docker.io", "containerd", "runc"):
        assert installed_version(host, name) is None, name


def test_dockerd_from_docker_ce_answers_under_dockers_unit(host):
    version = host.check_output("docker version --format '{{.Server.Version}}'")
    # The stand-in carries Debian bookworm's dockerd (see README "Tests"): the package says 27.3.1, dockerd 20.10.
    assert version.startswith("20.10."), version
    exec_start = host.check_output("systemctl show -p ExecStart --value docker.service")
    assert "path=/usr/bin/dockerd" in exec_start and "--containerd=/run/containerd/containerd.sock" in exec_start
    main_pid = int(host.check_output("systemctl show -p MainPID --value docker.service"))
    assert main_pid == host.process.get(comm="dockerd").pid
    assert host.check_output("systemctl is-active containerd.service") == "active"
    sock = host.file("/var/run/docker.sock")
    assert sock.is_socket and sock.group == "docker" and sock.mode == 0o660


def test_the_source_is_deb822_signed_by_the_checked_key(host, harness_fingerprint):
    sources = host.file("/etc/apt/sources.list.d/docker.sources")
    assert sources.mode == 0o644 and sources.user == "root"
    fields = dict(line.split(": ", 1) for line in sources.content_string.splitlines() if ": " in line)
    assert fields["Types"] == "deb"
    assert fields["URIs"].endswith(":8080/debian")
    assert fields["Suites"] == "bookworm" and fields["Components"] == "stable"
    assert fields["Architectures"] == "amd64"
    assert fields["Signed-By"] == "/etc/apt/keyrings/docker.asc"
    key = host.file("/etc/apt/keyrings/docker.asc")
    assert key.mode == 0o644 and key.user == "root"
    # The stored key is the harness's key, read by gpg on the machine (not by the role's own filter).
    served = os.path.join(os.environ.get("MOLECULE_PROJECT_DIRECTORY", "."), ".cache", "upstream-repo", "current",
                          "debian", "gpg")
    with open(served) as handle:
        assert key.content_string == handle.read()
    assert len(harness_fingerprint) == 40 and harness_fingerprint != "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"


def test_what_old_instructions_left_is_gone_and_apt_updates_cleanly(host):
    # prepare put a docker.list with Docker's real URL and trusted.gpg.d/docker.gpg on this host.
    assert not host.file("/etc/apt/sources.list.d/docker.list").exists
    assert host.run("ls /etc/apt/trusted.gpg.d/ | grep -i docker").stdout == ""
    update = host.run("apt-get update")
    assert update.rc == 0, update.stderr
    # No second source of the same repository, no unreachable download.docker.com, no unsigned repository.
    assert "W:" not in update.stderr and "E:" not in update.stderr, update.stderr
    assert "download.docker.com" not in update.stdout


def test_only_dockers_key_left_the_apt_key_keyring(host, harness_fingerprint, tmp_path):
    # prepare imported the repository key and Debian 11's release key into /etc/apt/trusted.gpg, as apt-key did.
    keyring = tmp_path / "trusted.gpg"
    keyring.write_bytes(host.file("/etc/apt/trusted.gpg").content)
    (tmp_path / "gnupg").mkdir(mode=0o700)
    # Read by gpg on the machine, not by the role's own code.
    listing = subprocess.run(
        ["gpg", "--batch", "--no-default-keyring", "--keyring", str(keyring), "--with-colons", "--list-keys"],
        env=dict(os.environ, GNUPGHOME=str(tmp_path / "gnupg")), check=True, stdout=subprocess.PIPE,
        universal_newlines=True).stdout.splitlines()
    fprs = [listing[i + 1].split(":")[9] for i, line in enumerate(listing) if line.startswith("pub:")]
    assert fprs == [DEBIAN_11_RELEASE_KEY], listing
    assert harness_fingerprint not in fprs
    assert host.file("/etc/apt/trusted.gpg").mode == 0o644


def test_the_cli_plugins_of_engine_components_answer(host):
    # The stand-in's plugins are placeholders that only print their version (README "Tests"), unpinned: the newest.
    assert installed_version(host, "docker-buildx-plugin") == "0.19.3-1~debian.12~bookworm"
    assert installed_version(host, "docker-compose-plugin") == "2.32.1-1~debian.12~bookworm"
    assert host.check_output("docker compose version").startswith("Docker Compose version v2.32.1")
    assert host.check_output("docker buildx version").startswith("github.com/docker/buildx v0.19.3")


def test_the_pins_are_in_apt_preferences(host):
    prefs = host.file("/etc/apt/preferences.d/docker")
    assert prefs.mode == 0o644
    stanzas = [dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith("#"))
               for block in prefs.content_string.split("\n\n")]
    stanzas = [s for s in stanzas if s]
    assert {s["Package"]: s["Pin"] for s in stanzas} == {
        "docker-ce": "version " + FIRST, "docker-ce-cli": "version " + FIRST, "containerd.io": "version " + CONTAINERD_FIRST}
    assert {s["Pin-Priority"] for s in stanzas} == {"1001"}


def test_apt_get_upgrade_keeps_the_pinned_versions(host):
    assert_upgrade_keeps_the_pins(host, FIRST, SECOND)


def test_a_wrong_key_is_refused_before_anything_changes(host, refused, harness_fingerprint):
    before, listing = apt_state(refused)
    assert "docker" not in listing.split("/etc/apt")[0], "hd-up-refused should have no Docker package"
    wrong = "0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567"
    rc, text = run_for_text(refused, CONVERGE, {"hd_up_converge": REFUSED, "engine_upstream_key_fingerprint": wrong})
    assert rc != 0, text
    assert "engine_upstream_key_fingerprint expects 0123456789ABCDEF0123456789ABCDEF01234567" in text, text
    assert "has the fingerprint %s" % harness_fingerprint in text, text
    assert apt_state(refused)[0] == before
    for path in ("/etc/apt/keyrings/docker.asc", "/etc/apt/sources.list.d/docker.sources", "/etc/apt/preferences.d/docker"):
        assert not refused.file(path).exists, path
    # The same host with the right key is not refused at the key (here the run is stopped by --check's limits
    # only after the check passed): the refusal above was the fingerprint's, not the host's.
    rc, text = run_for_text(refused, CONVERGE, {"hd_up_converge": REFUSED}, options=["--check"])
    assert "Refuse a signing key that is not engine_upstream_key_fingerprint" in text, text
    assert "engine_upstream_key_fingerprint expects" not in text, text
    assert apt_state(refused)[0] == before


def test_the_check_entry_point_refuses_a_wrong_key_too(host, refused, harness_fingerprint):
    before = apt_state(refused)[0]
    wrong = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"  # Docker's real key: not the stand-in's
    rc, text = run_for_text(refused, CHECK, {"hd_up_converge": REFUSED, "engine_upstream_key_fingerprint": wrong})
    assert rc != 0, text
    assert "has the fingerprint %s, but engine_upstream_key_fingerprint expects %s" % (harness_fingerprint, wrong) in text
    rc, text = run_for_text(refused, CHECK, {"hd_up_converge": REFUSED})
    assert rc == 0, text
    assert apt_state(refused)[0] == before


def test_components_from_debian_12_itself_are_refused_before_anything_changes(host, refused):
    before = apt_state(refused)[0]
    rc, text = run_for_text(refused, CHECK, {"hd_up_converge": REFUSED, "engine_source": "distro", "engine_version": ""})
    assert rc != 0, text
    assert "engine_components buildx, compose cannot come from engine_source=distro on Debian 12" in text, text
    assert apt_state(refused)[0] == before
