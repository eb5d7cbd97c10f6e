// roundtrip: a green thread's park/unpark round trip through the hub (op NOP)
// beside the physical floor measured in the same run:
//
//   floor      two bare worker_threads ping-pong on Atomics.wait/notify
//   waitAsync  a bare worker asks, the main thread answers from an
//              Atomics.waitAsync callback (the hub's shape, without the hub)
//   hub        one green thread calling backend.nop() in a loop
//
// Batches of the three are interleaved round by round, so drift of the
// machine hits all three alike; the figure is the median of the batches.
// Then 1, 2 and 8 green threads run nop loops at once for a fixed window and
// the aggregate round trips per second are reported.
//
// A wake-up of a thread on another CPU costs far more than one on the same
// CPU (much more so on a virtual machine), so everything is measured twice,
// each in its own process: with the scheduler free to use every CPU, and with
// the process pinned to one CPU (taskset -c 0), which leaves only the
// software cost of the hand-offs.
//
//   node bench/core/roundtrip.js [--quick] [--n N] [--rounds R] [--window MS]
//        [--placement both|all|cpu0] [--only floor|waitAsync|hub] [--json FILE]
//
// --only runs one path and no concurrency windows, for profiling it alone:
//   perf stat -e context-switches,cpu-migrations node bench/core/roundtrip.js --only hub
import { Worker } from 'node:worker_threads';
import { configure, poolStats, spawn } from '../../dist/index.js';
import {
  emit,
  fmt,
  hasTaskset,
  runAsMain,
  intOpt,
  keepAlive,
  machine,
  median,
  min,
  parseBenchArgs,
  printTable,
  progress,
  ratio,
  runNode,
  until,
  withTimeout,
  writeJson,
} from '../lib/common.js';

const NAME = 'roundtrip';
const TARGET_RATIO = 1.3;

// ---------------------------------------------------------------- green threads

/** Runs inside a green thread: n round trips through the hub; microseconds per round trip. */
function nopLoop(n) {
  const backend = globalThis[Symbol.for('greenthread.backend')];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) backend.nop();
  return ((performance.now() - t0) * 1000) / n;
}

/**
 * Runs inside a green thread: waits (without the hub) for the absolute time
 * `startAt`, then counts nop round trips until `startAt + windowMs`.
 */
function nopWindow(startAt, windowMs) {
  const backend = globalThis[Symbol.for('greenthread.backend')];
  const clock = () => performance.timeOrigin + performance.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const early = startAt - clock() - 2;
  if (early > 0) Atomics.wait(pause, 0, 0, early);
  while (clock() < startAt) {
    // spin the last couple of milliseconds
  }
  const end = startAt + windowMs;
  let count = 0;
  while (clock() < end) {
    backend.nop();
    count++;
  }
  return { count, overrunMs: clock() - end };
}

// ---------------------------------------------------------------- references

function startWorker() {
  const w = new Worker(new URL('./workers/pingpong.js', import.meta.url));
  w.on('error', (e) => {
    process.stderr.write(`[${NAME}] reference worker failed: ${e.stack}\n`);
    process.exit(1);
  });
  return w;
}

const reply = (w) => new Promise((resolve) => w.once('message', resolve));

function makeFloor() {
  const sab = new SharedArrayBuffer(8);
  const w0 = startWorker();
  const w1 = startWorker();
  return {
    async batch(n) {
      const done0 = reply(w0);
      const done1 = reply(w1);
      w1.postMessage({ mode: 'pair', sab, role: 1, n });
      w0.postMessage({ mode: 'pair', sab, role: 0, n });
      const [r0] = await withTimeout(Promise.all([done0, done1]), 60_000, 'floor batch');
      return r0.usPerRt;
    },
    close: () => Promise.all([w0.terminate(), w1.terminate()]),
  };
}

function makeWaitAsyncRef() {
  const sab = new SharedArrayBuffer(12);
  const a = new Int32Array(sab);
  const w = startWorker();
  // The main thread's side: the same steps as the hub's doorbell handler.
  const arm = (seen) => {
    const r = Atomics.waitAsync(a, 0, seen);
    if (r.async) r.value.then(onRing);
    else queueMicrotask(onRing);
  };
  const onRing = () => {
    const seen = Atomics.load(a, 0);
    if (Atomics.load(a, 2) === 1) return; // the worker finished its batch
    Atomics.store(a, 1, seen);
    Atomics.notify(a, 1, 1);
    arm(seen);
  };
  return {
    async batch(n) {
      Atomics.store(a, 2, 0);
      arm(Atomics.load(a, 0));
      const done = reply(w);
      w.postMessage({ mode: 'ask', sab, n });
      const r = await withTimeout(done, 60_000, 'waitAsync batch');
      return r.usPerRt;
    },
    close: () => w.terminate(),
  };
}

