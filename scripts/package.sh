#!/usr/bin/env bash
# Builds the npm package into pkg/ with `wasm-pack build` (scripts/nightly.sh's build_engine,
# which builds the engine, npm-core/): the bundler build at its root (what `import "resocket"`
# gets) and the web build in pkg/web/ (for a plain <script type="module">). The engine ships
# twice: the default engine, resocket_core_bg.wasm, which every page loads on first use, and
# the session engine, resocket_session_bg.wasm (built with the core's session feature), which
# a page loads only when a socket asks for a session. Both import nothing and export the same
# functions, which the hand-written JavaScript and types from src/js/ read raw, with no glue.
# To what wasm-pack writes it adds that JavaScript, the session engine's wasm, the licenses,
# the README (the JavaScript guide, docs/javascript.md) and resocket/server (the Node adapter,
# src/js/server/, with its wasm from npm-server/, and its RedisStore); it runs binaryen's wasm-opt on
# both engines and gives wasm-pack's package.json the package's name, version, entry points,
# files and side effects. Needs scripts/setup.sh (wasm-pack, the wasm-bindgen CLI, the pinned
# nightly toolchain, and binaryen's wasm-opt from node_modules).
#   RESOCKET_PKG_OUT=DIR   builds into DIR instead of pkg/ (for side-by-side builds)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nightly.sh

pkg=${RESOCKET_PKG_OUT:-pkg}
rm -rf "$pkg"
build_engine "$pkg" core --target bundler
# Of the session engine's build only the wasm ships: its glue would be the default engine's.
session=target/npm-core/session-engine
rm -rf "$session"
build_engine "$session" session --target bundler --no-pack
cp "$session"/resocket_session_bg.wasm "$pkg"/
# src/js/engine.js and engine-web.js load the wasm themselves, without wasm-bindgen's glue,
# which has nothing to set up while the wasm imports nothing; src/js/core.js drives either
# engine with the same calls.
node -e 'const [core, session] = process.argv.slice(1).map((file) => [file, new WebAssembly.Module(require("fs").readFileSync(file))]);
  for (const [file, module] of [core, session]) {
    if (WebAssembly.Module.imports(module).length) {
      console.error(`${file} imports from JavaScript: src/js/engine.js must load it through the glue`);
      process.exit(1);
    }
  }
  const names = ([, module]) => WebAssembly.Module.exports(module).map(({ name, kind }) => `${name} (${kind})`).join(", ");
  if (names(core) !== names(session)) {
    console.error(`the engines export different functions:\n${core[0]}: ${names(core)}\n${session[0]}: ${names(session)}`);
    process.exit(1);
  }' "$pkg"/resocket_core_bg.wasm "$pkg"/resocket_session_bg.wasm
for wasm in "$pkg"/resocket_core_bg.wasm "$pkg"/resocket_session_bg.wasm; do
  # --converge repeats -Oz while it still shrinks; the names, producers and target-features
  # sections are metadata nothing reads at run time.
  node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-multivalue --enable-mutable-globals "$wasm" -o "$wasm"
done
# The web build is a directory of the same package, so it gets no package.json of its own; its
# engines are the same files.
mkdir "$pkg"/web
cp "$pkg"/resocket_core_bg.wasm "$pkg"/resocket_session_bg.wasm "$pkg"/web/
for dir in "$pkg" "$pkg"/web; do
  cp src/js/resocket.js src/js/driver.js src/js/options.js src/js/format.js src/js/naming.js src/js/request.js src/js/core.js \
    src/js/pending.js src/js/saved.js src/js/interest.js src/js/contract.js src/js/events.js \
    src/js/shared.js src/js/shared-links.js src/js/shared-hub.js src/js/shared-worker.js \
    src/js/resocket.d.ts "$dir"/
