#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ and runs each for SECONDS (default 20), keeping each
# target's corpus in target/fuzz-corpus/ so later runs start from what earlier ones found.
# Fails on the first crash and prints the input that reproduces it. Each target that passes
# adds a row for RELIABILITY.md to target/reliability/fuzz.jsonl (written afresh) with the runs
# and seconds libFuzzer reported.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nightly.sh

seconds=${1:-20}
targets=(machine text session)
rows=target/reliability/fuzz.jsonl
mkdir -p target/reliability
rm -f "$rows"
declare -A checks=(
  [machine]="random valid policies and random sequences of user requests, socket events (live and \
stale), timer expiries, clock advances, pongs and partial transmissions through the connection \
state machine, with requests, answers and forgotten requests; no panic or overflow, the simulated driver's invariants hold after every step (every \
accepted message transmitted in order, a dead socket's unsent tail requeued exactly, every request \
ended exactly once for a reason that holds)"
  [session]="resumable sessions: control frames read from any text (and written back the same), \
a client and a server over a link that drops connections with frames on the wire, with hostile \
frames at either end; no panic or overflow, and with no hostile frame every message arrives once \
and in order or is reported by its sender's lost session"
  [text]="close-code checks and names for any code and reason (accepted exactly when the code is \
sendable and the reason fits), backoff delays for any numbers (never above the maximum), the Json \
codec's nesting scan over any text (never refuses what serde_json parses; exact on texts of known \
depth); no panic or overflow"
)
# The fuzzed code is safe Rust, so AddressSanitizer finds nothing there and halves the speed;
# panics and overflow checks (debug assertions stay on) are what the targets look for.
sanitizer=(--sanitizer none)

printf '[fuzz] building %s\n' "${targets[*]}"
cargo "+$NIGHTLY" fuzz build "${sanitizer[@]}"

for target in "${targets[@]}"; do
  corpus="$PWD/target/fuzz-corpus/$target"
  artifacts="$PWD/fuzz/artifacts/$target"
  mkdir -p "$corpus"
  printf '[fuzz] %s for %s s\n' "$target" "$seconds"
  # Artifacts newer than this file were written by this run.
  started=$(mktemp)
  log=$(mktemp)
  if ! cargo "+$NIGHTLY" fuzz run "${sanitizer[@]}" "$target" "$corpus" -- \
    -max_total_time="$seconds" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    reproducer=$(find "$artifacts" -type f -newer "$started" 2>/dev/null | head -n 1)
    rm -f "$started" "$log"
    printf '[fuzz] %s failed; reproducer: %s\n' "$target" "${reproducer:-none written}" >&2
    printf '[fuzz] replay it with: cargo +%s fuzz run -s none %s %s\n' "$NIGHTLY" \
      "$target" "${reproducer:-<file>}" >&2
    exit 1
  fi
  grep -E '^Done' "$log" || true
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)
  if [[ $done_line =~ ^Done\ ([0-9]+)\ runs\ in\ ([0-9]+)\ second ]]; then
    figures=("runs=${BASH_REMATCH[1]}" "seconds=${BASH_REMATCH[2]}")
    # libFuzzer's last status line: edges covered and corpus entries at the end.
    final=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    [[ $final =~ cov:\ ([0-9]+) ]] && figures+=("coverage (edges)=${BASH_REMATCH[1]}")
    [[ $final =~ corp:\ ([0-9]+) ]] && figures+=("corpus entries=${BASH_REMATCH[1]}")
    node scripts/reliability-row.js "$rows" hostile "cargo fuzz target $target" core \
      "${checks[$target]:-no crash}" scripts/fuzz.sh "${figures[@]}" ||
      echo "[fuzz] could not write $rows" >&2
  fi
  rm -f "$started" "$log"
done
