// prefork: node:cluster with one worker process per core, started before
// any connection arrives; the primary hands each connection to a worker
// (round-robin). A worker runs the blocking handler, so it serves one
// request at a time: at most as many requests in progress as cores.
import cluster from 'node:cluster';
import os from 'node:os';
import { handle } from '../work.js';
import { LISTEN, blockingServer, ready } from './common.js';

if (cluster.isPrimary) {
  const n = os.availableParallelism();
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    if (++listening === n) ready(address.port);
  });
  cluster.on('exit', (_worker, code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`prefork: a worker exited with ${code ?? signal}`);
  });
  // Every worker listens on port 0: the primary holds one port and shares it.
  for (let i = 0; i < n; i++) cluster.fork();
} else {
  const server = blockingServer(handle);
  server.listen(LISTEN);
}
