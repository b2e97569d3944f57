"""Every test runs against the TLS server; hd-tls-client is only a source of traffic the allow-list drops."""

import os

import pytest
import testinfra

CLIENT = "hd-tls-client"


@pytest.fixture(autouse=True)
def _no_system_ca_bundle(monkeypatch):
    # This machine's environment points requests at the system CA bundle,
    # which would replace the client's own CA.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.fixture(autouse=True)
def _server_only(host):
    if host.backend.get_hostname() == CLIENT:
        pytest.skip("hd-tls-client only sends traffic (test_firewall.py drives it)")


@pytest.fixture(scope="session")
def outsider():
    """The second test host, which tls_allowed_networks does not allow."""
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (CLIENT, os.environ["MOLECULE_INVENTORY_FILE"]))