done
# The framework bindings (resocket/react, resocket/vue, resocket/svelte) in both builds: each
# imports the resocket.js beside it, so a page has one ReSocket whichever it imports.
for dir in "$pkg" "$pkg"/web; do
  mkdir "$dir"/bindings
  cp src/js/bindings/*.js src/js/bindings/*.d.ts "$dir"/bindings/
done
# The one difference between the builds: how the engines' wasm is loaded. The package's root
# imports "#engine", which its `imports` field (below) maps by runtime: engine-node.js on Node.js
# and Bun, engine.js for bundlers and Deno. The web build runs unbundled in browsers, which do
# not read package.json: it names its own loader.
cp src/js/engine.js "$pkg"/engine.js
cp src/js/engine-node.js "$pkg"/engine-node.js
cp src/js/engine-web.js "$pkg"/web/engine.js
sed -i 's|from "#engine";|from "./engine.js";|' "$pkg"/web/core.js "$pkg"/web/shared-links.js
if grep -l 'from "#engine"' "$pkg"/web/*.js; then
  echo "the web build still imports #engine (above): name its loader in scripts/package.sh" >&2
  exit 1
fi
cp LICENSE-MIT LICENSE-APACHE "$pkg"/

# resocket/server, the Node adapter (src/js/server/): its JavaScript and the session protocol's
# server side (npm-server/, the core's ServerSession), a wasm of plain exports loaded with
# readFileSync. Built with the stable toolchain: a server's wasm is not measured in gzip bytes.
mkdir -p "$pkg"/server
CARGO_TARGET_DIR=$PWD/target/npm-server \
  cargo build --quiet --release --locked -p resocket-npm-server --target wasm32-unknown-unknown
node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-multivalue --enable-mutable-globals \
  target/npm-server/wasm32-unknown-unknown/release/resocket_npm_server.wasm -o "$pkg"/server/resocket_server.wasm
cp src/js/server/index.js src/js/server/engine.js src/js/server/durable.js src/js/server/redis-store.js \
  src/js/server/index.d.ts "$pkg"/server/
# RedisStore's scripts are resocket-axum's files, so Rust and Node servers share one layout.
mkdir -p "$pkg"/server/redis
cp adapters/axum/redis/*.lua "$pkg"/server/redis/

PKG_OUT="$pkg" node --input-type=module - <<'NODE'
import { readFileSync, writeFileSync } from "node:fs";
const cargo = readFileSync("Cargo.toml", "utf8");
const field = (name) => cargo.match(new RegExp(`^${name} = "(.*)"`, "m"))[1];
const path = `${process.env.PKG_OUT}/package.json`;
// wasm-pack's manifest names the engine's crate and lists its own files (the default engine's
// wasm and glue): the package is resocket, at the library's version, its entry points are the
// hand-written modules, and it holds the session engine's wasm too.
const generated = JSON.parse(readFileSync(path, "utf8"));
const manifest = {
  ...generated,
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
    // The SharedWorker of shared connections, for an application's own worker file to import.
    "./shared-worker": "./shared-worker.js",
    // Node only: resumable sessions over the `ws` package.
    "./server": { types: "./server/index.d.ts", default: "./server/index.js" },
  },
  // The loader of the engines' wasm, by runtime (see src/js/core.js). Deno imports .wasm files
  // (and would need permission to read them); Node.js and Bun read them; bundlers import them.
  imports: {
    "#engine": { deno: "./engine.js", bun: "./engine-node.js", node: "./engine-node.js", default: "./engine.js" },
  },
  // Node.js from 20.19 imports the package, and `require`s it (it has no top-level await);
  // sockets need a WebSocket, Node.js's own from 22 or the `WebSocket` option's.
  engines: { node: ">=20.19" },
  files: [...new Set([
    ...generated.files,
    "resocket_session_bg.wasm",
    "resocket.js",
    "driver.js",
    "options.js",
    "format.js",
    "naming.js",
    "request.js",
    "resocket.d.ts",
    "core.js",
    "pending.js",
    "saved.js",
    "interest.js",
    "contract.js",
    "events.js",
    "shared.js",
    "shared-links.js",
    "shared-hub.js",
    "shared-worker.js",
    "engine.js",
    "engine-node.js",
    "web/",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "server/",
  ])],
  // resocket/server runs on `ws`, and its RedisStore on the application's client of `redis`;
  // the client needs nothing (on Node.js 20, which has no WebSocket, its `WebSocket` option
  // takes ws's).
  peerDependencies: { ws: ">=8.0.0", redis: ">=5.0.0" },
  peerDependenciesMeta: { ws: { optional: true }, redis: { optional: true } },
  // The client's modules do nothing when imported (the engines load, and the page is listened
  // to, when the first socket is made); resocket/server's engine loads its wasm.
  sideEffects: [...new Set([
    ...generated.sideEffects,
    "./server/engine.js",
    // The SharedWorker of shared connections listens for tabs when loaded.
    "./shared-worker.js",
    "./web/shared-worker.js",
  ])],
};
// The framework bindings: an entry each, in both builds, and their frameworks as optional
// peers (the first versions with what each binding uses: useSyncExternalStore, onScopeDispose,
// the store contract).
for (const [framework, range] of Object.entries({ react: ">=18.0.0", vue: ">=3.2.0", svelte: ">=3.0.0" })) {
  for (const dir of ["", "web/"]) {
    manifest.exports[`./${dir}${framework}`] = { types: `./${dir}bindings/${framework}.d.ts`, default: `./${dir}bindings/${framework}.js` };
  }
  manifest.peerDependencies[framework] = range;
  manifest.peerDependenciesMeta[framework] = { optional: true };
}
manifest.files.push("bindings/");
writeFileSync(path, JSON.stringify(manifest, null, 2) + "\n");
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
