// Why a big process spawns children slowly: on Linux, Node 20's libuv
// starts a child with fork(), which copies the parent's page tables, so the
// spawn() call itself costs more the more memory and threads the parent has.
// This times the spawn() call (median of 50, /bin/true) in a bare process,
// with idle worker threads (as greenthread's carriers are), and with touched
// heap. It explains the hub's cost per execSync in the legacy workload.
//
//   node bench/ages/spawn-cost.js [--workers 50] [--mb 500]
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fmt, median, parseBenchArgs, printTable, runNode, runAsMain } from '../lib/common.js';

async function child(workers, mb) {
  const keep = [];
  for (let i = 0; i < mb; i++) keep.push(Buffer.alloc(1 << 20, 1));
  const ws = [];
  for (let i = 0; i < workers; i++) ws.push(new Worker('setInterval(() => {}, 1000)', { eval: true }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once('online', r))));
  await new Promise((r) => setTimeout(r, 500));
  const times = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    const c = spawn('/bin/true');
    times.push(performance.now() - t0);
    await new Promise((r) => c.on('close', r));
  }
  return { workers, mb, rssMb: process.memoryUsage().rss / 2 ** 20, spawnMs: median(times), keep: keep.length };
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ workers: { type: 'string' }, mb: { type: 'string' }, child: { type: 'string' } });
  if (values.child) {
    const [w, mb] = values.child.split(',').map(Number);
    const { emit } = await import('../lib/common.js');
    emit(await child(w, mb));
    return;
  }
  const workers = Number(values.workers ?? 50);
  const mb = Number(values.mb ?? 500);
  const rows = [];
  for (const [w, m] of [[0, 0], [workers, 0], [0, mb]]) {
    const { value } = await runNode([new URL(import.meta.url).pathname, '--child', `${w},${m}`], { timeoutMs: 120_000 });
    rows.push([`${w} idle workers, ${m} MB of heap touched`, fmt(value.rssMb, 0), fmt(value.spawnMs, 2)]);
  }
  printTable('spawn() call, median of 50 (/bin/true)', ['parent', 'RSS MB', 'spawn() ms'], rows);
});
