#!/usr/bin/env bash
# Make sure a Docker engine answers. A no-op where one already runs (or DOCKER_HOST points
# at one); otherwise installs Debian's docker.io if it is missing (root only) and starts
# dockerd in the background, logging to $PONDER_DOCKERD_LOG.
set -euo pipefail

log=${PONDER_DOCKERD_LOG:-/var/log/ponder-dockerd.log}

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "ponder: no Docker engine answers and dockerd is not installed." >&2
    echo "        Install Docker (e.g. 'sudo apt-get install docker.io') and start it, or set DOCKER_HOST." >&2
    exit 1
  fi
  echo "ponder: installing Debian's docker.io (one time) ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q docker.io >/dev/null
fi

if [ "$(id -u)" != 0 ]; then
  echo "ponder: dockerd is installed but not running, and starting it needs root." >&2
  echo "        Start it (e.g. 'sudo systemctl start docker') or set DOCKER_HOST." >&2
  exit 1
fi

echo "ponder: starting dockerd (log: $log) ..." >&2
# A stale pid file from a dockerd killed with the machine's previous session blocks a restart.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
nohup dockerd >"$log" 2>&1 &

for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    echo "ponder: Docker engine is up." >&2
    exit 0
  fi
  sleep 0.5
done
echo "ponder: dockerd did not answer within 60 s; see $log" >&2
tail -n 20 "$log" >&2 || true
exit 1
