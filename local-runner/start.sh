#!/usr/bin/env bash
# Runs the product locally: builds the WASI functions, then serves them with the demo config
# (offers land on the runner's own /demo/landing page, partner postbacks come back to it).
# Extra arguments go to `serve`, e.g. --port 9090; `node local-runner/cli.mjs --help` lists them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tests/bootstrap.sh
cmake --preset wasi >/dev/null
cmake --build --preset wasi

exec node local-runner/cli.mjs serve --demo "$@"
