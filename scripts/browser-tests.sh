#!/usr/bin/env bash
# Runs the wasm-bindgen-test suites in headless Chromium against freshly started test servers:
# starts a plain server (ws://) and a `--tls` one (wss://, self-signed certificate, accepted by
# Chromium through webdriver.json's --ignore-certificate-errors) on free loopback ports,
# compiles each URL into the suites in turn, runs them, and stops the servers whatever happens.
#   RESOCKET_BROWSER_SUITES       the ws pass, e.g. "--test browser_recovery" (default: all)
#   RESOCKET_BROWSER_TLS_SUITES   the wss pass (default: all four;
#                                 "none" skips it)
set -euo pipefail
cd "$(dirname "$0")/.."

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
  target/debug/resocket-server --port 0 "$@" >"$logs/$name.stdout" 2>"$logs/$name.stderr" &
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

# run_pass NAME URL SUITES: the suites against that server; on failure, its last log lines.
run_pass() {
  local name=$1 server_url=$2 suites=$3 status=0
  echo "=== browser suites over $name ($server_url) ==="
  # shellcheck disable=SC2086
  RESOCKET_TEST_SERVER="$server_url" wasm-pack test --headless --chrome \
    --chromedriver "$(command -v chromedriver)" . $suites || status=$?
  if [ "$status" != 0 ]; then
    echo "--- last $name server log lines ---" >&2
    tail -n 40 "$logs/$name.stderr" >&2
  fi
  return "$status"
}

start_server ws
ws_url=$url
tls_suites=${RESOCKET_BROWSER_TLS_SUITES:---test browser_socket --test browser_recovery --test browser_worker --test browser_hostile}
if [ "$tls_suites" != none ]; then
  start_server wss --tls
  wss_url=$url
fi

# The runner's default of 20 s covers a whole suite; ours takes longer.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
status=0
run_pass ws "$ws_url" \
  "${RESOCKET_BROWSER_SUITES:---test browser_socket --test browser_recovery --test browser_worker --test browser_hostile}" \
  || status=$?
if [ "$tls_suites" != none ]; then
  run_pass wss "$wss_url" "$tls_suites" || status=$?
fi
exit "$status"
