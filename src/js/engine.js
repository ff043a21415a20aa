// The engines' WebAssembly modules, as a bundler loads them (the WebAssembly ES module
// integration: Vite 8, webpack's asyncWebAssembly, vite-plugin-wasm, ...), on first use: dynamic
// imports, so the bundler puts each in a chunk of its own, an app's entry code never waits for
// one, and a page fetches the session engine only if a socket asks for a session. wasm-pack
// wrote them; they import nothing, so their raw exports are the engine.

/** By engine (0 the default engine, 1 the session engine): [its file, a load of its exports]. */
export const ENGINES = [
  ["resocket_core_bg.wasm", () => import("./resocket_core_bg.wasm")],
  ["resocket_session_bg.wasm", () => import("./resocket_session_bg.wasm")],
];

// A bundler builds workers from the application's own code (a `new SharedWorker(new URL(...,
// import.meta.url))` it can see), so the bundler build makes none: shared connections are held
// by a leader tab unless the application passes `shared: { worker }` (see the guide).
export const sharedWorker = undefined;
