"""The prune role (converged with prune_enabled, prune_keep_labels [keep]):
the schedule is installed, and one run of it removes an old dangling image
while it keeps a labelled one, a recent one and a volume.

Images cannot be pulled here, so they are made on the host: a docker-archive
with one small layer and a chosen creation time, loaded twice under one tag so
that the first load becomes dangling.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from playbook_helper import run_for_text  # noqa: E402  pylint: disable=wrong-import-position

SCRIPT = "/usr/local/sbin/hardened-docker-prune"
LAST_RUN = "/var/lib/hardened-docker/prune-last.json"
PLAYBOOK = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "apply-prune.yml")

MAKE_IMAGE = r"""
import hashlib, io, json, sys, tarfile
out, marker, created, label = sys.argv[1:5]
def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as layer_tar:
    add(layer_tar, "marker", marker.encode() + b"\n")
layer = buf.getvalue()
labels = dict([label.split("=", 1)]) if label != "-" else {}
config = json.dumps({"architecture": "amd64", "os": "linux", "created": created, "config": {"Labels": labels},
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
                     "history": [{"created": created}]}).encode()
name = hashlib.sha256(config).hexdigest()
manifest = json.dumps([{"Config": name + ".json", "RepoTags": ["hd/prune:tag"], "Layers": ["layer.tar"]}]).encode()
with tarfile.open(out, "w") as tar:
    add(tar, name + ".json", config)
    add(tar, "layer.tar", layer)
    add(tar, "manifest.json", manifest)
print("sha256:" + name)
"""


def _systemd(host):
    return host.file("/run/systemd/system").is_directory


def _dangling(host, marker, created, label="-"):
    """Load an image under hd/prune:tag, then load another over it: the first is left dangling. Its ID."""
    tar = "/tmp/hd-prune-%s.tar" % marker
    image = host.check_output("python3 -c %s %s %s %s %s", MAKE_IMAGE, tar, marker, created, label)
    host.check_output("docker load --input %s >/dev/null", tar)
    host.check_output("python3 -c %s %s %s %s - >/dev/null", MAKE_IMAGE, tar, "over-" + marker, created)
    host.check_output("docker load --input %s >/dev/null && rm -f %s", tar, tar)
    assert host.check_output("docker image inspect --format '{{.RepoTags}}' %s", image) == "[]"
    return image


def _exists(host, image):
    return host.run("docker image inspect %s", image).rc == 0


def test_the_schedule_is_installed(host):
    script = host.file(SCRIPT)
    assert script.user == "root" and script.mode == 0o750
    assert "--filter 'until=240h'" in script.content_string and "--filter 'label!=keep'" in script.content_string
    assert "volume prune" not in script.content_string
    if _systemd(host):
        assert host.check_output("systemctl is-enabled hardened-docker-prune.timer") == "enabled"
        assert host.check_output("systemctl is-active hardened-docker-prune.timer") == "active"
        assert host.check_output("systemctl show -p TimersCalendar --value hardened-docker-prune.timer").find(
            "03:30:00") >= 0
    else:
        assert "30 3 * * * root %s" % SCRIPT in host.file("/etc/cron.d/hardened-docker-prune").content_string
        assert host.process.filter(comm="cron"), "cron does not run"


def test_one_run_removes_only_what_is_old_dangling_and_unlabelled(host):
    old = _dangling(host, "old", "2020-01-01T00:00:00Z")
    kept = _dangling(host, "kept", "2020-01-01T00:00:00Z", "keep=yes")
    recent = _dangling(host, "recent", host.check_output("date -u +%Y-%m-%dT%H:%M:%SZ"))
    host.check_output("docker volume create hd-prune-volume >/dev/null")
    if _systemd(host):
        host.check_output("systemctl start hardened-docker-prune.service")
    else:
        host.check_output(SCRIPT)
    assert not _exists(host, old), "the old dangling image is still there"
    assert _exists(host, kept), "the labelled image was pruned"
    assert _exists(host, recent), "an image younger than prune_until was pruned"
    assert host.run("docker volume inspect hd-prune-volume").rc == 0, "a volume was pruned"
    last = json.loads(host.file(LAST_RUN).content_string)
    assert last["rc"] == 0 and last["started"] <= last["finished"], last


@pytest.mark.parametrize("bad,named", [
    ({"prune_until": "ten days"}, "prune_until a Go duration"),
    ({"prune_time": "25:00"}, "got 25:00"),
    ({"prune_keep_labels": ["ok", "x;rm -rf /"]}, '["x;rm -rf /"]'),
])
def test_bad_settings_are_refused_before_anything_changes(host, bad, named):
    before = host.file(SCRIPT).sha256sum
    rc, out = run_for_text(host, PLAYBOOK, bad)
    assert rc != 0 and "Bad prune settings, nothing was changed" in out and named in out, out[-2000:]
    assert host.file(SCRIPT).sha256sum == before
