// server.js: a static file server for the browser tests and the demo: the
// repository root over HTTP on 127.0.0.1 (a secure context, so OPFS and
// crypto.randomUUID work), with the MIME types ES modules and WebAssembly
// need. No COOP/COEP headers: persistence must work without them.
//
//   node web/test/server.js [port]      serve until stopped (port 0: any free one)
//   import { serve } from './server.js'  for the tests: await serve() -> { url, close }
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css', '.txt': 'text/plain',
};

// isolated: COOP and COEP headers on every response, so the page is
// cross-origin isolated (SharedArrayBuffer: the threads build).
const handler = (isolated) => (req, res) => {
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  // a folder's index.html (the demo: /examples/browser/)
  const file = path.join(ROOT, rel.endsWith('/') ? `${rel}index.html` : rel);
  if (!file.startsWith(ROOT + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${rel}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-store',
      ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
    });
    fs.createReadStream(file).pipe(res);
  });
};

export function serve(port = 0, { isolated = false } = {}) {
  return new Promise((resolve, reject) => {
    const srv = http.createServer(handler(isolated));
    srv.on('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${srv.address().port}`, close: () => new Promise((r) => srv.close(r)) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await serve(Number(process.argv[2] ?? 8080));
  console.log(`serving ${ROOT} at ${url}/ (demo: ${url}/examples/browser/)`);
}
