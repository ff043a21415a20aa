// The engine's WebAssembly module, as a bundler loads it (the WebAssembly ES module
// integration: Vite 8, webpack's asyncWebAssembly, vite-plugin-wasm, ...), on first use: a
// dynamic import, so the bundler puts it in a chunk of its own and an app's entry code never
// waits for it. wasm-pack wrote it; it imports nothing, so wasm-bindgen's glue beside it
// (resocket_core.js) has nothing to set up and its raw exports are the engine.

/** The engine's exports, once `loadEngine()` has settled; undefined until then. */
export let engine;
let loading;

/** Loads the engine once (again after a failure); settles when `engine` is set. */
export function loadEngine() {
  loading ??= import("./resocket_core_bg.wasm").then(
    (module) => { engine = module; },
    (error) => { loading = undefined; throw error; },
  );
  return loading;
}
