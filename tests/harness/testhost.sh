#!/usr/bin/env bash
# Disposable test hosts outside Molecule (the demo and the benchmark): the
# same privileged, systemd-as-PID-1 container the Molecule scenarios use.
#
#   tests/harness/testhost.sh up NAME [IMAGE]   # create (or reuse) and wait for init
#   tests/harness/testhost.sh down NAME...      # remove, with its anonymous volumes
set -euo pipefail

cmd=${1:?usage: testhost.sh up NAME [IMAGE] | down NAME...}
shift
case "$cmd" in
  up)
    name=${1:?NAME}
    image=${2:-hardened-docker-test/debian12-systemd:latest}
    if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
      docker rm -f -v "$name" >/dev/null 2>&1 || true
      docker run -d --name "$name" --hostname "$name" --privileged --cgroupns=host \
        -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker --tmpfs /run --tmpfs /run/lock \
        --label org.hardened-docker.testhost=1 "$image" >/dev/null
    fi
    for _ in $(seq 1 60); do
      state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
      case "$state" in running|degraded) exit 0 ;; esac
      sleep 1
    done
    echo "testhost.sh: $name did not finish booting (state: ${state:-unknown})" >&2
    exit 1
    ;;
  down)
    for name in "$@"; do docker rm -f -v "$name" >/dev/null 2>&1 || true; done
    ;;
  *)
    echo "testhost.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
