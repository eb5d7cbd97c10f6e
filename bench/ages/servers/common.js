// What the ages servers share: sending a body (always with content-length,
// keep-alive), listening on loopback and printing the port (the first line
// on stdout is how run.js learns it), and ending on SIGTERM.
import http from 'node:http';

export const LISTEN = { port: 0, host: '127.0.0.1', backlog: 4096 };

export function send(res, body) {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function fail(res, err) {
  if (res.headersSent) return void res.destroy();
  const body = `error: ${err?.message ?? err}\n`;
  res.writeHead(500, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Prints the port for run.js and exits on SIGTERM/SIGINT. */
export function ready(port) {
  process.stdout.write(`${port}\n`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
}

/** Listens `server` (node:http or node:net) on loopback; resolves with the port. */
export function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(LISTEN, () => resolve(server.address().port));
  });
}

/** An HTTP server that answers every request with `handle()`, called blocking on this thread. */
export function blockingServer(handle) {
  return http.createServer((req, res) => {
    req.resume();
    try {
      send(res, handle());
    } catch (err) {
      fail(res, err);
    }
  });
}
