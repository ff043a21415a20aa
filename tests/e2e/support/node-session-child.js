// The Node session server of node-session-server.js in a process of its own, its sessions in
// the Redis whose Unix socket is the first argument, for a test to kill: prints
// "listening on URL" once it listens; SIGTERM stops it cleanly.

import { startNodeSessionServer } from './node-session-server.js';

const server = await startNodeSessionServer({ redisPath: process.argv[2] });
process.stdout.write(`listening on ${server.url}\n`);
process.once('SIGTERM', () => server.stop().finally(() => process.exit(0)));
