"""Test harness only: the execution-environment definition the suite builds.

    python context.py ROOT OUT BASE_IMAGE COLLECTION_TARBALL SITE_PACKAGES CA_BUNDLE

Reads the user-facing definition (ROOT/execution-environment.yml) and writes
OUT/execution-environment.yml, the same definition with what this machine
lacks put in its place, and nothing else changed (the Python and system
dependencies, the ansible-core and ansible-runner pins, the options stay):

- the base image: one the harness builds (no registry here);
- Galaxy: the collection tarball of this checkout and, for each collection it
  depends on (galaxy.yml, then their MANIFEST.json, transitively), a tarball
  of the copy that the ansible package of the suite's virtualenv
  bundles in SITE_PACKAGES/ansible_collections (no Galaxy here), installed
  with --offline;
- pip's CA bundle: this machine's, as a build-time file and PIP_CERT (PyPI is
  only reachable through it);
- the package manager: apt-get behind a dnf-style wrapper (Debian base);
- pip: Debian's python3-pip is in the base image (Debian disables ensurepip
  for its system Python, which ansible-builder would otherwise run).

Prints one line per collection tarball (name version) and, last, a hash of
everything the image is built from.
"""

import copy
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

import yaml

SUBDIR_COLLECTIONS = "collections"
SUBDIR_HARNESS = "harness"
CA_IN_IMAGE = "/etc/ssl/certs/hd-ee-harness-ca.crt"


def manifest_of(tarball):
    with tarfile.open(tarball) as tar:
        return json.load(tar.extractfile("MANIFEST.json"))


def tar_bundled_copy(src, dest):
    """A collection artifact of an installed copy, as ansible-galaxy installs it.

    The ansible package ships each collection without its tests and CI files
    but with the FILES.json of the Galaxy artifact, which still lists them
    (ansible-galaxy refuses to install such a tarball). The artifact made here
    holds the files that are there, unmodified, and a FILES.json of exactly
    those entries (their checksums as Galaxy published them, verified here);
    MANIFEST.json gets the new FILES.json checksum. Same copy, same bytes.
    """
    with open(os.path.join(src, "MANIFEST.json")) as handle:
        manifest = json.load(handle)
    with open(os.path.join(src, "FILES.json")) as handle:
        files = json.load(handle)
    present = []
    for entry in files["files"]:
        path = os.path.join(src, entry["name"])
        if entry["name"] == "." or not os.path.lexists(path):
            continue
        if entry["ftype"] == "file":
            with open(path, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() != entry["chksum_sha256"]:
                    sys.exit("context.py: %s differs from its FILES.json entry" % path)
        present.append(entry)
    files["files"] = [e for e in files["files"] if e["name"] == "."] + present
    files_json = json.dumps(files, indent=4).encode()
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
    manifest_json = json.dumps(manifest, indent=4).encode()

    def add_bytes(tar, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))

    with open(dest, "wb") as raw:
        # mtime=0 in the gzip header and in every member: the same copy gives the same bytes.
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
                add_bytes(tar, "MANIFEST.json", manifest_json)
                add_bytes(tar, "FILES.json", files_json)
                for entry in present:
                    info = tar.gettarinfo(os.path.join(src, entry["name"]), arcname=entry["name"])
                    info.mtime = 0
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    if info.isdir():
                        tar.addfile(info)
                    else:
                        with open(os.path.join(src, entry["name"]), "rb") as handle:
                            tar.addfile(info, handle)
    return manifest


def dependencies(manifest):
    return dict(manifest["collection_info"].get("dependencies") or {})


def main(root, out, base_image, collection_tarball, site_packages, ca_bundle):
    with open(os.path.join(root, "execution-environment.yml")) as handle:
        user = yaml.safe_load(handle)
    build = copy.deepcopy(user)

    coll_dir = os.path.join(out, SUBDIR_COLLECTIONS)
    harness_dir = os.path.join(out, SUBDIR_HARNESS)
    for path in (coll_dir, harness_dir):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)

    own = manifest_of(collection_tarball)
    shutil.copy(collection_tarball, coll_dir)
    manifests = {"%(namespace)s.%(name)s" % own["collection_info"]: own}
    tarballs = [os.path.basename(collection_tarball)]
    pending = sorted(dependencies(own))
    while pending:
        fqcn = pending.pop(0)
        if fqcn in manifests:
            continue
        src = os.path.join(site_packages, "ansible_collections", *fqcn.split("."))
        if not os.path.isfile(os.path.join(src, "MANIFEST.json")):
            sys.exit("context.py: %s is not bundled in %s" % (fqcn, site_packages))
        with open(os.path.join(src, "MANIFEST.json")) as handle:
            version = json.load(handle)["collection_info"]["version"]
        name = "%s-%s.tar.gz" % (fqcn.replace(".", "-"), version)
        manifest = tar_bundled_copy(src, os.path.join(coll_dir, name))
        manifests[fqcn] = manifest
        tarballs.append(name)
        pending.extend(sorted(dependencies(manifest)))

    shutil.copy(ca_bundle, os.path.join(harness_dir, "ca-certificates.crt"))

    build["images"] = {"base_image": {"name": base_image}}
    deps = build["dependencies"]
    # The Debian base has its Python 3 (3.11) with pip at /usr/bin/python3.
    deps.pop("python_interpreter", None)
    deps["galaxy"] = {"collections": [{"name": "%s/%s" % (SUBDIR_COLLECTIONS, t), "type": "file"} for t in tarballs]}
    build.setdefault("build_arg_defaults", {})["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"] = "--offline"
    build.setdefault("additional_build_files", []).extend([
        {"src": SUBDIR_COLLECTIONS, "dest": SUBDIR_COLLECTIONS},
        {"src": SUBDIR_HARNESS, "dest": SUBDIR_HARNESS},
    ])
    steps = build.setdefault("additional_build_steps", {})
    steps["prepend_base"] = [
        "COPY _build/%s/ca-certificates.crt %s" % (SUBDIR_HARNESS, CA_IN_IMAGE),
        "ENV PIP_CERT=%s" % CA_IN_IMAGE,
    ] + list(steps.get("prepend_base") or [])
    options = build.setdefault("options", {})
    options["package_manager_path"] = "/usr/local/sbin/hd-ee-pkgmgr"
    options["skip_pip_install"] = True

    text = yaml.safe_dump(build, sort_keys=False, default_flow_style=False)
    with open(os.path.join(out, "execution-environment.yml"), "w") as handle:
        handle.write("---\n# Generated by tests/harness/ee/context.py from the user-facing definition.\n" + text)

    digest = hashlib.sha256(text.encode())
    for fqcn in sorted(manifests):
        print("%s %s" % (fqcn, manifests[fqcn]["collection_info"]["version"]))
        # MANIFEST.json carries the checksum of FILES.json, which has every file's checksum.
        digest.update(json.dumps(manifests[fqcn], sort_keys=True).encode())
    print(digest.hexdigest()[:16])


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
