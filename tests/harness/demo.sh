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
  docker rm -f -v "$HOST" >/dev/null 2>&1 || true
  echo "removed $HOST"
  exit 0
fi

"$ROOT/tests/harness/setup.sh"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"

if [ "$(docker inspect -f '{{.State.Running}}' "$HOST" 2>/dev/null)" != true ]; then
  docker rm -f -v "$HOST" >/dev/null 2>&1 || true
  echo "creating the disposable test host $HOST ($IMAGE)"
  docker run -d --name "$HOST" --hostname "$HOST" --privileged --cgroupns=host \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker --tmpfs /run --tmpfs /run/lock \
    "$IMAGE" >/dev/null
  for _ in $(seq 1 30); do
    docker exec "$HOST" systemctl is-system-running 2>/dev/null | grep -qE 'running|degraded' && break
    sleep 1
  done
fi

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
