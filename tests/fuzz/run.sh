#!/usr/bin/env bash
# Builds the fuzz preset and runs every fuzzer for SECONDS (default 60) each, one after the
# other, on a copy of its seed corpus (tests/fuzz/corpus/<target>/ is never modified; the grown
# corpora stay in build/fuzz/fuzz-run/<target>/corpus for a later look).
# Fails when any fuzzer finds a crash, a sanitizer report or a broken property, and prints the
# path of the saved input. Reproduce one with: build/fuzz/tests/fuzz/fuzz_<target> <input>
#   bash tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash tests/fuzz/run.sh [SECONDS]" >&2
  exit 2
fi

bash tests/bootstrap.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
targets=(params config click_id macros cgi click_decide postback_decide records)
failed=()
for target in "${targets[@]}"; do
  work="build/fuzz/fuzz-run/${target}"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp tests/fuzz/corpus/"${target}"/* "$work/corpus/"
  dict=()
  [[ -f "tests/fuzz/${target}.dict" ]] && dict=(-dict="tests/fuzz/${target}.dict")
  echo "=== ${target} (${seconds} s)"
  if build/fuzz/tests/fuzz/fuzz_"${target}" -max_total_time="$seconds" -timeout=5 \
    -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/artifacts/" \
    "$work/corpus" >"$work/log" 2>&1; then
    grep -E '^#[0-9]+.*(DONE|pulse)' "$work/log" | tail -1 || true
    grep -E 'stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$work/log" || true
  else
    tail -40 "$work/log"
    for input in "$work"/artifacts/*; do echo "crashing input: $input"; done
    failed+=("$target")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: findings in ${failed[*]} (logs in build/fuzz/fuzz-run/<target>/log)" >&2
  exit 1
fi
echo "fuzz: no findings in ${#targets[@]} targets, ${seconds} s each"
