#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Every tracked C and C++ file must be as clang-format (.clang-format: Google, 110
# columns) writes it. Lists the files that are not and exits 1; `scripts/check-format.sh
# --fix` rewrites them in place. Needs clang-format (scripts/apt-packages.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (make bootstrap)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.cc' '*.cpp' '*.h' '*.hpp')
if [ "${1:-}" = --fix ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check-format: not formatted (run scripts/check-format.sh --fix):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted ($(clang-format --version | head -1))"
