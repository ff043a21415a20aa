// A busy server for a test to kill (SIGKILL): support/shared-server.js's, its store writes
// slowed by 100 ms and its handler by a millisecond a message, on the Redis whose socket is
// the first argument. Prints its URL on a line of its own once it listens.

import { serveShared } from './shared-server.js';

const node = await serveShared(process.argv[2], { slowWritesMs: 100, paceMs: 1 });
process.stdout.write(`${node.url}\n`);
