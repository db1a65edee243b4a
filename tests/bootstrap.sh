#!/usr/bin/env bash
# Installs everything edgepost needs to build and test, from Debian's packages and the npm
# registry only. Idempotent: when everything is there it changes nothing and takes about a
# second. This is the only place anything gets installed.
#   bash tests/bootstrap.sh           what the build and the test suite need
#   bash tests/bootstrap.sh --bench   that, and the benchmarks' load generator and baseline
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# What each package is for:
#   cmake ninja-build g++        native build (library, unit tests)
#   catch2 nlohmann-json3-dev    unit tests; JSON (header-only, also staged into wasm builds)
#   libbenchmark-dev             tests/bench (Google Benchmark)
#   clang-19 lld-19 llvm-19      wasm32-wasi compiler, linker, llvm-ar for wasm archives
#   clang-format-19              tests/format.sh: the C++ follows .clang-format
#   wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32
#                                the wasm32-wasi sysroot (C library, C++ library, builtins)
#   libclang-rt-19-dev           clang-19's native sanitizer and libFuzzer runtimes (fuzz preset)
#   binaryen wabt                wasm-opt (post-link -Oz), wasm-objdump
#   emscripten                   the Cloudflare Workers build
#   nodejs                       the local runner and the wasm tests (Node.js >= 20)
#   gcovr                        line coverage of lib/
#   iproute2                     `ip`, to bring up loopback in the Worker tests' network namespace
#   util-linux                   `prlimit`, `unshare`: the soak test's open-files limit, test namespaces
#   chromium                     the real browser of tests/browser (the reports dashboard), headless
#   fonts-dejavu-core            a font for headless Chromium to render the page's text with
apt_packages=(
  cmake ninja-build g++ catch2 nlohmann-json3-dev libbenchmark-dev
  clang-19 lld-19 llvm-19 clang-format-19
  wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32
  libclang-rt-19-dev
  binaryen wabt emscripten nodejs gcovr iproute2 util-linux
  chromium fonts-dejavu-core
)
# tests/bench/run.sh only (not the test suite):
#   nginx wrk                    the HTTP baseline (`return 302`) and the load generator
if [[ "${1:-}" == "--bench" ]]; then
  apt_packages+=(nginx wrk)
elif [[ $# -gt 0 ]]; then
  echo "usage: bash tests/bootstrap.sh [--bench]" >&2
  exit 2
fi

missing=()
for package in "${apt_packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
  [[ "$status" == "installed" ]] || missing+=("$package")
done

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

if ((${#missing[@]} > 0)); then
  echo "bootstrap: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
  echo "bootstrap: Node.js >= 20 is needed, found $(node --version)" >&2
  exit 1
fi

# npm dependencies, pinned by each lockfile; reinstalled only when a lockfile changes.
npm_ci_if_changed() {
  local dir="$repo/$1"
  local stamp="$dir/node_modules/.package-lock.sha256"
  local wanted
  wanted="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    echo "bootstrap: npm ci in $1/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    mkdir -p "$dir/node_modules"
    echo "$wanted" >"$stamp"
  fi
}

npm_ci_if_changed local-runner  # the engines (wizer: wasmtime's engine; jco), DuckDB for reports
npm_ci_if_changed deploy/cloudflare  # Miniflare, which brings workerd: the Worker's local runtime
npm_ci_if_changed lib/bot-list  # crawler-user-agents: the known-bot list compiled into the library
npm_ci_if_changed analytics  # uPlot: the reports dashboard's chart, served from analytics/node_modules
npm_ci_if_changed tests/browser  # puppeteer-core: drives Debian's chromium (it downloads no browser)
