// The engine's WebAssembly module, as a bundler loads it (the WebAssembly ES module
// integration: webpack's asyncWebAssembly, vite-plugin-wasm, ...). It imports nothing.
import * as engine from "./resocket_core.wasm";

export { engine };
