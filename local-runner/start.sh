#!/usr/bin/env bash
# Runs the product locally.
#
# The HTTP runner (serve, demo config, data directory, outbox) is not built yet: it is the
# work of the "product runs" issue. Until then this builds the WASI functions and runs one
# real request through the echo diagnostic function, so that the whole chain (library,
# WASI adapter, wasm-opt, Node's WASI engine) is shown working.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tests/bootstrap.sh
cmake --preset wasi >/dev/null
cmake --build --preset wasi

echo
echo "edgepost: the HTTP runner with the demo config does not exist yet."
echo "Running one CGI request through build/wasi/functions/echo.wasm instead:"
echo "  GET /echo?offer_id=1&aff_id=7&aff_sub=hello%20world"
echo
node local-runner/cgi-request.mjs build/wasi/functions/echo.wasm GET \
  '/echo?offer_id=1&aff_id=7&aff_sub=hello%20world'
