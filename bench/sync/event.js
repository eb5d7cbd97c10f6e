// event: how long from Event.set() on the hub until the waiting green thread
// runs again, beside a bare worker woken by a postMessage from the main
// thread, measured in the same run.
//
//   node bench/sync/event.js [--quick] [--n N] [--json FILE]
import { Worker } from 'node:worker_threads';
import { configure, Event, spawn } from '../../dist/index.js';
import { delay, fmt, intOpt, runAsMain, machine, median, parseBenchArgs, percentile, printTable, progress, ratio, writeJson } from '../lib/common.js';

const NAME = 'event';

/** Waits on each event in turn; returns the absolute wake-up times. */
function waiter(events) {
  const woke = [];
  for (const ev of events) {
    ev.wait();
    woke.push(performance.timeOrigin + performance.now());
  }
  return woke;
}

const PORT_WAITER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => { if (m === 'stop') process.exit(0); parentPort.postMessage(performance.timeOrigin + performance.now()); });`;

export async function run({ quick = false, n } = {}) {
  n ??= quick ? 100 : 500;
  configure({ minCarriers: 2 });
  const events = Array.from({ length: n }, () => new Event());
  const g = spawn(waiter, events);
  await delay(100);
  const setAt = [];
  for (const ev of events) {
    await delay(2); // the waiter is parked again before the next set
    setAt.push(performance.timeOrigin + performance.now());
    ev.set(true);
  }
  const woke = await g.result;
  const green = woke.map((t, i) => (t - setAt[i]) * 1000);
  progress(NAME, `${n} Event wake-ups measured; now a bare worker woken by postMessage`);

  const w = new Worker(PORT_WAITER, { eval: true });
  await new Promise((r) => w.once('online', r));
  const ports = [];
  for (let i = 0; i < n; i++) {
    await delay(2);
    const sent = performance.timeOrigin + performance.now();
    w.postMessage(i);
    const at = await new Promise((r) => w.once('message', r));
    ports.push((at - sent) * 1000);
  }
  w.postMessage('stop');
  const result = {
    name: NAME,
    n,
    eventP50Us: median(green),
    eventP99Us: percentile(green, 99),
    portP50Us: median(ports),
    portP99Us: percentile(ports, 99),
    machine: machine(),
  };
  printTable(
    `Wake-up latency: set on the hub until the waiter runs (${n} samples)`,
    ['what', 'p50 us', 'p99 us', 'p50 vs postMessage'],
    [
      ['Event.set() -> green thread in Event.wait()', fmt(result.eventP50Us), fmt(result.eventP99Us), ratio(result.eventP50Us, result.portP50Us)],
      ['postMessage -> bare worker idle in its event loop', fmt(result.portP50Us), fmt(result.portP99Us), '1.00x'],
    ],
  );
  return result;
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ n: { type: 'string' } });
  writeJson(values.json, await run({ quick: values.quick, n: intOpt(values.n, undefined) }));
});
