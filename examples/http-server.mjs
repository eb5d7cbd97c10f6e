// An HTTP server whose handler is blocking-style: it sleeps, runs a shell
// command, and calls another HTTP service with fetchSync, each call parking
// only its own green thread. node:http in the hub parses requests and holds
// the connections. Then 20 clients ask at once.
//
//   npx greenthread run examples/http-server.mjs
import { execSync } from 'node:child_process';
import { fetchSync, serveHttp, sleep } from 'greenthread';

function handler(req) {
  if (req.url === '/time') return { body: { now: new Date().toISOString() } };
  if (req.url.startsWith('/report')) {
    sleep(100); // a slow dependency
    const host = execSync('uname -sr').toString().trim(); // a blocking library call
    const time = fetchSync(`http://127.0.0.1:${req.headers['x-port']}/time`).json(); // another service
    return { status: 200, body: { report: req.url, host, at: time.now } };
  }
  return { status: 404, body: { error: `no route ${req.url}` } };
}

const server = serveHttp({ port: 0, host: '127.0.0.1', concurrency: 32 }, handler);
console.log(`serving on http://127.0.0.1:${server.port}`);

const t0 = performance.now();
const answers = await Promise.all(
  Array.from({ length: 20 }, (_, i) =>
    fetch(`http://127.0.0.1:${server.port}/report/${i}`, { headers: { 'x-port': String(server.port) } }).then((r) => r.json()),
  ),
);
const ms = Math.round(performance.now() - t0);
console.log(`20 requests, each sleeping 100 ms and calling a command and a service, answered in ${ms} ms`);
console.log('first answer:', answers[0]);
server.close();
