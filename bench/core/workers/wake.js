// A bare worker parked on Atomics.wait, woken by the main thread with
// Atomics.notify: the physical floor of a warm spawn (waking a parked carrier).
// Slot 0: wake count from main; slot 1: acknowledged count; the Float64 at
// byte 16 is the time (absolute ms) of the worker's first instruction after
// each wake-up.
import { workerData } from 'node:worker_threads';

const a = new Int32Array(workerData.sab);
const f = new Float64Array(workerData.sab, 16, 1);
for (let i = 1; i <= workerData.n; i++) {
  for (let v = Atomics.load(a, 0); v < i; v = Atomics.load(a, 0)) Atomics.wait(a, 0, v);
  f[0] = performance.timeOrigin + performance.now();
  Atomics.store(a, 1, i);
  Atomics.notify(a, 1, 1);
}
