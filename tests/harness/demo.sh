#!/usr/bin/env bash
# The README's main job on a built-in default: a disposable Debian 12 systemd
# test host (a privileged container named hardened-docker-demo), converged
# with playbooks/harden-docker.yml through examples/inventory/demo.yml.
#
#   tests/harness/demo.sh            # create the host if needed, converge
#   tests/harness/demo.sh --destroy  # remove the demo host
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOST=hardened-docker-demo
IMAGE=hardened-docker-test/debian12-systemd:latest

if [ "${1:-}" = --destroy ]; then
  "$ROOT/tests/harness/testhost.sh" down "$HOST"
  echo "removed $HOST"
  exit 0
fi

"$ROOT/tests/harness/setup.sh"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"

echo "test host: $HOST ($IMAGE)"
"$ROOT/tests/harness/testhost.sh" up "$HOST" "$IMAGE"

cd "$ROOT"
ansible-playbook -i examples/inventory/demo.yml playbooks/harden-docker.yml "$@"
cat <<EOT

Done: $HOST is a Docker host converged by playbooks/harden-docker.yml.
  docker exec $HOST docker info       # look at it
  make demo                           # run again: nothing changes
  make clean-demo                     # remove it
To point the playbook at real hosts, copy examples/inventory/hosts.yml, list
your machines under docker_hosts and run:
  ansible-playbook -i YOUR_INVENTORY playbooks/harden-docker.yml
EOT