function makeHub() {
  return {
    batch: (n) => withTimeout(spawn(nopLoop, n).result, 60_000, 'hub batch'),
    close: async () => {},
  };
}

// ---------------------------------------------------------------- concurrency

async function window(k, windowMs) {
  const startAt = performance.timeOrigin + performance.now() + 30 + 2 * k;
  const gs = [];
  for (let i = 0; i < k; i++) gs.push(spawn(nopWindow, startAt, windowMs));
  const rs = await withTimeout(Promise.all(gs.map((g) => g.result)), windowMs + 30_000, `window of ${k}`);
  const total = rs.reduce((s, r) => s + r.count, 0);
  // Every thread stops at the same deadline; the last round trip may overrun it.
  const span = windowMs + Math.max(...rs.map((r) => r.overrunMs));
  return { total, perSecond: (total / span) * 1000, perThread: rs.map((r) => r.count) };
}

// ---------------------------------------------------------------- measuring (child process)

const VARIANTS = [
  { key: 'floor', label: 'worker <-> worker, Atomics.wait on both sides (floor)' },
  { key: 'waitAsync', label: 'worker -> main thread answering from Atomics.waitAsync' },
  { key: 'hub', label: 'green thread nop() through the hub' },
];
const LEVELS = [1, 2, 8];

async function measure({ n, rounds, windowMs, windowReps, maxSeconds, tag, only }) {
  const deadline = performance.now() + maxSeconds * 1000;
  const release = keepAlive();
  const say = (msg) => progress(`${NAME} ${tag}`, msg);
  // --only runs one path and no concurrency windows (for profiling one path, e.g. under perf stat).
  const active = only ? VARIANTS.filter((v) => v.key === only) : VARIANTS;
  const useHub = active.some((v) => v.key === 'hub');
  say(`starting ${useHub ? 'carriers and ' : ''}reference workers`);
  const makers = { floor: makeFloor, waitAsync: makeWaitAsyncRef, hub: makeHub };
  const impl = Object.fromEntries(active.map((v) => [v.key, makers[v.key]()]));
  if (useHub) {
    configure({ minCarriers: only ? 2 : Math.max(...LEVELS) });
    // The first spawn starts the hub: wait for the warm pool before measuring.
    await spawn(nopLoop, 1).result;
    await until(() => poolStats().idle >= (only ? 2 : Math.max(...LEVELS)), { timeoutMs: 30_000, what: 'warm pool' });
  }

  const samples = Object.fromEntries(active.map((v) => [v.key, []]));
  let roundsDone = 0;
  for (let r = 0; r <= rounds; r++) {
    const warmup = r === 0;
    // Rotate the order so that no variant always runs first.
    const order = active.map((_, i) => active[(i + r) % active.length]);
    for (const v of order) {
      const us = await impl[v.key].batch(warmup ? Math.min(n, 2_000) : n);
      if (!warmup) samples[v.key].push(us);
    }
    if (!warmup) roundsDone++;
    say(
      warmup
        ? 'warm-up round done'
        : `round ${r}/${rounds}: ` + active.map((v) => `${v.key} ${fmt(samples[v.key].at(-1), 2)} us`).join(', '),
    );
    if (performance.now() > deadline) {
      say(`time budget reached after ${roundsDone} rounds`);
      break;
    }
  }
  await Promise.all(Object.values(impl).map((i) => i.close()));

  const conc = [];
  if (!only) {
    say(`concurrent nop loops: warming ${Math.max(...LEVELS)} carriers`);
    await window(Math.max(...LEVELS), 50);
  }
  for (const k of only ? [] : LEVELS) {
    const reps = [];
    for (let i = 0; i < windowReps; i++) {
      reps.push(await window(k, windowMs));
      say(`${k} green thread(s), window ${i + 1}/${windowReps}: ${fmt(reps.at(-1).perSecond, 0)} round trips/s`);
    }
    conc.push({
      greenThreads: k,
      roundTripsPerSecond: median(reps.map((x) => x.perSecond)),
      slowestOverFastest: median(reps.map((x) => min(x.perThread) / Math.max(...x.perThread))),
    });
    if (performance.now() > deadline) {
      say('time budget reached');
      break;
    }
  }
  release();
  return {
    rounds: roundsDone,
    samples,
    usMedian: Object.fromEntries(active.map((v) => [v.key, median(samples[v.key])])),
    usBest: Object.fromEntries(active.map((v) => [v.key, min(samples[v.key])])),
    concurrency: conc,
  };
}

// ---------------------------------------------------------------- report (parent process)

