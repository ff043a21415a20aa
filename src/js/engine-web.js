// The engines' WebAssembly modules for the web build (a plain <script type="module"> or a
// module Worker), on first use: fetched from beside this file and instantiated, so a page
// fetches the session engine only if a socket asks for a session. They import nothing, so
// their raw exports are the engine, with no glue to set up.

/** The exports of the wasm at `url`. */
async function instantiate(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText} fetching ${response.url}`);
  return (await WebAssembly.instantiate(await response.arrayBuffer())).instance.exports;
}

/** By engine (0 the default engine, 1 the session engine): [its file, a load of its exports]. */
export const ENGINES = [
  ["resocket_core_bg.wasm", () => instantiate(new URL("./resocket_core_bg.wasm", import.meta.url))],
  ["resocket_session_bg.wasm", () => instantiate(new URL("./resocket_session_bg.wasm", import.meta.url))],
];

/**
 * The SharedWorker that hosts shared connections (`shared: true`): shared-worker.js, beside
 * this file, as a module worker.
 */
export function sharedWorker() {
  return new SharedWorker(new URL("./shared-worker.js", import.meta.url), { type: "module", name: "resocket" });
}
