#!/usr/bin/env bash
# Builds what `make bench` runs, skipping whatever is up to date: bench/node_modules (npm ci),
# the release-built test server, the Rust peers (bench/rust/, one wasm-pack web build each,
# then wasm-opt -Oz as scripts/package.sh does for the library), the npm peers' page bundle,
# and a build of the package's engine (wasm-pack, as scripts/package.sh builds it) that keeps
# its function names, for twiggy.
#   RESOCKET_BENCH_PKG=DIR   the package to measure (default pkg/, built by `make package`)
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/bench
mkdir -p "$out"

if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  echo "[bench] npm ci --prefix bench"
  npm ci --prefix bench --no-audit --no-fund
fi
command -v twiggy >/dev/null || cargo install --locked twiggy

echo "[bench] cargo build --release -p resocket-server"
cargo build --quiet --release -p resocket-server

wasm_opt() {
  node_modules/.bin/wasm-opt -Oz "$@" --enable-bulk-memory --enable-reference-types \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-multivalue --enable-mutable-globals
}

# NAME CRATE [CARGO ARGS...]: one Rust peer's web build under $out/rust/NAME.
build_peer() {
  local name=$1 crate=$2
  shift 2
  echo "[bench] wasm-pack build bench/rust/$crate $*"
  CARGO_TARGET_DIR="$PWD/target/bench-rust" wasm-pack --quiet build "bench/rust/$crate" --release \
    --target web --out-dir "$PWD/$out/rust/$name" --no-pack --no-typescript -- "$@"
  for wasm in "$out/rust/$name"/*_bg.wasm; do wasm_opt "$wasm" -o "$wasm"; done
}
for peer in resocket gloo ws-stream; do build_peer "$peer" "$peer"; done
build_peer resocket-session resocket --features session
build_peer resocket-codecs resocket --features codecs

echo "[bench] the package's default engine with its names kept, for twiggy"
source scripts/nightly.sh
build_engine "$out/resocket-engine" core --target web --no-pack
mkdir -p "$out/resocket-named"
wasm_opt -g "$out/resocket-engine/resocket_core_bg.wasm" -o "$out/resocket-named/resocket_core.wasm"

bench/node_modules/.bin/esbuild bench/page/peers.js --bundle --minify --format=esm \
  --log-level=warning --outfile="$out/peers.js"
