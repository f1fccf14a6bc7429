#!/usr/bin/env bash
# Set up (see scripts/setup.sh) and ask Ponder a question with the embedded default model
# and the Docker sandbox. With no argument it asks a question that the bare 0.5B model
# gets wrong. Extra flags go to `ponder ask` (e.g. --json, --model, --thread).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
  set -- "What is 123456789 * 987654321?"
fi
exec .venv/bin/ponder ask "$@"
