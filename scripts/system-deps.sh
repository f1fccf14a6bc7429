#!/usr/bin/env bash
# Install the programs Ponder's set-up and `ponder sandbox build` call, from Debian's
# packages, in one apt-get run; a no-op when every one is already there.
#
#   program      package     called by
#   dockerd      docker.io   scripts/docker-up.sh (the engine)
#   docker       docker.io   scripts/docker-up.sh (`docker info`, to see whether it answers)
#   debootstrap  debootstrap ponder sandbox build, offline route (no registry answers)
#   tar          tar         ponder sandbox build, offline route (packs the debootstrap root)
#   sha256sum    coreutils   scripts/setup.sh (install stamp)
#
# Usage: system-deps.sh [--check]   --check lists what is missing and exits 1 if anything is.
# Not root and something missing: one line saying what to install; set-up goes on (the
# step that needs the program then stops with its own clear message).
set -euo pipefail

# program:package pairs, in the order above.
needs=(dockerd:docker.io docker:docker.io debootstrap:debootstrap tar:tar sha256sum:coreutils)

missing_programs=()
missing_packages=()
for pair in "${needs[@]}"; do
  prog=${pair%%:*}
  pkg=${pair##*:}
  # PONDER_SETUP_SKIP=docker (see setup.sh): no engine or image work, so none of its programs.
  if [[ " ${PONDER_SETUP_SKIP:-} " == *" docker "* ]] && [ "$pkg" != coreutils ]; then
    continue
  fi
  # An engine that already answers (or one elsewhere, DOCKER_HOST) needs no local dockerd.
  if [ "$prog" = dockerd ] && { [ -n "${DOCKER_HOST:-}" ] || docker info >/dev/null 2>&1; }; then
    continue
  fi
  if ! command -v "$prog" >/dev/null 2>&1; then
    missing_programs+=("$prog")
    if [[ " ${missing_packages[*]:-} " != *" $pkg "* ]]; then
      missing_packages+=("$pkg")
    fi
  fi
done

if [ "${#missing_programs[@]}" -eq 0 ]; then
  [ "${1:-}" = --check ] && echo "ponder: every program set-up needs is installed." >&2
  exit 0
fi

if [ "${1:-}" = --check ]; then
  echo "ponder: missing programs: ${missing_programs[*]} (Debian packages: ${missing_packages[*]})" >&2
  exit 1
fi

if [ "$(id -u)" != 0 ]; then
  echo "ponder: missing ${missing_programs[*]}; as root run: apt-get install -y ${missing_packages[*]}" >&2
  exit 0
fi

echo "ponder: installing Debian packages ${missing_packages[*]} (one time) ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing_packages[@]}" >/dev/null
for prog in "${missing_programs[@]}"; do
  if ! command -v "$prog" >/dev/null 2>&1; then
    echo "ponder: installed ${missing_packages[*]} but '$prog' is still missing" >&2
    exit 1
  fi
done
