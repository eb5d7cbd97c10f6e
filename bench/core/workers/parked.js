// A bare worker that says it is ready, then parks on Atomics.wait until the
// main thread releases it: the reference for the memory of a parked carrier.
import { parentPort, workerData } from 'node:worker_threads';

const a = new Int32Array(workerData.sab);
parentPort.postMessage('parked');
while (Atomics.load(a, 0) === 0) Atomics.wait(a, 0, 0);
