#!/usr/bin/env bash
# Set up (see scripts/setup.sh) and run the full test suite: unit tests with scripted
# models, and the real-Docker, real-HTTP and real-model tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/postgres-deps.sh   # the PostgreSQL checkpoint tests start a throwaway server
.venv/bin/ruff check .
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when no test was collected (e.g. a -k filter that matches nothing).
if [ "$rc" -eq 5 ]; then
  echo "ponder: no tests were collected" >&2
  rc=0
fi
exit "$rc"
