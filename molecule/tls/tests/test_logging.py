"""Remote logging (CIS 2.13): the TLS host's containers log through the syslog driver to the rsyslog receiver
on hd-tls-client, and `docker logs` still shows what they printed (dual logging)."""

import json
import time
import uuid


def test_daemon_json_sends_container_logs_to_the_receiver(host, outsider):
    settings = json.loads(host.file("/etc/docker/daemon.json").content_string)
    receiver = outsider.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]
    assert settings["log-driver"] == "syslog"
    assert settings["log-opts"] == {"syslog-address": "tcp://%s:514" % receiver, "syslog-facility": "local3",
                                    "syslog-format": "rfc5424", "tag": "hardened-docker"}
    assert host.check_output("docker info --format '{{.LoggingDriver}}'") == "syslog"


def test_a_line_a_container_prints_arrives_at_the_receiver_and_docker_logs_shows_it(host, outsider):
    marker = "hd-remote-log-%s" % uuid.uuid4().hex
    host.check_output(
        "set -e; docker image inspect hd/busybox:log >/dev/null 2>&1 || { d=$(mktemp -d); mkdir -p $d/bin; "
        "cp /bin/busybox $d/bin/; tar -C $d -c . | docker import - hd/busybox:log >/dev/null; rm -rf $d; }")
    host.check_output("docker run -d --name hd-log-probe hd/busybox:log /bin/busybox echo %s", marker)
    try:
        received = ""
        for _attempt in range(20):
            received = outsider.run("grep -F %s /var/log/remote/docker.log", marker).stdout
            if received:
                break
            time.sleep(0.5)
        assert marker in received, outsider.run("tail -n 5 /var/log/remote/docker.log").stdout
        assert "hardened-docker" in received  # the tag
        # Dual logging: the local cache keeps `docker logs` working with a remote driver.
        assert host.check_output("docker logs hd-log-probe") == marker
    finally:
        host.run("docker rm -f hd-log-probe")
