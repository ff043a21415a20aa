// A small static file server on a free loopback port, for the test pages and the built
// consumer apps: a second origin, so the pages reach the test server's WebSockets
// cross-origin, as an app served from its own host would.

import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves each `mounts` entry (URL prefix -> directory) and answers 404 for everything else.
 * `mounts` is read on every request, so a directory built later can be added to it.
 * @param {Record<string, string>} mounts e.g. `{ '/': pagesDir, '/pkg/': pkgDir }`
 */
export async function startStaticServer(mounts) {
  const server = http.createServer(async (request, response) => {
    try {
      const { pathname } = new URL(request.url, 'http://localhost');
      const file = await resolveFile(mounts, decodeURIComponent(pathname));
      if (!file) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}\n`);
        return;
      }
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      response.end(body);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error}\n`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    mounts,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function resolveFile(mounts, pathname) {
  const prefix = Object.keys(mounts)
    .filter((candidate) => pathname.startsWith(candidate))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return undefined;
  const root = path.resolve(mounts[prefix]);
  let file = path.resolve(root, `.${path.posix.sep}${pathname.slice(prefix.length)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    if (!(await stat(file).catch(() => undefined))?.isFile()) return undefined;
  } else if (!info?.isFile()) {
    return undefined;
  }
  return file;
}
