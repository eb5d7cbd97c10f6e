// threads: a worker thread per connection, blocking inside it, the essay's
// threaded server as Node allows it. Node 20 cannot hand a socket to a
// worker, so the main thread keeps the socket and parses HTTP, and each
// connection gets its own worker (started when the connection is accepted,
// ended when it closes) that runs the blocking handler for that
// connection's requests; the main thread relays each request to it and the
// body back.
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { fail, listen, ready, send } from './common.js';

const WORKER = new URL('./threads-worker.js', import.meta.url);
const perSocket = new WeakMap();

const server = http.createServer((req, res) => {
  req.resume();
  const conn = perSocket.get(req.socket);
  conn.waiting.push(res);
  conn.worker.postMessage(null);
});

server.on('connection', (socket) => {
  const worker = new Worker(WORKER);
  const conn = { worker, waiting: [] };
  perSocket.set(socket, conn);
  worker.on('message', (m) => {
    const res = conn.waiting.shift();
    if (!res) return;
    if (m.ok) send(res, m.body);
    else fail(res, new Error(m.error));
  });
  worker.on('error', (err) => {
    for (const res of conn.waiting.splice(0)) fail(res, err);
  });
  socket.once('close', () => worker.terminate());
});
ready(await listen(server));
