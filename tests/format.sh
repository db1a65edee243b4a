#!/usr/bin/env bash
# The C++ follows .clang-format (clang-format 19, installed by tests/bootstrap.sh).
#   bash tests/format.sh          fails listing each file that differs from its formatted form
#   bash tests/format.sh --fix    rewrites those files in place
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format-19 -i "${files[@]}"
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "usage: bash tests/format.sh [--fix]" >&2
  exit 2
fi
clang-format-19 --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files follow .clang-format"
