// fibers: what a fibers-era program waits for.
//
//   first fiber     a fresh process: from just before the first Fiber(fn).run()
//                   to its return (a carrier has to start), median of N processes;
//                   and the process's whole life (node start to exit)
//   Future.wait     inside a fiber, Future.wrap(fs.stat)(file).wait(): the call
//                   runs in the hub, the fiber waits; per call, median and p90
//   floor           the same fs.stat with a callback on the main thread, awaited
//
//   node bench/fibers/first.js [--quick] [--json FILE]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { emit, fmt, machine, median, parseBenchArgs, percentile, printTable, progress, ratio, runAsMain, writeJson } from '../lib/common.js';

const here = fileURLToPath(import.meta.url);
const fibers = fileURLToPath(new URL('../../dist/fibers/index.js', import.meta.url));
const future = fileURLToPath(new URL('../../dist/fibers/future-entry.js', import.meta.url));

function firstFiber() {
  const script = `
    const t0 = performance.now();
    const Fiber = require(${JSON.stringify(fibers)});
    const t1 = performance.now();
    const v = Fiber(() => 42).run();
    const t2 = performance.now();
    console.log(JSON.stringify({ load: t1 - t0, run: t2 - t1, v }));`;
  const start = performance.now();
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  const life = performance.now() - start;
  if (r.status !== 0) throw new Error(`first fiber failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  if (out.v !== 42) throw new Error('first fiber returned ' + out.v);
  return { ...out, life };
}

function bareProcess() {
  const start = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - start;
}

function wrappedWaits(n) {
  const script = `
    const Fiber = require(${JSON.stringify(fibers)});
    const Future = require(${JSON.stringify(future)});
    const fs = require('node:fs');
    const file = ${JSON.stringify(here)};
    Fiber(() => {
      const stat = Future.wrap(fs.stat);
      for (let i = 0; i < 50; i++) stat(file).wait();
      const times = [];
      for (let i = 0; i < ${n}; i++) { const t = performance.now(); stat(file).wait(); times.push((performance.now() - t) * 1000); }
      console.log(JSON.stringify(times));
    }).run();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`wrapped waits failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function floor(n) {
  const times = [];
  for (let i = 0; i < 50 + n; i++) {
    const t = performance.now();
    await new Promise((resolve, reject) => fs.stat(here, (err) => (err ? reject(err) : resolve())));
    if (i >= 50) times.push((performance.now() - t) * 1000);
  }
  return times;
}

async function main() {
  const { values } = parseBenchArgs();
  const samples = values.quick ? 3 : 9;
  const n = values.quick ? 200 : 1000;
  const firsts = [];
  const bare = [];
  for (let i = 0; i < samples; i++) {
    progress('fibers-first', `first fiber, process ${i + 1}/${samples}`);
    firsts.push(firstFiber());
    bare.push(bareProcess());
  }
  progress('fibers-first', `${n} wrapped waits in a fiber`);
  const waits = wrappedWaits(n);
  const base = await floor(n);
  const rows1 = [
    ['require greenthread/fibers', fmt(median(firsts.map((f) => f.load))), '—'],
    ['first Fiber(fn).run(), until it returns', fmt(median(firsts.map((f) => f.run))), '—'],
    ['whole process, node start to exit', fmt(median(firsts.map((f) => f.life))), ratio(median(firsts.map((f) => f.life)), median(bare))],
    ['bare node -e 0, start to exit (baseline)', fmt(median(bare)), '1.00x'],
  ];
  printTable(`first fiber in a fresh process, median of ${samples} (ms)`, ['what', 'median ms', 'vs bare process'], rows1);
  const rows2 = [
    ['Future.wrap(fs.stat)(file).wait() in a fiber', fmt(median(waits)), fmt(percentile(waits, 90)), ratio(median(waits), median(base))],
    ['fs.stat with a callback on the main thread, awaited (floor)', fmt(median(base)), fmt(percentile(base, 90)), '1.00x'],
  ];
  printTable(`wrapped async call waited on in a fiber, ${n} calls (µs)`, ['what', 'median µs', 'p90 µs', 'vs floor'], rows2);
  const result = { bench: 'fibers-first', machine: machine(), samples, n, firsts, bare, waits: { median: median(waits), p90: percentile(waits, 90) }, floor: { median: median(base), p90: percentile(base, 90) } };
  emit(result);
  if (values.json) writeJson(values.json, result);
  process.exit(0);
}

runAsMain(import.meta.url, main);
