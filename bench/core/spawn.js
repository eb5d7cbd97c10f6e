// spawn: time from spawn() on the hub to the first instruction of the green
// thread's function.
//
// Warm: carriers are started and the function is already materialized on
// each of them; 500 sequential spawns (each awaited). Both timestamps are
// absolute (performance.timeOrigin + performance.now(), comparable across
// threads of one process; a bare worker checks that in the same run). The
// baseline is a bare worker parked on Atomics.wait, woken by the main
// thread's Atomics.notify: the physical floor of waking a parked carrier.
//
// Cold: a carrier must be started. Each sample of "fresh process" is a new
// node process with minCarriers 0, so the first spawn starts the hub, ships
// the function and starts a worker; its baseline is a bare `new Worker()` to
// its first instruction and to its first message, also one fresh process per
// sample. "Warm process" samples start a new carrier (or a bare worker) in a
// process that already ran one.
//
//   node bench/core/spawn.js [--quick] [--samples N] [--cold-samples N] [--json FILE]
import { Worker } from 'node:worker_threads';
import { configure, poolStats, sleep, spawn } from '../../dist/index.js';
import {
  delay,
  emit,
  fmt,
  intOpt,
  runAsMain,
  keepAlive,
  machine,
  median,
  parseBenchArgs,
  percentile,
  printTable,
  progress,
  ratio,
  runNode,
  until,
  withTimeout,
  writeJson,
} from '../lib/common.js';

const NAME = 'spawn';
const TARGET_US = 100;
const SELF = new URL(import.meta.url).pathname;

/**
 * Runs in a green thread. Its first instruction reads the clock; the result is
 * in milliseconds on the hub's performance.now() scale (the absolute time
 * minus the hub's timeOrigin, which keeps sub-microsecond precision).
 */
function firstInstruction(hubOrigin) {
  const now = performance.now();
  return performance.timeOrigin - hubOrigin + now;
}

/**
 * The same, but it refers to greenthread's sleep (without calling it), so a
 * carrier that builds it first imports greenthread's API, as most spawned
 * functions that block do.
 */
function firstInstructionImporting(hubOrigin) {
  const now = performance.now();
  if (hubOrigin < 0) sleep(0);
  return performance.timeOrigin - hubOrigin + now;
}

const summary = (xs) => ({ n: xs.length, median: median(xs), p90: percentile(xs, 90), min: Math.min(...xs), max: Math.max(...xs) });

// ---------------------------------------------------------------- warm (child process)

/** Wakes a bare parked worker n times; microseconds from notify to its first instruction. */
async function bareWake(n, gapMs) {
  const sab = new SharedArrayBuffer(64);
  const a = new Int32Array(sab);
  const f = new Float64Array(sab, 16, 1);
  const w = new Worker(new URL('./workers/wake.js', import.meta.url), { workerData: { sab, n } });
  const exited = new Promise((resolve) => w.once('exit', resolve));
  await delay(50);
  const us = [];
  let outside = 0;
  let worstUs = -Infinity;
  for (let i = 1; i <= n; i++) {
    await delay(gapMs);
    const sent = performance.timeOrigin + performance.now();
    Atomics.store(a, 0, i);
    Atomics.notify(a, 0, 1);
    // The main thread may block here: this is the reference, not the hub.
    for (let v = Atomics.load(a, 1); v < i; v = Atomics.load(a, 1)) Atomics.wait(a, 1, v, 1000);
    const acked = performance.timeOrigin + performance.now();
    const first = f[0];
    us.push((first - sent) * 1000);
    // Clock check: the worker's reading must fall between send and ack.
    const off = Math.max(sent - first, first - acked) * 1000;
    worstUs = Math.max(worstUs, off);
    if (off > 0) outside++;
  }
  await withTimeout(exited, 10_000, 'wake worker exit');
  return { us, clock: { outside, worstUs } };
}

