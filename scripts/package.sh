#!/usr/bin/env bash
# Builds the npm package into pkg/: the bundler build at its root (what `import "resocket"`
# gets) and the web build in pkg/web/ (for a plain <script type="module">), each the
# hand-written JavaScript and types from src/js/ and the engine's wasm, which imports nothing
# and needs no generated glue; its README is the JavaScript guide (docs/javascript.md). The
# engine is npm-core/, built by scripts/nightly.sh's build_engine. Needs scripts/setup.sh (the
# pinned nightly toolchain, and binaryen's wasm-opt from node_modules).
#   RESOCKET_PKG_OUT=DIR   builds into DIR instead of pkg/ (for side-by-side builds)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nightly.sh

pkg=${RESOCKET_PKG_OUT:-pkg}
rm -rf "$pkg"
mkdir -p "$pkg"/web
build_engine
# --converge repeats -Oz while it still shrinks; the names, producers and target-features
# sections are metadata nothing reads at run time.
node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-multivalue --enable-mutable-globals "$ENGINE_WASM" -o "$pkg"/resocket_core.wasm
cp "$pkg"/resocket_core.wasm "$pkg"/web/
for dir in "$pkg" "$pkg"/web; do
  cp src/js/resocket.js src/js/driver.js src/js/options.js src/js/request.js src/js/core.js src/js/contract.js "$dir"/
done
# The one difference between the builds: how the engine's wasm is loaded.
cp src/js/engine.js "$pkg"/engine.js
cp src/js/engine-web.js "$pkg"/web/engine.js
cp src/js/resocket.d.ts "$pkg"/resocket.d.ts
cp src/js/resocket.d.ts "$pkg"/web/resocket.d.ts
cp LICENSE-MIT LICENSE-APACHE "$pkg"/

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
    "driver.js",
    "options.js",
    "request.js",
    "resocket.d.ts",
    "core.js",
    "contract.js",
    "engine.js",
    "resocket_core.wasm",
    "web/",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
  ],
  // driver.js listens to the page's network and lifecycle events when first imported, and
  // the engine modules load the wasm.
  sideEffects: ["./driver.js", "./engine.js", "./web/driver.js", "./web/engine.js"],
};
writeFileSync(`${process.env.PKG_OUT}/package.json`, JSON.stringify(manifest, null, 2) + "\n");
// The package's README is the JavaScript guide. Its relative links name files of the
// repository, which the package does not hold, so they become links into the repository
// (HEAD: its default branch); links within the guide stay as they are.
const guide = readFileSync("docs/javascript.md", "utf8").replace(
  /\]\((?!#|[a-z]+:)([^)\s]+)\)/g,
  (_, target) => {
    const kind = target.split("#")[0].endsWith("/") ? "tree" : "blob";
    return `](${new URL(target, `${manifest.repository.url}/${kind}/HEAD/docs/`).href})`;
  },
);
writeFileSync(`${process.env.PKG_OUT}/README.md`, guide);
NODE
echo "package ready in $pkg/ ($(du -sh "$pkg" | cut -f1))"
