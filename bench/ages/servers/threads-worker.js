// threads: the worker thread of one connection (see threads.js).
import { parentPort } from 'node:worker_threads';
import { handle } from '../work.js';

parentPort.on('message', () => {
  try {
    parentPort.postMessage({ ok: true, body: handle() });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err?.message ?? err) });
  }
});
