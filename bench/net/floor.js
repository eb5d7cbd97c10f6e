// The physical floor of a thread per connection on this machine: what the
// echo benchmark's green threads could reach if a round trip through the hub
// cost nothing but the wake-ups themselves.
//
// The main thread plays the hub and N worker threads play N connections'
// green threads, with the same mechanism greenthread uses and nothing else:
// a worker posts a request by setting its bit in a shared bitset and
// notifying one doorbell; the main thread sleeps on the doorbell with
// Atomics.waitAsync, takes every set bit per wake-up and answers each worker
// with Atomics.notify; the worker, parked in Atomics.wait, wakes and posts
// its next request at once. No sockets, no serialization, no work: every
// echo of a thread-per-connection server needs at least this round trip,
// plus its socket I/O.
//
//   node bench/net/floor.js [--threads 50] [--duration 10] [--json FILE]
import { Worker } from 'node:worker_threads';
import { fmt, machine, parseBenchArgs, runAsMain, writeJson } from '../lib/common.js';

const WORKER = `
const { workerData } = require('node:worker_threads');
const { bell, mine, index } = workerData;
const b = new Int32Array(bell);
const m = new Int32Array(mine);
const word = 1 + (index >>> 5);
const bit = 1 << (index & 31);
let seq = 0;
for (;;) {
  // Post request seq + 1, then park until the main thread answered it.
  seq++;
  Atomics.store(m, 0, seq);
  Atomics.or(b, word, bit);
  Atomics.add(b, 0, 1);
  Atomics.notify(b, 0, 1);
  while (Atomics.load(m, 1) !== seq) Atomics.wait(m, 1, seq - 1);
  if (Atomics.load(m, 2) !== 0) break;
}
`;

/**
 * Round trips per second between the main thread and `threads` parked
 * worker threads over `durationMs` (after a one-second warm-up).
 */
export async function floor(threads, durationMs) {
  const words = Math.ceil(threads / 32);
  const bell = new SharedArrayBuffer((1 + words) * 4);
  const b = new Int32Array(bell);
  const mines = Array.from({ length: threads }, () => new Int32Array(new SharedArrayBuffer(12)));
  const workers = mines.map((m, index) => new Worker(WORKER, { eval: true, workerData: { bell, mine: m.buffer, index } }));
  let count = 0;
  let stop = false;
  const drain = () => {
    for (let w = 0; w < words; w++) {
      let bits = Atomics.exchange(b, 1 + w, 0);
      while (bits !== 0) {
        const i = (w << 5) + (31 - Math.clz32(bits & -bits));
        bits &= bits - 1;
        const m = mines[i];
        if (stop) Atomics.store(m, 2, 1);
        Atomics.store(m, 1, Atomics.load(m, 0));
        Atomics.notify(m, 1, 1);
        count++;
      }
    }
  };
  const loop = async () => {
    while (!stop) {
      const seen = Atomics.load(b, 0);
      drain();
      const r = Atomics.waitAsync(b, 0, seen);
      if (r.async) await r.value;
      // A macrotask turn between wake-ups, as the hub has: timers and I/O get their turn.
      else await new Promise((res) => setImmediate(res));
    }
  };
  const looping = loop();
  await new Promise((r) => setTimeout(r, 1000));
  const start = count;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  const trips = count - start;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  Atomics.add(b, 0, 1);
  Atomics.notify(b, 0);
  await looping;
  drain();
  await Promise.all(workers.map((w) => w.terminate()));
  return { threads, rps: trips / seconds };
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ threads: { type: 'string' }, duration: { type: 'string' } });
  const threads = Number(values.threads ?? 50);
  const r = await floor(threads, Number(values.duration ?? (values.quick ? 3 : 10)) * 1000);
  console.log(`floor: ${threads} worker threads, ${fmt(r.rps, 0)} round trips/s through one waitAsync doorbell`);
  writeJson(values.json, { name: 'net-floor', ...r, machine: machine() });
});
