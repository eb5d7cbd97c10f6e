// rss: resident memory per parked green thread, at 100 and 1,000 parked.
//
// Each count runs in a fresh process: the RSS before anything is spawned is
// subtracted from the RSS once every green thread has signalled that it is
// about to park (it appends one byte to a marker file, then sleeps 60 s),
// and the difference is divided by the count. Every parked green thread holds
// a carrier (a worker thread), so the baseline, measured the same way in its
// own fresh process, is the same count of bare worker_threads parked on
// Atomics.wait. Then all are killed and awaited.
//
//   node bench/core/rss.js [--quick] [--counts 100,1000] [--young-mb N] [--json FILE]
//
// --young-mb N starts the carriers with resourceLimits.maxYoungGenerationSizeMb = N.
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { configure, poolStats, spawn, sleep } from '../../dist/index.js';
import {
  delay,
  emit,
  fmt,
  runAsMain,
  keepAlive,
  machine,
  parseBenchArgs,
  printTable,
  progress,
  ratio,
  runNode,
  withTimeout,
  writeJson,
} from '../lib/common.js';

const NAME = 'rss';
const TARGET_MB = 8;
const SELF = new URL(import.meta.url).pathname;
const MB = 2 ** 20;

/** Runs in a green thread: signal, then park for a minute (it is killed long before). */
function parkedSleeper(marker) {
  appendFileSync(marker, '.');
  sleep(60_000);
}

/**
 * The same without importing anything: it reaches the backend directly and
 * takes fs from process.getBuiltinModule, so the carrier loads no module for
 * it. The difference to parkedSleeper is what importing greenthread's API
 * into a carrier costs.
 */
function parkedSleeperNoImports(marker) {
  process.getBuiltinModule('node:fs').appendFileSync(marker, '.');
  globalThis[Symbol.for('greenthread.backend')].sleep(60_000);
}

const rss = () => process.memoryUsage().rss;

/** RSS once it stops growing: samples every 100 ms until two in a row differ by < 0.5 %, at most 3 s. */
async function settledRss() {
  let last = rss();
  for (let i = 0; i < 30; i++) {
    await delay(100);
    const now = rss();
    if (Math.abs(now - last) < last * 0.005) return now;
    last = now;
  }
  return last;
}

function markerCount(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function greenChild(n, timeoutMs, fn, youngMb) {
  const release = keepAlive();
  configure({ maxCarriers: 2000, minCarriers: 0 });
  if (youngMb) configure({ resourceLimits: { maxYoungGenerationSizeMb: youngMb } });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-rss-'));
  const marker = path.join(dir, 'parked');
  try {
    const before = await settledRss();
    const t0 = performance.now();
    const gs = [];
    for (let i = 0; i < n; i++) gs.push(spawn(fn, marker));
    const deadline = t0 + timeoutMs;
    let lastReport = 0;
    while (markerCount(marker) < n) {
      if (performance.now() > deadline) throw new Error(`only ${markerCount(marker)} of ${n} green threads parked within ${timeoutMs} ms`);
      if (performance.now() - lastReport > 1000) {
        lastReport = performance.now();
        const s = poolStats();
        progress(NAME, `green ${n}: ${markerCount(marker)} parked, ${s.carriers} carriers (${s.starting} starting)`);
      }
      await delay(20);
    }
    const parkedMs = performance.now() - t0;
    const during = await settledRss();
    const stats = poolStats();
    const tk = performance.now();
    for (const g of gs) g.kill();
    const outcomes = await withTimeout(Promise.allSettled(gs.map((g) => g.result)), 60_000, 'kill all');
    const killMs = performance.now() - tk;
    const killed = gs.filter((g) => g.killed).length;
    const after = rss();
    return { n, before, during, after, parkedMs, killMs, killed, rejected: outcomes.filter((o) => o.status === 'rejected').length, stats };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    release();
  }
}

async function bareChild(n, timeoutMs) {
  const sab = new SharedArrayBuffer(4);
  const before = await settledRss();
  const t0 = performance.now();
  const ws = [];
  let parked = 0;
  const all = new Promise((resolve, reject) => {
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('./workers/parked.js', import.meta.url), { workerData: { sab } });
      w.once('error', reject);
      w.once('message', () => {
        if (++parked === n) resolve();
      });
      ws.push(w);
    }
  });
  const ticker = setInterval(() => progress(NAME, `bare ${n}: ${parked} parked`), 1000);
  try {
    await withTimeout(all, timeoutMs, `${n} bare workers`);
  } finally {
    clearInterval(ticker);
  }
  const parkedMs = performance.now() - t0;
  const during = await settledRss();
  Atomics.store(new Int32Array(sab), 0, 1);
  Atomics.notify(new Int32Array(sab), 0);
  await Promise.all(ws.map((w) => w.terminate()));
  return { n, before, during, after: rss(), parkedMs };
}