export async function main() {
  const { values } = parseBenchArgs({
    n: { type: 'string' },
    rounds: { type: 'string' },
    window: { type: 'string' },
    placement: { type: 'string', default: 'both' },
    only: { type: 'string' },
    'max-seconds': { type: 'string' },
    child: { type: 'string' },
  });
  if (values.help) {
    console.log(
      'node bench/core/roundtrip.js [--quick] [--n N] [--rounds R] [--window MS] [--placement both|all|cpu0] [--only floor|waitAsync|hub] [--max-seconds S] [--json FILE]',
    );
    return undefined;
  }
  const quick = values.quick;
  const params = {
    n: intOpt(values.n, quick ? 5_000 : 10_000),
    rounds: intOpt(values.rounds, quick ? 3 : 9),
    windowMs: intOpt(values.window, quick ? 200 : 500),
    windowReps: quick ? 2 : 3,
    maxSeconds: intOpt(values['max-seconds'], 60),
  };
  if (values.only !== undefined && !VARIANTS.some((v) => v.key === values.only)) {
    throw new Error(`--only takes ${VARIANTS.map((v) => v.key).join(', ')}; got ${values.only}`);
  }
  if (values.child) {
    emit(await measure({ ...params, tag: values.child, only: values.only }));
    return undefined;
  }

  const m = machine();
  const placements = [];
  if (values.placement === 'both' || values.placement === 'all') {
    placements.push({ key: 'all', label: `all ${m.cores} CPUs`, prefix: [] });
  }
  if (values.placement === 'both' || values.placement === 'cpu0') {
    if (hasTaskset()) placements.push({ key: 'cpu0', label: 'pinned to 1 CPU', prefix: ['taskset', '-c', '0'] });
    else progress(NAME, 'taskset is not available: skipping the run pinned to one CPU');
  }
  if (placements.length === 0) throw new Error(`--placement must be both, all or cpu0, got ${values.placement}`);

  const passOn = ['--n', String(params.n), '--rounds', String(params.rounds), '--window', String(params.windowMs), '--max-seconds', String(params.maxSeconds)];
  if (quick) passOn.push('--quick');
  if (values.only) passOn.push('--only', values.only);
  const runs = {};
  for (const p of placements) {
    const { value } = await runNode([new URL(import.meta.url).pathname, '--child', p.key, ...passOn], {
      prefix: p.prefix,
      timeoutMs: (params.maxSeconds + 60) * 1000,
      inheritStderr: true,
    });
    runs[p.key] = value;
  }

  printTable(
    `Round trip: median of interleaved batches of ${params.n.toLocaleString('en-US')} round trips (baseline: floor of the same placement)`,
    ['placement', 'path', 'batches', 'us/round trip', 'best batch', 'round trips/s', 'vs floor', 'vs waitAsync'],
    placements.flatMap((p) => {
      const r = runs[p.key];
      return VARIANTS.filter((v) => v.key in r.usMedian).map((v) => [
        p.label,
        v.label,
        String(r.samples[v.key].length),
        fmt(r.usMedian[v.key], 2),
        fmt(r.usBest[v.key], 2),
        fmt(1e6 / r.usMedian[v.key], 0),
        ratio(r.usMedian[v.key], r.usMedian.floor),
        ratio(r.usMedian[v.key], r.usMedian.waitAsync),
      ]);
    }),
  );
  if (!values.only) printTable(
    `Concurrent nop loops: aggregate round trips per second over ${params.windowMs} ms windows, median of ${params.windowReps} (baseline: 1 green thread)`,
    ['placement', 'green threads', 'round trips/s', 'us/round trip (aggregate)', 'slowest/fastest thread', 'vs 1 thread', 'vs floor'],
    placements.flatMap((p) => {
      const r = runs[p.key];
      const one = r.concurrency[0].roundTripsPerSecond;
      return r.concurrency.map((c) => [
        p.label,
        String(c.greenThreads),
        fmt(c.roundTripsPerSecond, 0),
        fmt(1e6 / c.roundTripsPerSecond, 2),
        fmt(c.slowestOverFastest, 2),
        ratio(c.roundTripsPerSecond, one),
        ratio(c.roundTripsPerSecond, 1e6 / r.usMedian.floor),
      ]);
    }),
  );

  const targets = (values.only ? [] : placements).map((p) => {
    const r = runs[p.key];
    const measured = r.usMedian.hub / r.usMedian.floor;
    return { what: `hub round trip / floor (${p.label})`, unit: 'x', target: `<= ${TARGET_RATIO}`, measured, met: measured <= TARGET_RATIO };
  });
  console.log('');
  for (const t of targets) {
    console.log(`Target: ${t.what} ${t.target}: measured ${fmt(t.measured, 2)}x, ${t.met ? 'MET' : 'MISSED'}`);
  }
  const result = { name: NAME, machine: m, params: { ...params, quick }, placements: runs, targets };
  writeJson(values.json, result);
  return result;
}

runAsMain(import.meta.url, main);
