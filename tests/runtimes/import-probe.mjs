// Imports the package (and `require`s it) as server-side rendering does, or with a path in
// argv[2] that module (a server build that bundled the package), with every browser global the
// package might reach for watched: prints the names it read and whether the import threw.
// Importing must touch none of them (tests/e2e/runtimes.test.js).
import { createRequire } from "node:module";

const WATCHED = ["window", "document", "navigator", "location", "self", "WebSocket", "addEventListener",
  "removeEventListener", "localStorage", "sessionStorage", "SharedWorker", "BroadcastChannel", "CloseEvent",
  "ErrorEvent", "MessageEvent", "fetch"];
const touched = new Set();
for (const name of WATCHED) {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      touched.add(name);
      return descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value;
    },
  });
}

const bundle = process.argv[2];
const outcome = bundle ? { rendered: undefined } : { imported: false, required: false };
try {
  if (bundle) {
    outcome.rendered = (await import(new URL(bundle, import.meta.url).href)).render();
  } else {
    outcome.imported = typeof (await import("resocket")).ReSocket === "function";
    outcome.required = typeof createRequire(import.meta.url)("resocket").ReSocket === "function";
  }
} catch (error) {
  outcome.error = String(error?.stack ?? error);
}
console.log(JSON.stringify({ ...outcome, touched: [...touched] }));
