#!/usr/bin/env bash
# The benchmark: harness set-up, then bench/bench.py (results in bench/results/).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/tests/harness/setup.sh"
exec "$ROOT/.venv/bin/python" "$ROOT/bench/bench.py" "$@"
