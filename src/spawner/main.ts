/**
 * Entry of the spawner: a small Node process the hub starts while it is
 * still small, which starts the children of green threads on its behalf.
 *
 * Why: on Linux, libuv starts a child with fork(), which copies the page
 * tables of the calling process and stalls its other threads meanwhile. The
 * hub's process holds every carrier's heap, so a fork there costs tens to
 * hundreds of milliseconds on the hub's only thread; a fork of this process
 * costs well under one (BENCHMARKS.md, "spawn-cost").
 *
 * It runs each child as the green spawnSync asks (run-child.ts) and answers
 * when it ends. It ignores SIGINT (a terminal's Ctrl-C reaches the children
 * and the hub, which decides), and exits when the hub goes away.
 *
 * Runs in the spawner process only.
 */
import { errorToWire } from '../errors.js';
import type { FromSpawner, ToSpawner } from './protocol.js';
import { runChild } from './run-child.js';

const send = (msg: FromSpawner) => {
  // The hub may be gone already; its children's results then have nobody to go to.
  if (process.connected) process.send!(msg);
};
const running = new Map<number, () => void>();

process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
process.on('message', (msg: ToSpawner) => {
  if (msg.t === 'kill') {
    running.get(msg.id)?.();
    return;
  }
  try {
    const cancel = runChild(msg.request, (reply) => {
      running.delete(msg.id);
      send({ t: 'done', id: msg.id, reply });
    });
    running.set(msg.id, cancel);
  } catch (err) {
    // Options spawn() refuses (a bad uid, a cwd that is not a string): the green thread gets Node's error.
    send({ t: 'failed', id: msg.id, error: errorToWire(err) });
  }
});
