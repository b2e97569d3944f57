"""The remote API's allow-list (tls_allowed_networks) and the published-port policy (tls_published_networks) on the
TLS server.

This machine (the bridge's gateway) is allowed; hd-tls-client, a second test
host on the same bridge, is not. Each verdict is read twice: from the traffic
(a connection that completes, one that times out instead of being refused)
and from the kernel's own counter of the drop rule.
"""

import os
import re
import socket
import sys
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_tls import BUNDLE, client  # noqa: E402  pylint: disable=wrong-import-position

TABLE = "inet hardened_docker"


@pytest.fixture(scope="module")
def address(host):
    return host.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]


REMOTE_API = "not in the allowed networks"
PUBLISHED = "published port, not from the published networks"


def dropped(host, rule=REMOTE_API):
    listing = host.check_output("nft list table %s", TABLE)
    return int(re.search(r'counter packets (\d+) bytes \d+ drop comment "hardened.docker: %s"' % rule, listing).group(1))


def connect(outsider, address, port):
    """rc of a TCP connect from the outsider: 0 connected, 124 timed out (dropped), 1 refused."""
    return outsider.run("timeout 3 bash -c 'exec 3<>/dev/tcp/%s/%s'" % (address, port)).rc


def test_the_table_allows_the_gateway_for_2376_and_9323(host):
    gateway = host.check_output("ip -4 route show default").split()[2]
    listing = host.check_output("nft list table %s", TABLE)
    assert "tcp dport { 2376, 9323 } jump remote_api" in listing, listing
    assert re.search(r"elements = \{ %s \}" % re.escape(gateway), listing), listing
    assert host.file("/etc/hardened-docker/firewall.nft").mode == 0o600
    dropin = host.file("/etc/systemd/system/docker.service.d/hardened-docker-firewall.conf")
    assert dropin.contains("ExecStartPre=/usr/sbin/nft --file /etc/hardened-docker/firewall.nft")
    assert "nft --file" in host.check_output("systemctl show --property ExecStartPre docker.service")


def test_the_allowed_machine_completes_tls_and_scrapes_metrics(address):
    assert client(address, (os.path.join(BUNDLE, "cert.pem"), os.path.join(BUNDLE, "key.pem"))).version()["Version"]
    with urllib.request.urlopen("http://%s:9323/metrics" % address, timeout=10) as response:
        assert "engine_daemon_engine_info" in response.read().decode()


def test_the_outsider_is_dropped_on_2376_and_9323(host, outsider, address):
    # The outsider reaches the host: a closed port answers with a reset at once.
    assert connect(outsider, address, 2377) == 1
    before = dropped(host)
    assert connect(outsider, address, 2376) == 124
    assert connect(outsider, address, 9323) == 124
    assert dropped(host) > before
    # Loopback is always allowed.
    assert "engine_daemon_engine_info" in host.check_output(
        "python3 -c \"import urllib.request as u; print(u.urlopen('http://127.0.0.1:9323/metrics').read().decode())\"")


def test_a_daemon_restart_keeps_the_rules(host, outsider, address):
    pid = host.process.get(comm="dockerd").pid
    host.check_output("systemctl restart docker.service")
    host.check_output("for i in $(seq 30); do docker version >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1")
    assert host.process.get(comm="dockerd").pid != pid
    assert connect(outsider, address, 2376) == 124
    assert client(address, (os.path.join(BUNDLE, "cert.pem"), os.path.join(BUNDLE, "key.pem"))).version()["Version"]


@pytest.fixture
def published(host):
    """A busybox web server in a container on the TLS host, published on 8080 (serving the container's /etc)."""
    host.check_output(
        "set -e; docker image inspect hd/busybox:web >/dev/null 2>&1 || { d=$(mktemp -d); mkdir -p $d/bin; "
        "cp /bin/busybox $d/bin/; tar -C $d -c . | docker import - hd/busybox:web >/dev/null; rm -rf $d; }")
    host.check_output("docker run -d --name hd-published -p 8080:8080 hd/busybox:web "
                      "/bin/busybox httpd -f -p 8080 -h /etc")
    yield 8080
    host.run("docker rm -f hd-published")


def test_published_ports_only_from_the_published_networks(host, outsider, address, published):
    listing = host.check_output("nft list table %s", TABLE)
    assert "ct status dnat ct direction original jump published" in listing, listing
    # The allowed machine reaches the container through the published port.
    for _attempt in range(20):
        try:
            with urllib.request.urlopen("http://%s:%d/hostname" % (address, published), timeout=5) as response:
                assert response.status == 200
                break
        except (OSError, socket.timeout):
            continue
    else:
        pytest.fail("the published port did not answer the allowed machine")
    # A container reaching the host's published port comes from a Docker bridge: allowed. (The static busybox's
    # wget crashes without NSS in a bare image; nc speaks the HTTP request.)
    answer = host.check_output(
        "docker run --rm hd/busybox:web /bin/busybox sh -c %s",
        "printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 5 %s %d" % (address, published))
    assert answer.startswith("HTTP/1.1 200 OK"), answer
    # The outsider reaches the host (a closed port resets at once) but not the published port: dropped and counted.
    assert connect(outsider, address, 8081) == 1
    before = dropped(host, PUBLISHED)
    assert connect(outsider, address, published) == 124
    assert dropped(host, PUBLISHED) > before
