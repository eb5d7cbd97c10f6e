// A bare worker for the round-trip references. It idles on its event loop and
// runs one batch per message:
//
//   { mode: 'pair', sab, role, n }  worker<->worker ping-pong: role 0 bumps
//       slot 0 and waits (Atomics.wait) for slot 1 to catch up; role 1 waits
//       for slot 0 to move and bumps slot 1. Role 0 reports microseconds per
//       round trip.
//   { mode: 'ask', sab, n }  this worker asks, the main thread answers with
//       Atomics.waitAsync, as a carrier and the hub do: bump slot 0 and
//       notify, then Atomics.wait until slot 1 equals the value bumped to.
//       At the end it sets slot 2 (stop) and rings once more.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (m) => {
  const a = new Int32Array(m.sab);
  if (m.mode === 'pair') {
    const t0 = performance.now();
    if (m.role === 0) {
      for (let i = 0; i < m.n; i++) {
        const mine = Atomics.add(a, 0, 1) + 1;
        Atomics.notify(a, 0, 1);
        for (let v = Atomics.load(a, 1); v !== mine; v = Atomics.load(a, 1)) Atomics.wait(a, 1, v);
      }
    } else {
      for (let i = 0; i < m.n; i++) {
        const seen = Atomics.load(a, 1);
        for (let v = Atomics.load(a, 0); v === seen; v = Atomics.load(a, 0)) Atomics.wait(a, 0, v);
        Atomics.store(a, 1, seen + 1);
        Atomics.notify(a, 1, 1);
      }
    }
    parentPort.postMessage({ role: m.role, usPerRt: ((performance.now() - t0) * 1000) / m.n });
    return;
  }
  if (m.mode === 'ask') {
    const t0 = performance.now();
    for (let i = 0; i < m.n; i++) {
      const mine = Atomics.add(a, 0, 1) + 1;
      Atomics.notify(a, 0, 1);
      for (let v = Atomics.load(a, 1); v !== mine; v = Atomics.load(a, 1)) Atomics.wait(a, 1, v);
    }
    const usPerRt = ((performance.now() - t0) * 1000) / m.n;
    Atomics.store(a, 2, 1);
    Atomics.add(a, 0, 1);
    Atomics.notify(a, 0, 1);
    parentPort.postMessage({ usPerRt });
  }
});
