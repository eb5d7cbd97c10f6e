// fs: the cost of a patched fs call in a green thread, against Node's own
// call in a plain worker thread, in the same run; and against parking the
// call on the hub, which is what the patch decided not to do. Also module
// loading (300 small CommonJS modules) in a green thread against a worker.
//
//   node bench/patches/fs.js [--quick] [--json FILE]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { configure, monkeyPatch, spawn } from '../../dist/index.js';
import { fmt, machine, median, parseBenchArgs, printTable, progress, ratio, runAsMain, writeJson } from '../lib/common.js';
import { prepare, timeCalls, timeOnHub, timeRequireAlternating, writeModules } from './fs-calls.js';

const NAME = 'fs';

/** One plain worker for the whole run: `call(task, ...args)` runs a task of fs-calls.js there. */
function plainWorker() {
  const w = new Worker(new URL('./fs-worker.js', import.meta.url));
  let pending;
  w.on('message', (v) => pending.resolve(v));
  w.on('error', (err) => pending.reject(err));
  return {
    // One task at a time: the benchmark awaits each.
    call: (task, ...args) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        w.postMessage({ task, args });
      }),
    close: () => w.terminate(),
  };
}

async function run({ quick = false } = {}) {
  const n = quick ? 2000 : 20000;
  const repeats = quick ? 5 : 15;
  const loads = quick ? 5 : 15;
  const modules = 300;
  configure({ minCarriers: 2 });
  monkeyPatch({ fs: true, process: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-bench-fs-'));
  const worker = plainWorker();
  try {
    prepare(dir);
    progress(NAME, `per call: ${repeats} batches of ${n} calls, worker (Node's fs) and green thread (patched)`);
    const plain = await worker.call('timeCalls', dir, n, repeats, false);
    // A warm-up pass on each side, so neither is measured while V8 still compiles the loop.
    await worker.call('timeCalls', dir, Math.min(n, 2000), 2, false);
    await spawn(timeCalls, dir, Math.min(n, 2000), 2, false).result;
    const green = await spawn(timeCalls, dir, n, repeats, false).result;
    const greenRel = await spawn(timeCalls, dir, n, repeats, true).result;
    progress(NAME, 'statSync parked on the hub (runInHub)');
    const hubStat = await spawn(timeOnHub, path.join(dir, 'file.txt'), quick ? 500 : 5000).result;

    progress(NAME, `module loading: ${loads} × require of ${modules} fresh modules in a worker, then in one green thread with and without the patch`);
    const workerLoads = [];
    for (let i = 0; i < loads; i++) {
      for (const k of ['w', 'g', 'b']) writeModules(path.join(dir, `mods-${k}${i}`), modules);
      workerLoads.push(await worker.call('timeRequire', path.join(dir, `mods-w${i}`)));
    }
    // The same green thread, with and without the patch, alternately: only the patch differs.
    const { patched: greenLoads, unpatched: greenBareLoads } = await spawn(timeRequireAlternating, dir, loads).result;

    const rows = Object.keys(plain).map((name) => [
      name,
      fmt(plain[name], 2),
      fmt(green[name], 2),
      ratio(green[name], plain[name]),
      fmt(greenRel[name], 2),
      ratio(greenRel[name], plain[name]),
    ]);
    printTable(
      'Per call, µs (median of batches): Node\'s fs in a plain worker vs the patched fs in a green thread',
      ['call', 'worker, Node\'s fs', 'green, patched', 'ratio', 'green, after chdir (relative)', 'ratio'],
      rows,
    );
    printTable(
      'Why fs calls run in the carrier: the same statSync parked on the hub',
      ['statSync', 'µs per call', 'vs in the carrier'],
      [
        ['in the carrier (patched, direct)', fmt(green.statSync, 2), '1.00x'],
        ['parked on the hub (runInHub)', fmt(hubStat, 2), ratio(hubStat, green.statSync, 1)],
      ],
    );
    const wMs = median(workerLoads);
    const gMs = median(greenLoads);
    const bMs = median(greenBareLoads);
    printTable(`Module loading: require() of ${modules} CommonJS modules, ms (median of ${loads})`, ['thread', 'ms', 'vs worker', 'vs same green thread unpatched'], [
      ['plain worker, Node\'s fs', fmt(wMs, 1), '1.00x', '-'],
      ['green thread, Node\'s fs functions put back', fmt(bMs, 1), ratio(bMs, wMs), '1.00x'],
      ['green thread, fs patched', fmt(gMs, 1), ratio(gMs, wMs), ratio(gMs, bMs)],
    ]);
    return { name: NAME, n, repeats, worker: plain, green, greenRelative: greenRel, hubStat, modules, workerLoadMs: wMs, greenLoadMs: gMs, greenUnpatchedLoadMs: bMs, workerLoads, greenLoads, greenBareLoads, machine: machine() };
  } finally {
    await worker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs();
  writeJson(values.json, await run({ quick: values.quick }));
});
