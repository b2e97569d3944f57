"""dockerd behind a real proxy (tinyproxy on hd-net-server): each Engine gets it its own way, pulls go through it
(its log shows the CONNECT), fail while it is down, and NO_PROXY holds the host's TLS names and the internal
registry. Registry trust: the CA in certs.d (CIS 3.7/3.8), a pull without any insecure setting, and a pull that
fails without the CA."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tests"))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

CONVERGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "converge.yml")
REPORTS = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports")
DROPIN = "/etc/systemd/system/docker.service.d/http-proxy.conf"
IMAGE = "hd/tiny:1"


def _name(host):
    return host.backend.get_hostname()


def _info(host):
    return json.loads(host.check_output("docker info --format '{{json .}}'"))


def _daemon_json(host):
    return json.loads(host.file("/etc/docker/daemon.json").content_string)


def _own_address(host):
    return host.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]


def _proxy_log(server):
    return server.run("cat /var/log/tinyproxy/tinyproxy.log").stdout


def test_each_engine_gets_the_proxy_its_own_way(host, server_ip):
    proxy = "http://%s:8888" % server_ip
    name = _name(host)
    settings = _daemon_json(host)
    if name == "hd-net-debian13":
        # Engine 26.1: daemon.json, no drop-in.
        assert settings["proxies"]["http-proxy"] == proxy and settings["proxies"]["https-proxy"] == proxy
        assert not host.file(DROPIN).exists
    elif name == "hd-net-debian12":
        # Engine 20.10 with systemd: the drop-in, root 0640.
        assert "proxies" not in settings
        dropin = host.file(DROPIN)
        assert (dropin.user, dropin.group, dropin.mode) == ("root", "root", 0o640)
        assert 'Environment="HTTPS_PROXY=%s"' % proxy in dropin.content_string
        shown = host.check_output("systemctl show -p Environment docker.service")
        assert "HTTP_PROXY=%s" % proxy in shown
    else:
        # Engine 20.10 without systemd: the block the init script sources.
        assert "proxies" not in settings
        env = host.file("/etc/default/docker").content_string
        assert "# BEGIN hardened.docker.daemon: proxy" in env
        assert "export HTTPS_PROXY=%s" % proxy in env
    info = _info(host)
    assert info["HttpProxy"] == proxy and info["HttpsProxy"] == proxy


def test_no_proxy_holds_the_tls_names_and_the_internal_registry(host):
    no_proxy = _info(host)["NoProxy"].split(",")
    # The names the server certificate (and so TLS clients) use, the operator's entry, the internal registry.
    for entry in (host.check_output("hostname"), _own_address(host), "localhost", "127.0.0.1", ".internal.example",
                  "registry.internal.example:5443", "registry.internal.example"):
        assert entry in no_proxy, no_proxy


def test_the_registry_ca_is_installed_with_cis_modes(host, registry, server):
    ca = host.file("/etc/docker/certs.d/%s/ca.crt" % registry)
    assert (ca.user, ca.group, ca.mode) == ("root", "root", 0o444)
    assert ca.content_string.strip() == server.file("/etc/docker/registry/ca.pem").content_string.strip()
    settings = _daemon_json(host)
    assert "insecure-registries" not in settings


def test_a_pull_goes_through_the_proxy(host, registry, server):
    host.run("docker rmi -f %s/%s", registry, IMAGE)
    before = len(_proxy_log(server))
    host.check_output("docker pull %s/%s", registry, IMAGE)
    # The hardened default-ulimits (nofile 65536) cannot be raised on this machine: the container asks for its hard
    # limit (see test_harden.py).
    hard = host.check_output("sh -c 'ulimit -Hn'")
    nofile = "nofile=1024:%s" % (hard if hard != "unlimited" and int(hard) < 65536 else 65536)
    assert host.check_output("docker run --rm --ulimit %s %s/%s echo pulled-through-the-proxy", nofile, registry,
                             IMAGE) == "pulled-through-the-proxy"
    new = _proxy_log(server)[before:]
    # tinyproxy logs the client's address and the CONNECT to the registry.
    assert _own_address(host) in new, new
    assert "CONNECT %s" % registry in new, new


def test_the_pull_fails_while_the_proxy_is_down(host, registry, server):
    host.run("docker rmi -f %s/%s", registry, IMAGE)
    server.check_output("/usr/local/sbin/hd-proxy stop")
    try:
        pulled = host.run("docker pull %s/%s", registry, IMAGE)
        assert pulled.rc != 0
        assert "proxyconnect" in pulled.stderr or "connection refused" in pulled.stderr, pulled.stderr
    finally:
        server.check_output("/usr/local/sbin/hd-proxy start")
        for _attempt in range(20):
            if server.run("bash -c 'exec 3<>/dev/tcp/127.0.0.1/8888'").rc == 0:
                break
            time.sleep(0.5)
    host.check_output("docker pull %s/%s", registry, IMAGE)


def test_the_pull_fails_without_the_registry_ca(host, registry):
    ca = "/etc/docker/certs.d/%s/ca.crt" % registry
    host.run("docker rmi -f %s/%s", registry, IMAGE)
    host.check_output("mv %s %s.away", ca, ca)
    try:
        pulled = host.run("docker pull %s/%s", registry, IMAGE)
        assert pulled.rc != 0
        assert "x509" in pulled.stderr or "certificate" in pulled.stderr, pulled.stderr
    finally:
        host.check_output("mv %s.away %s", ca, ca)
    host.check_output("docker pull %s/%s", registry, IMAGE)


def test_the_report_shows_proxy_registries_and_logging(host, registry, server_ip):
    report = json.load(open(os.path.join(REPORTS, "%s.json" % _name(host)), encoding="utf-8"))
    network = report["network"]
    assert network["proxy"]["https"] == "http://%s:8888" % server_ip
    assert ".internal.example" in network["proxy"]["no_proxy"]
    trusted = {entry["address"]: entry for entry in network["registries"]}
    assert set(trusted) == {registry, "registry.internal.example:5443"}
    # The CA the module issued is valid for ten years by default: the report counts its days from the file itself.
    days = int(host.check_output(
        "python3 -c 'import ssl,time; print(int((ssl.cert_time_to_seconds(ssl._ssl._test_decode_cert(\"%s\")"
        "[\"notAfter\"]) - time.time()) // 86400))'", "/etc/docker/certs.d/%s/ca.crt" % registry))
    assert trusted[registry]["ca_days_left"] == days and days > 300
    assert network["log_driver"] == _info(host)["LoggingDriver"]


def test_insecure_registries_and_a_bad_proxy_are_refused_before_any_change(host):
    if _name(host) != "hd-net-debian12":
        return
    before = host.check_output("sha256sum /etc/docker/daemon.json %s", DROPIN)
    pid = host.check_output("pidof dockerd")
    rc, out = run_for_text(host, CONVERGE, {"daemon_insecure_registries": ["old.internal.example:5000"]})
    assert rc != 0
    assert "Nothing was changed on any host" in out
    assert 'insecure-registries "old.internal.example:5000"' in out and "daemon_allow_insecure_registries" in out
    rc, out = run_for_text(host, CONVERGE, {"daemon_http_proxy": "proxy.internal.example:3128",
                                            "daemon_no_proxy": ["a b"]})
    assert rc != 0
    assert ('daemon_http_proxy "proxy.internal.example:3128" is not a proxy URL: write http://HOST:PORT (or https://, '
            'socks5://), e.g. http://proxy.example.com:3128') in out
    assert 'daemon_no_proxy "a b"' in out
    rc, out = run_for_text(host, CONVERGE, {"registries_trusted": [{"address": "https://reg.example/v2", "ca": "x"}]})
    assert rc != 0
    assert 'registries_trusted[0].address "https://reg.example/v2" is not HOST or HOST:PORT' in out
    assert "holds no PEM certificate" in out
    assert host.check_output("sha256sum /etc/docker/daemon.json %s", DROPIN) == before
    assert host.check_output("pidof dockerd") == pid


def test_removing_the_proxy_removes_it_with_one_restart(host, registry):
    """Last: the hosts are left without a proxy."""
    name = _name(host)
    pid = host.check_output("pidof dockerd")
    rc, out = run_for_text(host, CONVERGE, {"daemon_http_proxy": "", "daemon_https_proxy": ""})
    assert rc == 0, out[-3000:]
    assert "dockerd's proxy changed" in out or name == "hd-net-debian13"
    info = _info(host)
    assert (info["HttpProxy"], info["HttpsProxy"]) == ("", "")
    assert host.check_output("pidof dockerd") != pid
    if name == "hd-net-debian12":
        assert not host.file(DROPIN).exists
    elif name == "hd-net-sysvinit":
        assert "hardened.docker.daemon: proxy" not in host.file("/etc/default/docker").content_string
    else:
        assert "proxies" not in _daemon_json(host)
    # Without the proxy the registry is reached directly, still verified by its CA.
    host.run("docker rmi -f %s/%s", registry, IMAGE)
    host.check_output("docker pull %s/%s", registry, IMAGE)
