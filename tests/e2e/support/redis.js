// A Redis of the test file's own: Debian's `redis-server` (scripts/setup.sh installs it) on a
// Unix socket in a fresh directory under target/e2e/ (no port to collide with), nothing saved
// to disk; `stop()` ends it. The e2e servers take its `url`, node-redis clients its `path`.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { outDir } from './paths.js';

export async function startRedis() {
  const dir = path.join(outDir, `redis-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'redis.sock');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const failed = new Promise((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run redis-server (scripts/setup.sh installs it): ${error.message}`)));
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new Error('redis-server did not listen within 10 s');
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 20))]);
  }
  return {
    /** The URL the servers take: `redis+unix:///…/redis.sock`. */
    url: `redis+unix://${socket}`,
    /** The Unix socket's path, for a client of the `redis` package: `createClient({ socket: { path } })`. */
    path: socket,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
