// carrier-cost: what a carrier costs to start, against a bare worker, in CPU
// time and in wall time.
//
// Each sample is a fresh node process that starts N workers and waits until
// every one has started (a bare worker: its script ran and it parks on
// Atomics.wait; a carrier: the pool reports it idle, ready for a green
// thread). The CPU figure is the process's (every thread's) user + system time
// from just before the first start to the last ready, divided by N: on a
// machine with fewer cores than starts, CPU is what bounds how fast a burst
// of green threads gets carriers.
//
//   node bench/core/carrier-cost.js [--quick] [--samples N] [--workers N] [--json FILE]
import { Worker } from 'node:worker_threads';
import { configure, poolStats, spawn } from '../../dist/index.js';
import { delay, emit, fmt, intOpt, machine, median, parseBenchArgs, printTable, progress, runAsMain, runNode, writeJson } from '../lib/common.js';

const NAME = 'carrier-cost';
const SCRIPT = new URL(import.meta.url).pathname;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function bareChild(n) {
  const sab = new SharedArrayBuffer(4);
  const code = `const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage('ready');
Atomics.wait(new Int32Array(workerData), 0, 0);`;
  const c0 = cpuMs();
  const t0 = performance.now();
  const workers = Array.from({ length: n }, () => new Worker(code, { eval: true, workerData: sab }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const result = { cpuMs: cpuMs() - c0, wallMs: performance.now() - t0 };
  Atomics.store(new Int32Array(sab), 0, 1);
  Atomics.notify(new Int32Array(sab), 0);
  await Promise.all(workers.map((w) => w.terminate()));
  return result;
}

async function carrierChild(n) {
  configure({ minCarriers: n, maxCarriers: n + 4, idleTimeout: 60_000 });
  const c0 = cpuMs();
  const t0 = performance.now();
  // The first spawn starts the hub and the pool, which then fills to minCarriers.
  await spawn(() => 0).result;
  const deadline = t0 + 60_000;
  while (poolStats().idle < n) {
    if (performance.now() > deadline) throw new Error(`only ${poolStats().idle} of ${n} carriers idle within 60 s`);
    await delay(2);
  }
  return { cpuMs: cpuMs() - c0, wallMs: performance.now() - t0 };
}

async function main() {
  const { values } = parseBenchArgs({ samples: { type: 'string' }, workers: { type: 'string' } });
  const samples = intOpt(values.samples, values.quick ? 3 : 7);
  const n = intOpt(values.workers, 10);
  const runs = { bare: [], carrier: [] };
  for (let i = 0; i < samples; i++) {
    // Alternated, so that a noisy stretch of the machine hits both.
    for (const kind of ['bare', 'carrier']) {
      const { value: r } = await runNode([SCRIPT, '--child', kind, String(n)]);
      runs[kind].push(r);
      progress(NAME, `${i + 1}/${samples} ${kind}: ${fmt(r.cpuMs / n)} ms CPU per worker, ${fmt(r.wallMs)} ms for ${n}`);
    }
  }
  const per = (kind) => median(runs[kind].map((r) => r.cpuMs / n));
  const wall = (kind) => median(runs[kind].map((r) => r.wallMs));
  const rows = [
    ['bare worker (baseline)', fmt(per('bare')), fmt(wall('bare')), '1.00x'],
    ['carrier, idle in the pool', fmt(per('carrier')), fmt(wall('carrier')), `${(per('carrier') / per('bare')).toFixed(2)}x`],
  ];
  printTable(`${n} workers started at once in a fresh process, median of ${samples} samples`, ['what', 'CPU ms per worker', `wall ms for ${n}`, 'CPU vs baseline'], rows);
  const result = { name: NAME, machine: machine(), workers: n, samples, cpuMsPerWorker: { bare: per('bare'), carrier: per('carrier') }, wallMs: { bare: wall('bare'), carrier: wall('carrier') }, runs };
  if (values.json) writeJson(values.json, result);
  return result;
}

if (process.argv[2] === '--child') {
  const n = Number(process.argv[4]);
  const r = process.argv[3] === 'bare' ? await bareChild(n) : await carrierChild(n);
  emit(r);
  process.exit(0);
} else {
  runAsMain(import.meta.url, main);
}
