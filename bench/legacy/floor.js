// legacy floor: what two cores give a CPU-bound job with no greenthread at
// all. The job of bench/legacy/jobs/<library>.js runs in plain worker
// threads: first one worker alone, then N side by side; each worker warms up
// with W jobs and reports the median time of the next M. Throughput of N
// side by side / one alone is the most that N green threads (each a worker)
// can gain on this machine for this job.
//
//   node bench/legacy/floor.js [library] [--workers N] [--warm W] [--jobs M]
//   (default: typescript, 2 workers, 20 and 20)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeFixtures } from './fixtures.js';

const HERE = path.dirname(new URL(import.meta.url).pathname);

async function medianJobMs({ lib, data, warm, jobs }) {
  const { default: job } = await import(`./jobs/${lib}.js`);
  const ctx = { data, root: path.resolve(HERE, '../..') };
  for (let i = 0; i < warm; i++) await job(i, ctx);
  const times = [];
  for (let i = 0; i < jobs; i++) {
    const t = performance.now();
    await job(i, ctx);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function inWorkers(n, task) {
  const workers = Array.from({ length: n }, () => new Worker(new URL(import.meta.url), { workerData: task }));
  return Promise.all(workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))));
}

if (isMainThread) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { workers: { type: 'string' }, warm: { type: 'string' }, jobs: { type: 'string' } } });
  const lib = positionals[0] ?? 'typescript';
  const n = Number(values.workers ?? 2);
  const data = mkdtempSync(path.join(os.tmpdir(), 'legacy-floor-'));
  try {
    writeFixtures(data, path.resolve(HERE, '../..'));
    const task = { lib, data, warm: Number(values.warm ?? 20), jobs: Number(values.jobs ?? 20) };
    const [alone] = await inWorkers(1, task);
    const side = await inWorkers(n, task);
    const throughput = side.reduce((sum, ms) => sum + 1 / ms, 0) / (1 / alone);
    console.log(`${lib}: one worker alone ${alone.toFixed(1)} ms per job; ${n} side by side ${side.map((ms) => ms.toFixed(1)).join(' and ')} ms per job: ${throughput.toFixed(2)}x the throughput of one`);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
} else {
  parentPort.postMessage(await medianJobMs(workerData));
}
