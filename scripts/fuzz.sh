#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ and runs each for SECONDS (default 20), keeping each
# target's corpus in target/fuzz-corpus/ so later runs start from what earlier ones found.
# Fails on the first crash and prints the input that reproduces it.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
targets=(machine text)
# The fuzzed code is safe Rust, so AddressSanitizer finds nothing there and halves the speed;
# panics and overflow checks (debug assertions stay on) are what the targets look for.
sanitizer=(--sanitizer none)

printf '[fuzz] building %s\n' "${targets[*]}"
cargo +nightly fuzz build "${sanitizer[@]}"

for target in "${targets[@]}"; do
  corpus="$PWD/target/fuzz-corpus/$target"
  artifacts="$PWD/fuzz/artifacts/$target"
  mkdir -p "$corpus"
  printf '[fuzz] %s for %s s\n' "$target" "$seconds"
  # Artifacts newer than this file were written by this run.
  started=$(mktemp)
  log=$(mktemp)
  if ! cargo +nightly fuzz run "${sanitizer[@]}" "$target" "$corpus" -- \
    -max_total_time="$seconds" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    reproducer=$(find "$artifacts" -type f -newer "$started" 2>/dev/null | head -n 1)
    rm -f "$started" "$log"
    printf '[fuzz] %s failed; reproducer: %s\n' "$target" "${reproducer:-none written}" >&2
    printf '[fuzz] replay it with: cargo +nightly fuzz run -s none %s %s\n' \
      "$target" "${reproducer:-<file>}" >&2
    exit 1
  fi
  grep -E '^Done' "$log" || true
  rm -f "$started" "$log"
done
