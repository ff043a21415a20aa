#!/usr/bin/env bash
# Runs the wasm-bindgen-test suites in headless Chromium against freshly started test servers:
# starts a plain server (ws://) and a `--tls` one (wss://, self-signed certificate, accepted by
# Chromium through webdriver.json's --ignore-certificate-errors) on free loopback ports,
# compiles each URL into the suites in turn, runs them, and stops the servers whatever happens.
#   RESOCKET_BROWSER_SUITES       the ws pass, e.g. "--test browser_recovery" (default: all)
#   RESOCKET_BROWSER_TLS_SUITES   the wss pass (default: all but browser_network and
#                                 browser_codec, whose page and network signals and whose
#                                 frames do not depend on the scheme;
#                                 "none" skips it)
# Rows for RELIABILITY.md go to target/reliability/browser.jsonl (written afresh), from the
# runner's "test result: ok. N passed" lines: one for browser_hostile per pass that ran it and
# passed, one for the suites that passed over wss. A suite that failed leaves no row.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=target/reliability/browser.jsonl
mkdir -p target/reliability
rm -f "$rows"

cargo build --quiet -p resocket-server
logs=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$logs"
}
trap cleanup EXIT

# start_server NAME [ARGS...]: starts a server logging to $logs/NAME.*, sets $url.
start_server() {
  local name=$1
  shift
  "${CARGO_TARGET_DIR:-target}/debug/resocket-server" --port 0 "$@" >"$logs/$name.stdout" 2>"$logs/$name.stderr" &
  local pid=$!
  servers+=("$pid")
  url=""
  for _ in $(seq 100); do
    url=$(grep -Eo 'https?://127\.0\.0\.1:[0-9]*' "$logs/$name.stdout" || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "the $name test server did not start:" >&2
    cat "$logs/$name.stderr" >&2
    exit 1
  fi
  echo "$name test server at $url"
}

# What each suite that passed reported, by "PASS SUITE": tests passed, and the runner's time.
declare -A passed=() took=()

# run_pass NAME URL SUITES: the suites against that server; on failure, its last log lines.
# cargo names each suite on stderr ("Running tests/SUITE.rs") before the runner prints its
# result on stdout, so both go through one pipe to keep that order for record_results.
run_pass() {
  local name=$1 server_url=$2 suites=$3 status=0
  echo "=== browser suites over $name ($server_url) ==="
  # Piped, cargo would drop its colours; keep them when the output is a terminal.
  if [ -t 1 ]; then export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-always}; fi
  # shellcheck disable=SC2086
  # With the `log` feature, which only adds the `log` crate's lines (browser_socket tests them),
  # and `msgpack`, for the MsgPack codec (browser_codec).
  RESOCKET_TEST_SERVER="$server_url" wasm-pack test --headless --chrome \
    --chromedriver "$(command -v chromedriver)" . $suites --features "log msgpack" 2>&1 | tee "$logs/$name.tests" || status=$?
  record_results "$name" "$logs/$name.tests"
  if [ "$status" != 0 ]; then
    echo "--- last $name server log lines ---" >&2
    tail -n 40 "$logs/$name.stderr" >&2
  fi
  return "$status"
}

# record_results PASS OUTPUT: fills passed/took from the suites whose result line says ok.
record_results() {
  local pass=$1 line suite="" pattern='^test result: ok\. ([0-9]+) passed;.* finished in ([0-9.]+s)'
  while IFS= read -r line; do
    if [[ $line =~ Running\ tests/([A-Za-z0-9_]+)\.rs ]]; then
      suite=${BASH_REMATCH[1]}
    elif [[ -n $suite && $line =~ $pattern ]]; then
      passed["$pass $suite"]=${BASH_REMATCH[1]}
      took["$pass $suite"]=${BASH_REMATCH[2]}
      suite=""
    elif [[ $line =~ ^test\ result: ]]; then
      suite=""
    fi
  done < <(sed 's/\x1b\[[0-9;]*m//g' "$2")
}

# row SECTION ROW CHECKED [NAME=VALUE ...]: one row of the Rust face to $rows.
row() {
  node scripts/reliability-row.js "$rows" "$1" "$2" Rust "$3" scripts/browser-tests.sh "${@:4}"
}

write_rows() {
  local pass suite figures=() suites=()
  for pass in ws wss; do
    [ -n "${passed[$pass browser_hostile]:-}" ] || continue
    row hostile "hostile network input in Chromium over $pass (tests/browser_hostile.rs)" \
      "non-UTF-8 binary into Text and invalid or wrong-shape JSON into Json are decode errors, the \
socket stays open and usable; JSON 100,000 levels deep is a decode error, never a trap; a 64 MiB \
message is refused by the default max_message_bytes (16 MiB) with Error::MessageTooBig and the \
next message arrives; 100,000 tiny messages all arrive, in order" \
      "tests passed=${passed[$pass browser_hostile]}" "suite time=${took[$pass browser_hostile]}"
  done
  for suite in $(printf '%s\n' "${!passed[@]}" | sed -n 's/^wss //p' | sort); do
    suites+=("$suite")
    figures+=("$suite=wss ${passed[wss $suite]} passed in ${took[wss $suite]}${passed[ws $suite]:+; ws ${passed[ws $suite]} passed}")
  done
  [ ${#suites[@]} -gt 0 ] || return 0
  row security "browser suites over wss" \
    "the Rust face's wasm-bindgen-test suites ${suites[*]} passed in headless Chromium against \
resocket-server --tls (wss://, its self-signed certificate); beside each, its count in the ws pass \
where that ran it" \
    "${figures[@]}"
}

start_server ws
ws_url=$url
tls_suites=${RESOCKET_BROWSER_TLS_SUITES:---test browser_socket --test browser_recovery --test browser_worker --test browser_hostile --test browser_request}
if [ "$tls_suites" != none ]; then
  start_server wss --tls
  wss_url=$url
fi

# The runner's default of 20 s covers a whole suite; ours takes longer.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
status=0
run_pass ws "$ws_url" \
  "${RESOCKET_BROWSER_SUITES:---test browser_socket --test browser_recovery --test browser_worker --test browser_hostile --test browser_network --test browser_request --test browser_codec}" \
  || status=$?
if [ "$tls_suites" != none ]; then
  run_pass wss "$wss_url" "$tls_suites" || status=$?
fi
write_rows || echo "could not write $rows" >&2
exit "$status"
