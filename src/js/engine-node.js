// The engines' WebAssembly modules on Node.js and Bun, on first use: read from beside this file
// and instantiated. Neither can fetch a file: URL, Node.js before 24 cannot import a .wasm file
// (and warns that it is experimental where it can), and Bun imports one as its path. They import
// nothing, so their raw exports are the engine, with no glue to set up. (Deno imports the .wasm
// files as the bundler build does, without asking for permission to read files.)
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * The exports of the wasm at `url` (a file: URL beside this file, which bundlers for servers
 * that copy such files rewrite), named `file`.
 */
async function instantiate(url, file) {
  let bytes;
  try {
    bytes = await readFile(url);
  } catch (error) {
    // Bundled into a server build that does not copy the wasm (Vite's SSR build of a package it
    // was told not to leave external, say), this module is no longer beside it: it is read from
    // the installed package.
    if (error?.code !== "ENOENT") throw error;
    bytes = await readFile(new URL(file, pathToFileURL(createRequire(import.meta.url).resolve("resocket/package.json"))));
  }
  return (await WebAssembly.instantiate(bytes)).instance.exports;
}

/** By engine (0 the default engine, 1 the session engine): [its file, a load of its exports]. */
export const ENGINES = [
  ["resocket_core_bg.wasm", () => instantiate(new URL("./resocket_core_bg.wasm", import.meta.url), "resocket_core_bg.wasm")],
  ["resocket_session_bg.wasm", () => instantiate(new URL("./resocket_session_bg.wasm", import.meta.url), "resocket_session_bg.wasm")],
];

// Shared connections are the browser's: tabs of one origin.
export const sharedWorker = undefined;
