#!/usr/bin/env bash
# Builds the npm package into pkg/: the bundler build at its root (what `import "resocket"`
# gets) and the web build in pkg/web/ (for a plain <script type="module">), each with the
# hand-written JavaScript and types from src/js/ in front of the engine's wasm-bindgen glue.
# The engine is npm-core/, built by scripts/nightly.sh's build_engine. Needs scripts/setup.sh
# (the pinned nightly toolchain, the wasm-bindgen CLI, and binaryen's wasm-opt from
# node_modules).
#   RESOCKET_PKG_OUT=DIR   builds into DIR instead of pkg/ (for side-by-side builds)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nightly.sh

pkg=${RESOCKET_PKG_OUT:-pkg}
build=target/pkg-build-$(basename "$pkg")
rm -rf "$build" "$pkg"
build_engine
for target in bundler web; do
  wasm-bindgen --target "$target" --out-name resocket_core --out-dir "$build/$target" --no-typescript "$ENGINE_WASM"
done

mkdir -p "$pkg"/web
cp "$build"/bundler/resocket_core* "$pkg"/
cp "$build"/web/resocket_core* "$pkg"/web/
# --converge repeats -Oz while it still shrinks; the producers and target-features sections
# are metadata nothing reads at run time.
for wasm in "$pkg"/resocket_core_bg.wasm "$pkg"/web/resocket_core_bg.wasm; do
  node_modules/.bin/wasm-opt -Oz --converge --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-multivalue --enable-mutable-globals "$wasm" -o "$wasm"
done
cp src/js/resocket.js src/js/options.js src/js/request.js "$pkg"/
cp src/js/options.js src/js/request.js "$pkg"/web/
sed 's|^// @init:.*$|await wasm.default();|' src/js/resocket.js >"$pkg"/web/resocket.js
grep -q '^await wasm.default();$' "$pkg"/web/resocket.js || { echo "the @init line is missing in src/js/resocket.js" >&2; exit 1; }
cp src/js/resocket.d.ts "$pkg"/resocket.d.ts
cp src/js/resocket.d.ts "$pkg"/web/resocket.d.ts
cp README.md LICENSE-MIT LICENSE-APACHE "$pkg"/

PKG_OUT="$pkg" node --input-type=module - <<'NODE'
import { readFileSync, writeFileSync } from "node:fs";
const cargo = readFileSync("Cargo.toml", "utf8");
const field = (name) => cargo.match(new RegExp(`^${name} = "(.*)"`, "m"))[1];
const manifest = {
  name: "resocket",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  repository: { type: "git", url: field("repository") },
  keywords: ["websocket", "reconnecting-websocket", "reconnect", "heartbeat", "wasm", "partysocket"],
  type: "module",
  main: "./resocket.js",
  module: "./resocket.js",
  types: "./resocket.d.ts",
  exports: {
    ".": { types: "./resocket.d.ts", default: "./resocket.js" },
    "./web": { types: "./web/resocket.d.ts", default: "./web/resocket.js" },
    "./package.json": "./package.json",
  },
  files: [
    "resocket.js",
    "options.js",
    "request.js",
    "resocket.d.ts",
    "resocket_core.js",
    "resocket_core_bg.js",
    "resocket_core_bg.wasm",
    "web/",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
  ],
  // The bundler glue wires up the wasm module when it is first imported.
  sideEffects: ["./resocket.js", "./resocket_core.js", "./web/resocket.js"],
};
writeFileSync(`${process.env.PKG_OUT}/package.json`, JSON.stringify(manifest, null, 2) + "\n");
NODE
echo "package ready in $pkg/ ($(du -sh "$pkg" | cut -f1))"
