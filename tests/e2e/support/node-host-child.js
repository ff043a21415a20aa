// The Node.js host's page (see node-host.js): a process of the runtime under test that imports
// the package as Node.js resolves it (its root entry, the "node" conditions), makes the harness's
// `h`, `ReSocket` and `resocket` globals as the harness page does (and `window`, the global
// object, which the tests' steps name as a page's), and runs the steps it is sent.
// The suite's mounts (URL prefix -> directory, as the static server serves them to a page)
// resolve a step's `import('/prefix/file')` to that file.
//   argv: the package's directory, the test server's ws: and http: bases, the mounts (JSON)

import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeHarness } from '../pages/helpers.js';
import { RUST_FACE_ON_NODE } from './node-host.js';

const [pkgDir, ws, http, mounts] = process.argv.slice(2);

const MOUNT_HOOKS = `
import path from 'node:path';
import { pathToFileURL } from 'node:url';
let mounts = {};
export function initialize(data) { mounts = data; }
export function resolve(specifier, context, next) {
  const prefix = Object.keys(mounts).find((each) => specifier.startsWith(each));
  if (prefix === undefined) return next(specifier, context);
  return next(pathToFileURL(path.join(mounts[prefix], specifier.slice(prefix.length))).href, context);
}`;
register(`data:text/javascript,${encodeURIComponent(MOUNT_HOOKS)}`, { data: JSON.parse(mounts) });

/** What went wrong outside a step, as a browser reports an uncaught error of the page. */
function problem(text) {
  process.send({ problem: text });
}
process.on('uncaughtException', (error) => problem(`uncaught: ${error?.stack ?? error}`));
process.on('unhandledRejection', (error) => problem(`unhandled rejection: ${error?.stack ?? error}`));

const resocket = await import(pathToFileURL(path.join(pkgDir, 'resocket.js')).href);
const h = makeHarness(resocket, { ws, http });
const open = h.open;
h.open = (face, ...rest) => (face === 'rust' ? Promise.reject(new Error(RUST_FACE_ON_NODE)) : open(face, ...rest));
Object.assign(globalThis, { window: globalThis, resocket, ReSocket: resocket.ReSocket, h });

// A step: `source`, a function's text, called with `arg`; its result (structured-cloned) or
// its error goes back under `id`.
process.on('message', async ({ id, source, arg }) => {
  try {
    const step = (0, eval)(`(${source})`);
    process.send({ id, result: await step(arg) });
  } catch (error) {
    process.send({ id, error: { message: error?.message ?? String(error), stack: error?.stack } });
  }
});
process.send({ ready: true });