const KINDS = [
  { kind: 'bare', label: 'bare worker parked on Atomics.wait (baseline)' },
  { kind: 'green', label: "green thread parked in greenthread's sleep()" },
  { kind: 'green-noimports', label: 'green thread parked, function imports nothing' },
];

export async function main() {
  const { values } = parseBenchArgs({
    counts: { type: 'string' },
    'young-mb': { type: 'string' },
    child: { type: 'string' },
    n: { type: 'string' },
  });
  if (values.help) {
    console.log('node bench/core/rss.js [--quick] [--counts 100,1000] [--young-mb N] [--json FILE]');
    return undefined;
  }
  const timeoutMs = 150_000;
  if (values.child) {
    const n = Number(values.n);
    const youngMb = values['young-mb'] === undefined ? undefined : Number(values['young-mb']);
    if (values.child === 'green') return emit(await greenChild(n, timeoutMs, parkedSleeper, youngMb));
    if (values.child === 'green-noimports') return emit(await greenChild(n, timeoutMs, parkedSleeperNoImports, youngMb));
    if (values.child === 'bare') return emit(await bareChild(n, timeoutMs));
    throw new Error(`unknown --child ${values.child}`);
  }
  const counts = (values.counts ?? (values.quick ? '100' : '100,1000')).split(',').map(Number);
  if (counts.some((c) => !Number.isInteger(c) || c < 1 || c > 2000)) throw new Error('--counts takes integers from 1 to 2000');

  const runs = [];
  for (const n of counts) {
    // The import-free variant only explains the difference: once, at the smallest count.
    for (const kind of KINDS.map((k) => k.kind).filter((k) => k !== 'green-noimports' || n === counts[0])) {
      progress(NAME, `${kind} ${n}: fresh process`);
      const extra = values['young-mb'] && kind !== 'bare' ? ['--young-mb', values['young-mb']] : [];
      const { value } = await runNode([SELF, '--child', kind, '--n', String(n), ...extra], { timeoutMs: timeoutMs + 60_000, inheritStderr: true });
      const perMB = (value.during - value.before) / n / MB;
      runs.push({ kind, ...value, perMB });
      progress(NAME, `${kind} ${n}: ${fmt(perMB, 2)} MB each, all parked after ${fmt(value.parkedMs, 0)} ms`);
    }
  }

  const rows = [];
  for (const n of counts) {
    const bare = runs.find((r) => r.kind === 'bare' && r.n === n);
    const row = (label, r) => [
      label,
      String(n),
      fmt(r.before / MB, 0),
      fmt(r.during / MB, 0),
      fmt(r.perMB, 2),
      fmt(r.parkedMs, 0),
      ratio(r.perMB, bare.perMB),
    ];
    for (const k of KINDS) {
      const r = runs.find((x) => x.kind === k.kind && x.n === n);
      if (r) rows.push(row(k.label, r));
    }
  }
  printTable(
    'RSS per parked green thread, one fresh process per row (baseline: bare worker_threads parked on Atomics.wait)' +
      (values['young-mb'] ? `; carriers with resourceLimits.maxYoungGenerationSizeMb = ${values['young-mb']}` : ''),
    ['case', 'count', 'RSS before MB', 'RSS parked MB', 'MB each', 'ms until all parked', 'vs baseline'],
    rows,
  );
  const greens = runs.filter((r) => r.kind !== 'bare');
  console.log('');
  for (const g of greens) {
    console.log(
      `${g.n} green threads (${g.kind}): killed ${g.killed}/${g.n} in ${fmt(g.killMs, 0)} ms (${g.rejected} results rejected); ` +
        `RSS right after: ${fmt(g.after / MB, 0)} MB; pool at the peak: ${g.stats.carriers} carriers, ${g.stats.live} live.`,
    );
  }
  const targets = runs.filter((r) => r.kind === 'green').map((g) => ({
    what: `RSS per parked green thread at ${g.n}`,
    unit: 'MB', target: `< ${TARGET_MB} MB`,
    measured: g.perMB,
    met: g.perMB < TARGET_MB,
  }));
  for (const t of targets) console.log(`Target: ${t.what} ${t.target}: measured ${fmt(t.measured, 2)} MB, ${t.met ? 'MET' : 'MISSED'}`);
  const result = { name: NAME, machine: machine(), params: { counts, youngMb: values['young-mb'], quick: values.quick }, runs, targets };
  writeJson(values.json, result);
  return result;
}

runAsMain(import.meta.url, main);
