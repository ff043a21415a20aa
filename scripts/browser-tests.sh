#!/usr/bin/env bash
# Runs the wasm-bindgen-test suites in headless Chromium against a freshly started test server:
# starts the server on a free loopback port, compiles its URL into the suites, runs them, and
# stops the server whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet -p resocket-server
logs=$(mktemp -d)
target/debug/resocket-server --port 0 >"$logs/stdout" 2>"$logs/stderr" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$logs"
}
trap cleanup EXIT

url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$logs/stdout" || true)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "the test server did not start:" >&2
  cat "$logs/stderr" >&2
  exit 1
fi
echo "test server at $url"

export RESOCKET_TEST_SERVER="$url"
# RESOCKET_BROWSER_SUITES narrows the run, e.g. "--test browser_recovery".
# The runner's default of 20 s covers a whole suite; ours takes longer.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
status=0
wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" . \
  ${RESOCKET_BROWSER_SUITES:---test browser_socket --test browser_recovery --test browser_worker --test browser_hostile} || status=$?
if [ "$status" != 0 ]; then
  echo "--- last server log lines ---" >&2
  tail -n 40 "$logs/stderr" >&2
fi
exit "$status"
