#!/usr/bin/env bash
# Runs the end-to-end suite (tests/e2e/) with Node's test runner in Debian's Chromium:
# installs the pinned npm dev dependencies when node_modules is missing or older than
# package-lock.json, checks that the package is built (`make package`), builds the test
# server, the Rust face's test class (tests/rust-face/) and the framework examples
# (examples/yew/, examples/leptos/, examples/dioxus/), and runs the test files one after
# another. Each file starts and stops its own server and browser.
#   RESOCKET_E2E=tests/e2e/events.test.js   runs some files only
#   RESOCKET_E2E_PKG=DIR                    tests another build of the package than pkg/
#   RESOCKET_E2E_HOST=node                  runs each test's steps in Node.js 22 instead of a
#                                           Chromium page (tests/e2e/support/node-host.js):
#                                           no browser, no Rust face
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[e2e] npm ci"
  npm ci --no-audit --no-fund
fi

pkg=${RESOCKET_E2E_PKG:-pkg}
for file in package.json resocket.js resocket.d.ts web/resocket.js; do
  if [ ! -f "$pkg/$file" ]; then
    echo "[e2e] $pkg/$file is missing: build the package first with \`make package\`" >&2
    exit 1
  fi
done

if [ "${RESOCKET_E2E_HOST:-}" = node ]; then
  if [ ! -x tests/runtimes/node_modules/.bin/node ]; then
    echo "[e2e] tests/runtimes/node_modules/.bin/node is missing: \`make setup\` installs Node.js 22" >&2
    exit 1
  fi
  cargo build --quiet -p resocket-server
  # shellcheck disable=SC2086
  exec node --test --test-concurrency=1 ${RESOCKET_E2E:-tests/e2e/}
fi

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "[e2e] $chromium is missing: \`make setup\` installs Debian's chromium" >&2
  exit 1
fi

cargo build --quiet -p resocket-server

# The Rust face behind a JS class (tests/rust-face/), for the files that run one test body
# against both faces (pages/faces.js); mounted at /rust-face/ by those files.
wasm-pack --quiet build tests/rust-face --dev --target web --out-dir "$PWD/target/e2e/rust-face" --no-pack

# The framework examples (examples/, a workspace of its own, with the binding crates of
# crates/) for example-FRAMEWORK.test.js, mounted at /example-FRAMEWORK/pkg/ by that file, each
# unless RESOCKET_E2E names test files and not that one; cargo rebuilds one only when its
# sources changed. One target directory for the three: they share most of their dependencies.
for framework in yew leptos dioxus; do
  if [[ ! "${RESOCKET_E2E:-}" =~ \.test\.js ]] || [[ "$RESOCKET_E2E" == *example-$framework* ]]; then
    CARGO_TARGET_DIR="$PWD/target/examples" wasm-pack --quiet build "examples/$framework" --dev \
      --target web --out-dir "$PWD/target/e2e/example-$framework" --out-name example --no-pack \
      -- --locked
  fi
done

# One file at a time: each launches Chromium and a server, and the machine has two cores.
# shellcheck disable=SC2086
exec node --test --test-concurrency=1 ${RESOCKET_E2E:-tests/e2e/}
