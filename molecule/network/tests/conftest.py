"""The tests run on each Docker host; hd-net-server (tinyproxy, docker-registry) is reached through ``server``."""

import os

import pytest
import testinfra

SERVER = "hd-net-server"


@pytest.fixture(autouse=True)
def _docker_hosts_only(host):
    if host.backend.get_hostname() == SERVER:
        pytest.skip("hd-net-server only serves (the proxy and the registry)")


@pytest.fixture(scope="session")
def server():
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (SERVER, os.environ["MOLECULE_INVENTORY_FILE"]))


@pytest.fixture(scope="session")
def server_ip(server):
    return server.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]


@pytest.fixture(scope="session")
def registry(server_ip):
    return "%s:5000" % server_ip
