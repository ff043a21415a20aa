// The engine's WebAssembly module, as a bundler loads it (the WebAssembly ES module
// integration: webpack's asyncWebAssembly, vite-plugin-wasm, ...). wasm-pack wrote it; it
// imports nothing, so wasm-bindgen's glue beside it (resocket_core.js) has nothing to set up
// and its raw exports are the engine.
import * as engine from "./resocket_core_bg.wasm";

export { engine };
