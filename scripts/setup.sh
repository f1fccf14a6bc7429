#!/usr/bin/env bash
# Set up everything Ponder needs on this machine, reusing what is already there:
#   0. the programs set-up calls (scripts/system-deps.sh: Debian's docker.io, debootstrap, ...);
#   1. a virtual environment in .venv with Ponder installed (editable, with dev tools);
#   2. a running Docker engine (scripts/docker-up.sh; installs Debian's docker.io as root);
#   3. the sandbox image (`ponder sandbox build`: rebuilt only when its recipe changes);
#   4. the default local model (`ponder models pull`: sha256-verified, cached).
# Set PONDER_SETUP_SKIP="docker model" (any of docker, image, model) to skip parts.
set -euo pipefail
cd "$(dirname "$0")/.."

skip=" ${PONDER_SETUP_SKIP:-} "
python=${PYTHON:-python3}

bash scripts/system-deps.sh

# A venv whose creation failed half-way (Debian's python3 without python3-venv leaves a
# .venv/bin/python and no pip) is made again rather than trusted.
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  echo "ponder: creating .venv ..." >&2
  rm -rf .venv
  if ! "$python" -m venv .venv; then
    rm -rf .venv
    # Debian's python3 ships without ensurepip: as root, install its venv package once.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
        && ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
      version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
      echo "ponder: installing python${version}-venv (Debian's Python comes without venv) ..." >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y -q --no-install-recommends "python${version}-venv" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && apt-get install -y -q --no-install-recommends "python${version}-venv" >/dev/null 2>&1; } \
        || true
    fi
    if ! "$python" -m venv .venv; then
      rm -rf .venv
      echo "ponder: '$python -m venv' failed; on Debian or Ubuntu install python3-venv" \
           "(apt-get install -y python3-venv), or set PYTHON to another Python 3.11+" >&2
      exit 1
    fi
  fi
fi
stamp=.venv/.ponder-install-stamp
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "ponder: installing Ponder and its dependencies into .venv ..." >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
  echo "$want" > "$stamp"
fi

if [[ "$skip" != *" docker "* ]]; then
  bash scripts/docker-up.sh
  if [[ "$skip" != *" image "* ]]; then
    .venv/bin/ponder sandbox build
  fi
fi
if [[ "$skip" != *" model "* ]]; then
  .venv/bin/ponder models pull "${PONDER_SETUP_MODEL:-qwen2.5-coder-0.5b}"
fi
