// The essay's server, blocking-style: accept a connection, spawn a green
// thread to handle it, accept the next. Each handler reads and writes as if
// it had the machine to itself; the hub does the real I/O for all of them.
// Then a few clients, also green threads, talk to it at once.
//
//   npx greenthread run examples/echo-server.mjs 20
import { connect, listen, spawn } from 'greenthread';

const clients = Number(process.argv[2] ?? 10);

function handleConn(conn) {
  for (;;) {
    const request = conn.recv(4096);
    if (request.length === 0) break; // the client closed
    conn.sendall(request.toString().toUpperCase());
  }
  conn.close();
}

function acceptLoop(server, n) {
  for (let i = 0; i < n; i++) spawn(handleConn, server.accept());
}

function client(port, id) {
  const conn = connect(port, '127.0.0.1');
  const started = performance.now();
  let answers = 0;
  for (let i = 0; i < 100; i++) {
    conn.sendall(`hello ${id}.${i}`);
    if (conn.recv(4096).toString() === `HELLO ${id}.${i}`) answers++;
  }
  conn.close();
  return { id, answers, ms: performance.now() - started };
}

const server = listen({ port: 0, host: '127.0.0.1' });
console.log(`echo server on 127.0.0.1:${server.port}`);
spawn(acceptLoop, server, clients);
const t0 = performance.now();
const results = Array.from({ length: clients }, (_, id) => spawn(client, server.port, id)).map((g) => g.wait());
const ok = results.reduce((n, r) => n + r.answers, 0);
console.log(`${clients} clients × 100 round trips: ${ok} answers right, in ${Math.round(performance.now() - t0)} ms (${Math.round((ok / (performance.now() - t0)) * 1000)} round trips/s)`);
server.close();
