#!/usr/bin/env bash
# Line coverage of lib/ by the unit tests, with gcov and gcovr; fails under the floor.
#   bash tests/coverage.sh            # summary, and build/coverage/coverage.html
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
floor=90

find build/coverage -name '*.gcda' -delete 2>/dev/null || true
cmake --workflow --preset coverage
gcovr --root . --filter 'lib/' --object-directory build/coverage \
  --exclude-directories 'build/coverage/CMakeFiles' \
  --html-details build/coverage/coverage.html \
  --print-summary --fail-under-line "${floor}" | tail -n 4