async function spawnSamples(n, gapMs) {
  const toFirst = [];
  const toResult = [];
  const call = [];
  for (let i = 0; i < n; i++) {
    if (gapMs > 0) await delay(gapMs);
    const t0 = performance.now();
    const g = spawn(firstInstruction, performance.timeOrigin);
    const t1 = performance.now();
    const first = await g.result;
    const t2 = performance.now();
    toFirst.push((first - t0) * 1000);
    call.push((t1 - t0) * 1000);
    toResult.push((t2 - t0) * 1000);
  }
  return { toFirst, toResult, call };
}

async function warmChild({ samples, carriers }) {
  const release = keepAlive();
  configure({ minCarriers: carriers });
  // Materialize the function on every carrier: `carriers` spawns at once take one carrier each.
  for (let round = 0; round < 3; round++) {
    await withTimeout(Promise.all(Array.from({ length: carriers }, () => spawn(firstInstruction, performance.timeOrigin).result)), 30_000, 'pre-warm');
  }
  await until(() => poolStats().idle === carriers, { what: 'idle warm pool' });
  progress(NAME, `warm: pool of ${carriers} carriers ready; ${samples} spawns with a 1 ms gap`);
  const parked = await spawnSamples(samples, 1);
  progress(NAME, `warm: ${samples} back-to-back spawns`);
  const b2b = await spawnSamples(samples, 0);
  progress(NAME, `warm: ${samples} wake-ups of a bare parked worker`);
  const wake = await bareWake(samples, 1);
  release();
  return { parked, b2b, wake };
}

// ---------------------------------------------------------------- cold (child processes)

async function coldGreenChild() {
  configure({ minCarriers: 0 });
  const t0 = performance.now();
  const g = spawn(firstInstruction, performance.timeOrigin);
  const t1 = performance.now();
  const first = await withTimeout(g.result, 30_000, 'cold spawn');
  const t2 = performance.now();
  return { toFirst: (first - t0) * 1000, toResult: (t2 - t0) * 1000, call: (t1 - t0) * 1000 };
}

function bareWorkerOnce() {
  const t0 = performance.timeOrigin + performance.now();
  const w = new Worker(new URL('./workers/first-message.js', import.meta.url));
  return withTimeout(
    new Promise((resolve, reject) => {
      w.once('error', reject);
      w.once('message', (first) => {
        const t2 = performance.timeOrigin + performance.now();
        resolve({ toFirst: (first - t0) * 1000, toResult: (t2 - t0) * 1000, worker: w });
      });
    }),
    30_000,
    'bare worker',
  );
}

async function coldBareChild() {
  const r = await bareWorkerOnce();
  await r.worker.terminate();
  return { toFirst: r.toFirst, toResult: r.toResult };
}

/** In one process: first a carrier is started and retired, then every sample needs a new carrier. */
async function newCarrierChild(n, fn) {
  const release = keepAlive();
  configure({ minCarriers: 0, idleTimeout: 1 });
  const out = [];
  for (let i = 0; i <= n; i++) {
    await until(() => poolStats().carriers === 0, { what: 'carrier retired' });
    await delay(20);
    const t0 = performance.now();
    const g = spawn(fn, performance.timeOrigin);
    const t1 = performance.now();
    const first = await withTimeout(g.result, 30_000, 'spawn on a new carrier');
    const t2 = performance.now();
    if (i > 0) out.push({ toFirst: (first - t0) * 1000, toResult: (t2 - t0) * 1000, call: (t1 - t0) * 1000 });
  }
  release();
  return out;
}

async function bareWarmChild(n) {
  const out = [];
  for (let i = 0; i <= n; i++) {
    const r = await bareWorkerOnce();
    await r.worker.terminate();
    await delay(20);
    if (i > 0) out.push({ toFirst: r.toFirst, toResult: r.toResult });
  }
  return out;
}

// ---------------------------------------------------------------- report

