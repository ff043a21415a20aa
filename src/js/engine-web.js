// The engine's WebAssembly module for the web build (a plain <script type="module"> or a
// module Worker): fetched from beside this file. It imports nothing.
const response = await fetch(new URL("resocket_core.wasm", import.meta.url));
const { instance } = await WebAssembly.instantiate(await response.arrayBuffer());

export const engine = instance.exports;
