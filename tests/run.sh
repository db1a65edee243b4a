#!/usr/bin/env bash
# The whole test suite: builds the three targets and runs each one's tests through CTest.
#   format:  the C++ follows .clang-format (tests/format.sh)
#   native:  the library's Catch2 unit tests (and the WASI adapter's, built natively)
#   wasi:    the .wasm functions end to end through the local runner over HTTP, the runner's
#            own tests, and the functions' import lists
#   workers: the same Catch2 unit tests compiled by Emscripten, run under Node
#   sanitize: the unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer
#   fuzz:    each libFuzzer target (tests/fuzz/) for 10 s on a copy of its seed corpus
#   coverage: the unit tests again, instrumented; fails when lib/ line coverage is under 90%
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tests/bootstrap.sh
# Every preset runs even when an earlier one fails: one flaky test must not hide the results
# of the rest. The run fails if any did, and says which at the end.
failed=()
echo "=== format"
bash tests/format.sh || failed+=(format)
for preset in native wasi workers sanitize fuzz; do
  echo "=== ${preset}"
  cmake --workflow --preset "${preset}" || failed+=("${preset}")
done
echo "=== coverage"
bash tests/coverage.sh || failed+=(coverage)

if ((${#failed[@]} > 0)); then
  echo "=== FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "=== all presets passed"