export async function main() {
  const { values } = parseBenchArgs({
    samples: { type: 'string' },
    'cold-samples': { type: 'string' },
    carriers: { type: 'string' },
    child: { type: 'string' },
  });
  if (values.help) {
    console.log('node bench/core/spawn.js [--quick] [--samples N] [--cold-samples N] [--carriers N] [--json FILE]');
    return undefined;
  }
  const quick = values.quick;
  const samples = intOpt(values.samples, quick ? 200 : 500);
  const coldSamples = intOpt(values['cold-samples'], quick ? 5 : 10);
  const carriers = intOpt(values.carriers, 2);

  switch (values.child) {
    case undefined:
      break;
    case 'warm':
      return emit(await warmChild({ samples, carriers }));
    case 'cold-green':
      return emit(await coldGreenChild());
    case 'cold-bare':
      return emit(await coldBareChild());
    case 'new-carrier':
      return emit(await newCarrierChild(coldSamples, firstInstruction));
    case 'new-carrier-importing':
      return emit(await newCarrierChild(coldSamples, firstInstructionImporting));
    case 'bare-warm':
      return emit(await bareWarmChild(coldSamples));
    default:
      throw new Error(`unknown --child ${values.child}`);
  }

  const child = (kind, extra = []) =>
    runNode([SELF, '--child', kind, '--samples', String(samples), '--cold-samples', String(coldSamples), '--carriers', String(carriers), ...extra], {
      timeoutMs: 120_000,
      inheritStderr: true,
    }).then((r) => r.value);

  progress(NAME, 'warm spawns (one child process)');
  const warm = await child('warm');

  const coldGreen = [];
  const coldBare = [];
  for (let i = 0; i < coldSamples; i++) {
    coldBare.push(await child('cold-bare'));
    coldGreen.push(await child('cold-green'));
    progress(NAME, `cold, fresh process ${i + 1}/${coldSamples}: bare worker ${fmt(coldBare.at(-1).toFirst / 1000, 2)} ms, greenthread ${fmt(coldGreen.at(-1).toFirst / 1000, 2)} ms`);
  }
  progress(NAME, `cold, warm process: ${coldSamples} bare workers, then 2 x ${coldSamples} new carriers`);
  const bareWarm = await child('bare-warm');
  const newCarrier = await child('new-carrier');
  const newCarrierImporting = await child('new-carrier-importing');

  const W = {
    wake: summary(warm.wake.us),
    parked: summary(warm.parked.toFirst),
    b2b: summary(warm.b2b.toFirst),
    parkedResult: summary(warm.parked.toResult),
    call: summary(warm.parked.call),
    b2bCall: summary(warm.b2b.call),
  };
  printTable(
    `Warm spawn to first instruction, ${samples} sequential spawns each, microseconds (baseline: bare worker woken from Atomics.wait)`,
    ['case', 'median us', 'p90 us', 'min us', 'vs baseline (median)'],
    [
      ['bare worker parked on Atomics.wait, notify -> first instruction (baseline)', fmt(W.wake.median), fmt(W.wake.p90), fmt(W.wake.min), '1.00x'],
      ['spawn() -> first instruction, carrier parked (1 ms between spawns)', fmt(W.parked.median), fmt(W.parked.p90), fmt(W.parked.min), ratio(W.parked.median, W.wake.median)],
      ['spawn() -> first instruction, back-to-back spawns', fmt(W.b2b.median), fmt(W.b2b.p90), fmt(W.b2b.min), ratio(W.b2b.median, W.wake.median)],
      ['spawn() call itself, until it returns (carrier parked)', fmt(W.call.median), fmt(W.call.p90), fmt(W.call.min), ratio(W.call.median, W.wake.median)],
      ['spawn() call itself, until it returns (back-to-back)', fmt(W.b2bCall.median), fmt(W.b2bCall.p90), fmt(W.b2bCall.min), ratio(W.b2bCall.median, W.wake.median)],
      ['spawn() -> result resolved on the hub (1 ms between spawns)', fmt(W.parkedResult.median), fmt(W.parkedResult.p90), fmt(W.parkedResult.min), ratio(W.parkedResult.median, W.wake.median)],
    ],
  );
  console.log(
    `\nClock check (bare worker): its first-instruction time fell outside [notify, ack] of the main thread in ${warm.wake.clock.outside} of ${samples} samples` +
      (warm.wake.clock.outside ? `, by at most ${fmt(warm.wake.clock.worstUs, 1)} us.` : ` (closest margin ${fmt(-warm.wake.clock.worstUs, 1)} us).`),
  );

  const ms = (xs) => summary(xs.map((x) => x / 1000));
  const C = {
    bareFirst: ms(coldBare.map((x) => x.toFirst)),
    bareMsg: ms(coldBare.map((x) => x.toResult)),
    greenFirst: ms(coldGreen.map((x) => x.toFirst)),
    greenResult: ms(coldGreen.map((x) => x.toResult)),
    greenCall: ms(coldGreen.map((x) => x.call)),
    bareWarmFirst: ms(bareWarm.map((x) => x.toFirst)),
    bareWarmMsg: ms(bareWarm.map((x) => x.toResult)),
    newFirst: ms(newCarrier.map((x) => x.toFirst)),
    newResult: ms(newCarrier.map((x) => x.toResult)),
    newCall: ms(newCarrier.map((x) => x.call)),
    newImpFirst: ms(newCarrierImporting.map((x) => x.toFirst)),
  };
  const row = (label, s, base) => [label, String(s.n), fmt(s.median, 2), fmt(s.p90, 2), fmt(s.min, 2), ratio(s.median, base.median)];
  printTable(
    'Cold: a worker must be started, milliseconds (baseline: bare new Worker() in the same kind of process)',
    ['case', 'samples', 'median ms', 'p90 ms', 'min ms', 'vs baseline (median)'],
    [
      row('fresh process: new Worker() -> first instruction (baseline)', C.bareFirst, C.bareFirst),
      row('fresh process: new Worker() -> first message on main', C.bareMsg, C.bareFirst),
      row('fresh process: first spawn() call itself, until it returns', C.greenCall, C.bareFirst),
      row('fresh process: first spawn() -> first instruction', C.greenFirst, C.bareFirst),
      row('fresh process: first spawn() -> result resolved', C.greenResult, C.bareFirst),
      row('warm process: new Worker() -> first instruction (baseline)', C.bareWarmFirst, C.bareWarmFirst),
      row('warm process: new Worker() -> first message on main', C.bareWarmMsg, C.bareWarmFirst),
      row('warm process: spawn() call itself, until it returns', C.newCall, C.bareWarmFirst),
      row('warm process: spawn() on a new carrier -> first instruction', C.newFirst, C.bareWarmFirst),
      row('warm process: spawn() on a new carrier -> result resolved', C.newResult, C.bareWarmFirst),
      row("warm process: same, function imports greenthread's API -> first instruction", C.newImpFirst, C.bareWarmFirst),
    ],
  );

  const met = W.parked.median < TARGET_US;
  const targets = [{ what: 'warm spawn to first instruction, median (carrier parked)', unit: 'us', target: `< ${TARGET_US} us`, measured: W.parked.median, met }];
  console.log(`\nTarget: warm spawn median < ${TARGET_US} us: measured ${fmt(W.parked.median)} us (p90 ${fmt(W.parked.p90)} us), ${met ? 'MET' : 'MISSED'}`);
  const result = {
    name: NAME,
    machine: machine(),
    params: { samples, coldSamples, carriers, quick },
    warm: W,
    clockCheck: warm.wake.clock,
    cold: C,
    targets,
  };
  writeJson(values.json, result);
  return result;
}

runAsMain(import.meta.url, main);
