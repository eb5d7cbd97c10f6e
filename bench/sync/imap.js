// imap: GreenPool.imap throughput over many small tasks, against piscina's
// run() over the same tasks on the same machine in the same run.
//
//   greenthread (hub)      for await (const v of pool.imap(task, items))
//   greenthread (green)    for (const v of pool.imap(task, items)) inside a green thread
//   piscina                Promise.all(items.map((x) => piscina.run(x)))
//
// The pool size equals piscina's thread count (the cores), since both bound
// how many tasks run at once.
//
//   node bench/sync/imap.js [--quick] [--n N] [--json FILE]
import os from 'node:os';
import Piscina from 'piscina';
import { configure, GreenPool, spawn } from '../../dist/index.js';
import { fmt, intOpt, runAsMain, machine, parseBenchArgs, printTable, progress, ratio, writeJson } from '../lib/common.js';

const NAME = 'imap';

/** The task: a little arithmetic, as small as a task gets. */
export function task(x) {
  return x * 2 + 1;
}

function inGreenThread(pool, n) {
  const t0 = performance.now();
  let sum = 0;
  for (const v of pool.imap(task, Array.from({ length: n }, (_, i) => i))) sum += v;
  return { ms: performance.now() - t0, sum };
}

export async function run({ quick = false, n } = {}) {
  n ??= quick ? 2_000 : 10_000;
  const threads = os.availableParallelism();
  const items = Array.from({ length: n }, (_, i) => i);
  const expected = items.reduce((s, x) => s + task(x), 0);
  configure({ minCarriers: threads + 2 });
  const pool = new GreenPool(threads);
  await spawn(task, 1).result;

  progress(NAME, `greenthread imap on the hub over ${n} tasks`);
  let t0 = performance.now();
  let sum = 0;
  for await (const v of pool.imap(task, items)) sum += v;
  const hubMs = performance.now() - t0;
  if (sum !== expected) throw new Error('wrong sum (hub)');

  progress(NAME, 'greenthread imap inside a green thread');
  const green = await spawn(inGreenThread, pool, n).result;
  if (green.sum !== expected) throw new Error('wrong sum (green)');

  progress(NAME, `piscina run over ${n} tasks, ${threads} threads`);
  const piscina = new Piscina({ filename: new URL('./imap-task.cjs', import.meta.url).href, minThreads: threads, maxThreads: threads });
  await piscina.run(1);
  t0 = performance.now();
  const results = await Promise.all(items.map((x) => piscina.run(x)));
  const piscinaMs = performance.now() - t0;
  if (results.reduce((s, v) => s + v, 0) !== expected) throw new Error('wrong sum (piscina)');
  await piscina.destroy();

  const result = {
    name: NAME,
    n,
    threads,
    hubPerSec: (n * 1000) / hubMs,
    greenPerSec: (n * 1000) / green.ms,
    piscinaPerSec: (n * 1000) / piscinaMs,
    machine: machine(),
  };
  printTable(
    `GreenPool.imap over ${n} small tasks vs piscina (${threads} at a time)`,
    ['what', 'tasks/s', 'vs piscina'],
    [
      ['GreenPool.imap, for await on the hub', fmt(result.hubPerSec, 0), ratio(result.hubPerSec, result.piscinaPerSec)],
      ['GreenPool.imap, for...of in a green thread', fmt(result.greenPerSec, 0), ratio(result.greenPerSec, result.piscinaPerSec)],
      ['piscina.run, Promise.all', fmt(result.piscinaPerSec, 0), '1.00x'],
    ],
  );
  return result;
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ n: { type: 'string' } });
  writeJson(values.json, await run({ quick: values.quick, n: intOpt(values.n, undefined) }));
});
