// The servers the net benchmark loads, one per process: the same protocol
// written blocking-style with greenthread and as native async Node.
//
//   node bench/net/server.js http|echo green|native [concurrency]
//
// Prints the port it listens on (loopback), then serves until SIGINT/SIGTERM.
import http from 'node:http';
import net from 'node:net';
import { listen, serve, serveHttp, spawn } from '../../dist/index.js';

const [kind, impl, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 64);
const BODY = 'hello world';

/** The blocking-style HTTP handler. */
function hello() {
  return BODY;
}

/** The blocking-style echo handler: the essay's handleConn. */
function echo(conn) {
  for (;;) {
    const data = conn.recv(65536);
    if (data.length === 0) break;
    conn.sendall(data);
  }
  conn.close();
}

function greenEcho(ready, concurrency) {
  const server = listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  ready.put(server.port);
  serve(server, echo, { concurrency });
}

async function main() {
  if (kind === 'http' && impl === 'native') {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(BODY);
    });
    await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
    return server.address().port;
  }
  if (kind === 'echo' && impl === 'native') {
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      s.on('data', (d) => s.write(d));
      s.on('error', () => {});
    });
    await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
    return server.address().port;
  }
  if (kind === 'http' && impl === 'green') {
    return spawn((concurrency) => serveHttp({ port: 0, host: '127.0.0.1', backlog: 4096, concurrency }, hello).port, concurrency).result;
  }
  if (kind === 'echo' && impl === 'green') {
    const { Queue } = await import('../../dist/index.js');
    const ready = new Queue();
    spawn(greenEcho, ready, concurrency);
    return ready.getAsync();
  }
  throw new Error(`usage: node bench/net/server.js http|echo green|native [concurrency]`);
}

const port = await main();
console.log(port);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
