#!/usr/bin/env bash
# CHANGELOG.md is generated from changelogs/ with antsibull-changelog; never
# edit it by hand.
#
#   tests/harness/changelog.sh          # rewrite CHANGELOG.md
#   tests/harness/changelog.sh --check  # lint the fragments and changelog.yaml,
#                                       # fail if CHANGELOG.md is not up to date
#
# `antsibull-changelog generate` renders only releases recorded in
# changelogs/changelog.yaml. So that CHANGELOG.md also shows what is not
# released yet, the fragments are released in a throw-away copy of changelogs/
# as galaxy.yml's version, and that version's heading is marked "(unreleased)".
# The real release (which also lists new modules and plugins and removes the
# fragments) stays `antsibull-changelog release` in the checkout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
  *) echo "changelog.sh: unknown argument: $1" >&2; exit 2 ;;
esac
command -v antsibull-changelog >/dev/null \
  || { echo "changelog.sh: antsibull-changelog not found (tests/harness/setup.sh installs requirements.txt)" >&2; exit 1; }

if [ $CHECK -eq 1 ]; then
  antsibull-changelog lint
  antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r galaxy.yml changelogs "$tmp/"
rm -f "$tmp/changelogs/.plugin-cache.yaml"

read -r version released < <(python3 - <<'PY'
import yaml
version = str(yaml.safe_load(open("galaxy.yml"))["version"])
changes = yaml.safe_load(open("changelogs/changelog.yaml")) or {}
print(version, "yes" if version in (changes.get("releases") or {}) else "no")
PY
)
fragments=$(find changelogs/fragments -maxdepth 1 -type f \( -name '*.yml' -o -name '*.yaml' \) | wc -l)

if [ "$fragments" -gt 0 ]; then
  if [ "$released" = yes ]; then
    echo "changelog.sh: galaxy.yml's version $version is already released in changelogs/changelog.yaml;" \
      "bump it in galaxy.yml for the unreleased fragments" >&2
    exit 1
  fi
  # The date is not shown in CHANGELOG.md; a fixed one keeps the run deterministic.
  (cd "$tmp" && antsibull-changelog release --version "$version" --date 1970-01-01 >/dev/null)
elif ! (cd "$tmp" && antsibull-changelog generate >/dev/null 2>&1); then
  printf '# hardened.docker Release Notes\n\nNo changes yet.\n' >"$tmp/CHANGELOG.md"
fi
python3 - "$tmp/CHANGELOG.md" "$version" "$fragments" <<'PY'
import sys
path, version, fragments = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(path).read()
if fragments:
    v = "v" + version.replace(".", "\\.")
    text = text.replace("## %s\n" % v, "## %s (unreleased)\n" % v, 1)
    text = text.replace(">%s</a>" % v, ">%s (unreleased)</a>" % v, 1)
title, _, rest = text.partition("\n")
note = ("Generated from <code>changelogs/</code> by <code>tests/harness/changelog.sh</code>; do not edit. "
        "A change is recorded as a fragment in <code>changelogs/fragments/</code> (see README, Changelog).")
open(path, "w").write(title + "\n\n" + note + "\n" + rest)
PY

if [ $CHECK -eq 1 ]; then
  if ! diff -u CHANGELOG.md "$tmp/CHANGELOG.md" >"$tmp/diff"; then
    head -n 40 "$tmp/diff"
    echo "changelog.sh: CHANGELOG.md is not what changelogs/ generates; run tests/harness/changelog.sh" >&2
    exit 1
  fi
  echo "changelog: $fragments unreleased fragments, CHANGELOG.md up to date"
else
  cp "$tmp/CHANGELOG.md" CHANGELOG.md
  echo "CHANGELOG.md regenerated ($fragments unreleased fragments, version $version)"
fi
