#!/usr/bin/env bash
# The benchmark: harness set-up, then bench/bench.py (results in bench/results/).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/tests/harness/setup.sh"
# The reference role for the side-by-side comparison: on Galaxy-less machines
# of this project a copy lives beside the checkout (../shared/anchors).
if [ -z "${ANSIBLE_ROLES_PATH:-}" ] && [ -d "$ROOT/../shared/anchors/geerlingguy.docker" ]; then
  ANSIBLE_ROLES_PATH="$(cd "$ROOT/../shared/anchors" && pwd)"
  export ANSIBLE_ROLES_PATH
fi
exec "$ROOT/.venv/bin/python" "$ROOT/bench/bench.py" "$@"
