// The engine's WebAssembly module for the web build (a plain <script type="module"> or a
// module Worker), on first use: wasm-bindgen's glue (resocket_core.js, written by wasm-pack)
// fetches it from beside this file and instantiates it; its raw exports are the engine.
import init from "./resocket_core.js";

/** The engine's exports, once `loadEngine()` has settled; undefined until then. */
export let engine;
let loading;

/** Loads the engine once (again after a failure); settles when `engine` is set. */
export function loadEngine() {
  loading ??= init().then(
    (exports) => { engine = exports; },
    (error) => { loading = undefined; throw error; },
  );
  return loading;
}
