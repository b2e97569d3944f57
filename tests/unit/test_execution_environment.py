"""The execution-environment definition, the collection's EE metadata, and the harness's build definition.

The image itself is built and used by the ee Molecule scenario; these tests check the
files against each other and make the harness's collection tarballs for real (an
``ansible-galaxy collection build`` of this checkout, the venv's bundled copies) and
install them offline, as the EE build does.
"""

import contextlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import sysconfig
import tarfile

import pytest
import yaml
from packaging.requirements import Requirement

from ansible_collections.hardened.docker.plugins.modules import tls_certificate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GALAXY = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")


def _yaml(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return yaml.safe_load(handle)


def _lines(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def definition():
    return _yaml("execution-environment.yml")


def test_the_definition_pins_the_tested_ansible_core(definition):
    pinned = [line for line in _lines("requirements.txt") if line.startswith("ansible-core==")]
    assert [definition["dependencies"]["ansible_core"]["package_pip"]] == pinned
    assert definition["version"] == 3
    assert Requirement(definition["dependencies"]["ansible_runner"]["package_pip"]).specifier


def test_the_definition_takes_the_collection_from_galaxy(definition):
    galaxy = _yaml("galaxy.yml")
    names = [c["name"] for c in definition["dependencies"]["galaxy"]["collections"]]
    # The dependencies come with it (galaxy.yml), not from a second list that could drift.
    assert names == ["%(namespace)s.%(name)s" % galaxy]


def test_the_collection_declares_its_controller_requirements():
    meta = _yaml("meta", "execution-environment.yml")
    assert meta["version"] == 1
    for path in meta["dependencies"].values():
        assert os.path.isfile(os.path.join(ROOT, path)), path
    requirements = {Requirement(line).name: Requirement(line) for line in _lines(meta["dependencies"]["python"])}
    # tls_certificate documents the same floor.
    documented = yaml.safe_load(tls_certificate.DOCUMENTATION)["requirements"]
    assert "cryptography %s" % str(requirements["cryptography"].specifier).replace(">=", ">= ") in documented
    bindep = _lines(meta["dependencies"]["system"])
    assert {line.split("[")[1].rstrip("]") for line in bindep} == {"platform:dpkg", "platform:rpm"}


def _context_module():
    spec = importlib.util.spec_from_file_location("hd_ee_context", os.path.join(ROOT, "tests", "harness", "ee",
                                                                                "context.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def harness_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("ee-context")
    subprocess.run([GALAXY, "collection", "build", "--output-path", str(out), ROOT], check=True,
                   stdout=subprocess.DEVNULL)
    tarball = next(str(p) for p in out.iterdir() if p.name.startswith("hardened-docker-"))
    ca = out / "ca.crt"
    ca.write_text("a CA bundle\n")
    site_packages = sysconfig.get_paths()["purelib"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        _context_module().main(ROOT, str(out), "hd-ee-test/base:1", tarball, site_packages, str(ca))
    with open(out / "execution-environment.yml") as handle:
        return out, yaml.safe_load(handle), printed.getvalue().split(), site_packages


def test_the_harness_definition_swaps_only_what_this_machine_lacks(definition, harness_build):
    out, build, _printed, _site = harness_build
    assert build["images"] == {"base_image": {"name": "hd-ee-test/base:1"}}
    kept = {k: v for k, v in definition["dependencies"].items() if k not in ("galaxy", "python_interpreter")}
    assert {k: v for k, v in build["dependencies"].items() if k != "galaxy"} == kept
    assert build["build_arg_defaults"]["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"] == "--offline"
    assert build["additional_build_steps"]["prepend_base"] == [
        "COPY _build/harness/ca-certificates.crt /etc/ssl/certs/hd-ee-harness-ca.crt",
        "ENV PIP_CERT=/etc/ssl/certs/hd-ee-harness-ca.crt",
    ]
    assert (out / "harness" / "ca-certificates.crt").read_text() == "a CA bundle\n"
    for entry in build["dependencies"]["galaxy"]["collections"]:
        assert entry["type"] == "file" and (out / entry["name"]).is_file()


def test_the_harness_tarballs_install_offline(harness_build, tmp_path):
    out, build, printed, site_packages = harness_build
    files = [str(out / entry["name"]) for entry in build["dependencies"]["galaxy"]["collections"]]
    # --force: the venv's own copies would otherwise count as installed already.
    proc = subprocess.run([GALAXY, "collection", "install", "--offline", "--force", "-p", str(tmp_path)] + files,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    installed = {}
    for manifest in (tmp_path / "ansible_collections").glob("*/*/MANIFEST.json"):
        info = json.loads(manifest.read_text())["collection_info"]
        installed["%(namespace)s.%(name)s" % info] = info["version"]
    # One "name version" pair per collection, then the hash.
    assert dict(zip(printed[:-1:2], printed[1:-1:2])) == installed, proc.stdout
    assert set(_yaml("galaxy.yml")["dependencies"]) < set(installed)
    for fqcn, version in installed.items():
        if fqcn != "hardened.docker":
            with open(os.path.join(site_packages, "ansible_collections", *fqcn.split("."), "MANIFEST.json")) as handle:
                assert json.load(handle)["collection_info"]["version"] == version
    # Every file the bundled copy has made it, byte for byte.
    posix = os.path.join(site_packages, "ansible_collections", "ansible", "posix", "plugins", "modules", "sysctl.py")
    with open(posix, "rb") as want, open(tmp_path / "ansible_collections/ansible/posix/plugins/modules/sysctl.py",
                                         "rb") as got:
        assert got.read() == want.read()


def test_the_harness_tarballs_are_reproducible(harness_build, tmp_path):
    out, build, _printed, site_packages = harness_build
    module = _context_module()
    src = os.path.join(site_packages, "ansible_collections", "community", "library_inventory_filtering_v1")
    module.tar_bundled_copy(src, str(tmp_path / "again.tar.gz"))
    first = next(out / e["name"] for e in build["dependencies"]["galaxy"]["collections"]
                 if "library_inventory_filtering" in e["name"])
    assert (tmp_path / "again.tar.gz").read_bytes() == first.read_bytes()
    with tarfile.open(first) as tar:
        assert tar.getnames()[:2] == ["MANIFEST.json", "FILES.json"]
