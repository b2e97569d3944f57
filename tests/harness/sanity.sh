#!/usr/bin/env bash
# ansible-test sanity on this checkout, offline-safe.
#
#   tests/harness/sanity.sh                      # every sanity test
#   tests/harness/sanity.sh --test pylint        # extra arguments go to ansible-test sanity
#
# ansible-test wants the collection at .../ansible_collections/hardened/docker:
# a symlink under .cache/sanity gives it that path without copying, and
# ANSIBLE_TEST_CONTENT_ROOT makes it use the path as given (the working
# directory would be resolved to the checkout itself). ansible-test runs each
# test in a virtualenv of its own with its own pinned requirements, installed
# from the package index; it bootstraps pip there with a get-pip.py script from
# a file server this project cannot reach, so tests/sanity/get_pip.py (the same
# job done with the pip wheel bundled with Python) goes where ansible-test looks
# for a cached copy first. The virtualenvs are kept in ~/.ansible/test/venv:
# only the first run installs anything.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -x "$ROOT/.venv/bin/ansible-test" ]; then
  export PATH="$ROOT/.venv/bin:$PATH"
fi
PYTHON=$(command -v python3)

content="$ROOT/.cache/sanity/ansible_collections/hardened/docker"
mkdir -p "$(dirname "$content")"
if [ "$(readlink "$content" 2>/dev/null)" != "$ROOT" ]; then
  rm -f "$content"
  ln -s "$ROOT" "$content"
fi

pip_version=$("$PYTHON" -c '
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"])')
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
# a real get-pip.py someone saved there is left alone; ours is kept current
if [ ! -e "$get_pip" ] || grep -q 'Offline stand-in for the get-pip.py' "$get_pip"; then
  install -D -m 0644 "$ROOT/tests/sanity/get_pip.py" "$get_pip"
fi

cd "$content"
export ANSIBLE_TEST_CONTENT_ROOT="$content"
exec ansible-test sanity --local --python "$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no "$@"
