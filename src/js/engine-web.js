// The engine's WebAssembly module for the web build (a plain <script type="module"> or a
// module Worker): wasm-bindgen's glue (resocket_core.js, written by wasm-pack) fetches it from
// beside this file and instantiates it; its raw exports are the engine.
import init from "./resocket_core.js";

export const engine = await init();
