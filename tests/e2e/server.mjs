// Tiny static file server for the built app (dist/), mounted under a sub-path so tests prove that
// every asset URL is relative. Used by tests/e2e/helpers.mjs and tests/bench/bench.mjs.
//
// CLI: node tests/e2e/server.mjs [dist-dir] [port]   → serves at http://127.0.0.1:<port>/faultline/sub/path/
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sub-path the app is served under (anything outside it is a 404). */
export const BASE_PATH = '/faultline/sub/path/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Serves `root` under `base` on 127.0.0.1 (a random free port unless `port` is given).
 * Resolves to `{ url, port, close(), requests }`; `url` is the app's root page, ending in `/`.
 * `requests` lists `{ path, status }` of every request, for asserting on 404s.
 */
export async function startServer({ root, base = BASE_PATH, port = 0 } = {}) {
  const dir = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      requests.push({ path, status });
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
      res.end(body);
    };
    if (path === base.slice(0, -1)) {
      requests.push({ path, status: 301 });
      res.writeHead(301, { location: base });
      return res.end();
    }
    if (!path.startsWith(base)) return send(404, `not under ${base}`);
    let file = normalize(join(dir, path.slice(base.length)));
    if (file !== dir && !file.startsWith(dir + sep)) return send(403, 'forbidden');
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      send(200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      send(404, 'not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const actual = server.address().port;
  return {
    url: `http://127.0.0.1:${actual}${base}`,
    port: actual,
    requests,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? 'dist';
  const srv = await startServer({ root, port: Number(process.argv[3] ?? 0) });
  console.log(`serving ${root} at ${srv.url}`);
}
