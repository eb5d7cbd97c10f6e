// A bare worker whose first instruction records the time (absolute ms), then
// posts it: the reference for a cold carrier start.
const first = performance.timeOrigin + performance.now();
const { parentPort } = await import('node:worker_threads');
parentPort.postMessage(first);
