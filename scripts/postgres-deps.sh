#!/usr/bin/env bash
# The PostgreSQL server programs the tests' throwaway clusters need (initdb, pg_ctl,
# postgres), from Debian's `postgresql` package; a no-op when they are there. Only the
# test suite needs them (PostgreSQL checkpoints are optional for users).
# The package's own service is not started (a policy-rc.d denies it during the install);
# the tests start their own cluster in a temporary folder and remove it afterwards.
set -euo pipefail

if command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ponder: no PostgreSQL server programs (the checkpoint tests need them); as root run: apt-get install -y postgresql" >&2
  exit 0
fi
echo "ponder: installing Debian's postgresql for the checkpoint tests (one time) ..." >&2
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  # Removed on any exit: a failed apt-get (offline, the dpkg lock held) must not leave
  # it behind, or no package installed later on this machine would start its service.
  trap 'rm -f "$policy"' EXIT
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  made_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends postgresql >/dev/null
if [ "$made_policy" = 1 ]; then
  rm -f "$policy"
  trap - EXIT
fi
