#!/usr/bin/env bash
# The benchmark report (issue 11): builds what it needs, installs its tools through the
# bootstrap, runs every benchmark once and prints one table, each figure next to its baseline
# measured in the same run. Figures, never pass/fail: not part of the test suite.
#   bash tests/bench/run.sh [SECONDS per HTTP load, default 10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds="${1:-10}"

bash tests/bootstrap.sh --bench
for preset in native wasi workers; do
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}" >/dev/null
done

results="$(mktemp -d)"
trap 'rm -rf "${results}"' EXIT
functions="$PWD/build/wasi/functions"

echo "bench: native (edgepost_bench)" >&2
build/native/tests/bench/edgepost_bench --benchmark_min_time=0.5 \
  --benchmark_out="${results}/native.json" --benchmark_out_format=json >&2

echo "bench: the runner over HTTP against nginx (tests/bench/runner-http.mjs)" >&2
EDGEPOST_FUNCTIONS_DIR="${functions}" node tests/bench/runner-http.mjs --seconds "${seconds}" \
  --json "${results}/runner.rows.json" >&2

echo "bench: the Worker on workerd against a minimal JS Worker (tests/bench/worker-http.mjs)" >&2
bash deploy/cloudflare/netns.sh node tests/bench/worker-http.mjs --seconds "${seconds}" \
  --json "${results}/worker.rows.json" >&2

echo "bench: one click on each WASI engine (tests/bench/engines.mjs)" >&2
EDGEPOST_FUNCTIONS_DIR="${functions}" node --no-turbo-fast-api-calls tests/bench/engines.mjs \
  --requests 100 --json "${results}/engines.rows.json" >&2

echo "bench: the runner's postback with 1,000,000 stored clicks vs 1,000 (tests/bench/postback-scale.mjs)" >&2
EDGEPOST_FUNCTIONS_DIR="${functions}" node tests/bench/postback-scale.mjs --clicks 1000000 \
  --json "${results}/scale.rows.json" >&2

echo "bench: the runner's expiry sweep over 1,000,000 files (tests/bench/sweep-stall.mjs)" >&2
node tests/bench/sweep-stall.mjs --records 1000000 --json "${results}/sweep.rows.json" >&2
node tests/bench/report.mjs "${results}" "${functions}"
