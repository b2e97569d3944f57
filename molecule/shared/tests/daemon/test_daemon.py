"""The daemon role's result: daemon.json, the drop-in, listeners, docker info."""

import json

import pytest

DROPIN = "/etc/systemd/system/docker.service.d/hardened-docker-hosts.conf"
EXPECTED = {
    "data-root": "/srv/docker-data/engine",
    "hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"],
    "log-driver": "json-file",
    "log-opts": {"max-file": "3", "max-size": "10m"},
    "metrics-addr": "127.0.0.1:9323",
    "storage-driver": "overlay2",
}


def _systemd(host):
    return host.file("/run/systemd/system").is_directory


def test_daemon_json_content_and_mode(host):
    conf = host.file("/etc/docker/daemon.json")
    assert conf.user == "root" and conf.group == "root"
    assert conf.mode == 0o644
    text = conf.content_string
    assert json.loads(text) == EXPECTED
    # Stable rendering: keys sorted.
    assert list(json.loads(text)) == sorted(EXPECTED)
    etc = host.file("/etc/docker")
    assert etc.user == "root" and etc.mode == 0o755


def test_dropin_removes_host_flag(host):
    if not _systemd(host):
        assert not host.file(DROPIN).exists
        return
    dropin = host.file(DROPIN)
    assert dropin.exists
    lines = [line for line in dropin.content_string.splitlines() if line.startswith("ExecStart=")]
    assert lines[0] == "ExecStart="
    assert "-H" not in lines[1] and "--host" not in lines[1]
    assert "--containerd=/run/containerd/containerd.sock" in lines[1]
    assert "$DOCKER_OPTS" in lines[1]
    # systemd really uses it.
    exec_start = host.check_output("systemctl show -p ExecStart --value docker.service")
    assert "fd://" not in exec_start


def test_listeners(host):
    assert host.socket("unix:///var/run/docker.sock").is_listening
    assert host.socket("tcp://127.0.0.1:2375").is_listening
    assert not host.socket("tcp://0.0.0.0:2375").is_listening
    assert host.socket("tcp://127.0.0.1:9323").is_listening
    assert not host.socket("tcp://0.0.0.0:9323").is_listening


def test_prometheus_metrics_on_loopback(host):
    metrics = host.check_output(
        "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9323/metrics', "
        "timeout=10).read().decode())\"")
    info = [line for line in metrics.splitlines() if line.startswith("engine_daemon_engine_info{")]
    assert info, metrics[:2000]
    version = host.check_output("docker version --format '{{.Server.Version}}'")
    assert 'version="%s"' % version in info[0], info[0]


@pytest.mark.parametrize("endpoint", ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"])
def test_cli_through_each_listener(host, endpoint):
    out = host.check_output("docker -H %s info --format '{{.DockerRootDir}} {{.Driver}}'", endpoint)
    assert out == "/srv/docker-data/engine overlay2"


def test_docker_info_log_config(host):
    assert host.check_output("docker info --format '{{.LoggingDriver}}'") == "json-file"


def test_container_logs_rotated_by_default(host):
    host.check_output(
        "set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/; "
        "tar -C $d -c . | docker import - hd/busybox:local >/dev/null; rm -rf $d"
    )
    cid = host.check_output("docker create hd/busybox:local /bin/busybox true")
    try:
        log_config = json.loads(host.check_output("docker inspect --format '{{json .HostConfig.LogConfig}}' %s", cid))
        assert log_config == {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}}
    finally:
        host.run("docker rm -f %s", cid)


def test_daemon_facts_reported(host):
    facts = json.loads(host.file("/root/daemon_facts.json").content_string)
    assert facts["data_root"] == "/srv/docker-data/engine"
    assert facts["storage_driver"] == "overlay2"
    assert facts["logging_driver"] == "json-file"
    assert facts["server_version"]
    assert "tcp://127.0.0.1:2375" in facts["listeners"]
