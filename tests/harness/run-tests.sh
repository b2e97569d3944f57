#!/usr/bin/env bash
# The whole test suite: harness set-up, lint, collection build, ansible-test
# sanity, changelog lint, unit tests and every Molecule scenario, with a
# pass/fail summary at the end.
#
#   tests/harness/run-tests.sh                 # everything
#   tests/harness/run-tests.sh default tls     # only these Molecule scenarios
#   SKIP_MOLECULE=1 tests/harness/run-tests.sh # lint, build, sanity and unit tests only
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
LOGDIR="$ROOT/.cache/test-logs"
mkdir -p "$LOGDIR"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1

names=() results=() times=()
: >"$LOGDIR/failures.txt"
step() {  # name command...
  local name=$1 start rc log
  shift
  log="$LOGDIR/$(echo "$name" | tr ' /' '__').log"
  printf '==> %s\n' "$name"
  start=$(date +%s)
  "$@" >"$log" 2>&1
  rc=$?
  names+=("$name") times+=($(( $(date +%s) - start )))
  if [ $rc -eq 0 ]; then
    results+=(PASS)
  else
    results+=(FAIL)
    echo "--- last lines of $log ---"
    tail -n 40 "$log"
    # The tail of a Molecule log is its destroy step; the cause is earlier.
    # Keep the failing tasks and tests for the end of the output, next to
    # the summary, where a CI excerpt of the last lines still shows them.
    {
      echo "--- failures in $log ---"
      grep -n -E '^(fatal:|failed:|FAILED |ERROR |E   )|^\S+\.py::\S+ FAILED' "$log" | head -n 40
    } >>"$LOGDIR/failures.txt"
  fi
  return $rc
}

step "harness setup" tests/harness/setup.sh || { echo "harness set-up failed; nothing else can run"; exit 1; }
step "yamllint" yamllint --strict .
step "ansible-lint (production)" ansible-lint --profile production
build_collection() {
  local d
  d=$(mktemp -d) && ansible-galaxy collection build --force --output-path "$d" . && rm -rf "$d"
}
step "collection build" build_collection
step "ansible-test sanity" tests/harness/sanity.sh
step "changelog (antsibull lint)" tests/harness/changelog.sh --check
step "unit tests (pytest)" pytest tests/unit

if [ -z "${SKIP_MOLECULE:-}" ]; then
  if [ $# -gt 0 ]; then
    scenarios=("$@")
  else
    mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort)
  fi
  for s in "${scenarios[@]}"; do
    step "molecule $s" molecule test -s "$s"
  done
fi

echo
cat "$LOGDIR/failures.txt"
echo "================ summary ================"
passed=0 failed=0
for i in "${!names[@]}"; do
  printf '%-32s %-5s %5ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
  if [ "${results[$i]}" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "logs: $LOGDIR"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
