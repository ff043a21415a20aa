#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, skipping what is already there:
# the wasm32 target, rustfmt and clippy, wasm-pack, the wasm-bindgen CLI of exactly the version
# in Cargo.lock, Debian's Chromium, ChromeDriver and Redis, the pinned nightly toolchain and cargo-fuzz, and
# the npm packages of package-lock.json (binaryen's wasm-opt, Playwright's driver library,
# TypeScript, Vite, webpack, esbuild), and Node.js 22, Deno and Bun from the npm registry
# (tests/runtimes/).
# Nothing downloads a browser or a driver of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

missing_packages=()
command -v chromium >/dev/null || missing_packages+=(chromium)
command -v chromedriver >/dev/null || missing_packages+=(chromium-driver)
# The shared session store's tests start their own Redis (resocket-axum's `redis` feature).
command -v redis-server >/dev/null || missing_packages+=(redis-server)
if ((${#missing_packages[@]})); then
  log "installing Debian packages: ${missing_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding $component"
    rustup component add "$component"
  fi
done

# The test runner must be the same version as the wasm-bindgen crate in Cargo.lock.
wanted=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$wanted" ]; then
  log "installing wasm-bindgen-cli $wanted (found: ${have:-none}); this takes a few minutes"
  cargo install wasm-bindgen-cli --version "=$wanted"
fi

if ! wasm-pack --version 2>/dev/null | grep -q '^wasm-pack 0\.15\.'; then
  log "installing wasm-pack 0.15; this takes a few minutes"
  cargo install wasm-pack --version '^0.15'
fi

# The package build rebuilds the standard library without panic messages (scripts/package.sh)
# and cargo-fuzz needs sanitizers: both take the pinned nightly toolchain.
source scripts/nightly.sh
if ! rustup toolchain list | grep -q "^$NIGHTLY"; then
  log "installing the $NIGHTLY toolchain (package build, fuzzing)"
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src --target wasm32-unknown-unknown
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The JavaScript runtimes the package is tested on besides this Node.js: Node.js 22, Deno and
# Bun, each published on the npm registry (tests/runtimes/).
if [ ! -f tests/runtimes/node_modules/.package-lock.json ] \
  || [ tests/runtimes/package-lock.json -nt tests/runtimes/node_modules/.package-lock.json ]; then
  log "installing Node.js 22, Deno and Bun (npm ci in tests/runtimes)"
  npm ci --prefix tests/runtimes --no-audit --no-fund --loglevel=error
fi

log "ready"
