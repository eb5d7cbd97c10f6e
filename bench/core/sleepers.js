// sleepers: 1,000 green threads that each sleep(200), wall time from the
// first spawn until every result has resolved.
//
// Three fresh processes:
//   bare   the carrier start-up cost: start 1,000 bare worker_threads that
//          each post one message (then park), until all messages arrived
//   cold   the sleepers on a cold pool (default options, maxCarriers 2000):
//          every sleeper needs a new carrier
//   warm   the pool first pre-warmed to 1,000 carriers (minCarriers 1000);
//          then the sleepers twice: run 1 ships the function to each carrier
//          (which imports greenthread there), run 2 finds it built
//
//   node bench/core/sleepers.js [--quick] [--count N] [--ms MS] [--json FILE]
import { Worker } from 'node:worker_threads';
import { configure, poolStats, spawn, sleep } from '../../dist/index.js';
import {
  emit,
  fmt,
  intOpt,
  runAsMain,
  keepAlive,
  machine,
  max,
  median,
  parseBenchArgs,
  printTable,
  progress,
  ratio,
  runNode,
  until,
  withTimeout,
  writeJson,
} from '../lib/common.js';

const NAME = 'sleepers';
const SELF = new URL(import.meta.url).pathname;
const CHILD_TIMEOUT_MS = 180_000;

/** Runs in a green thread: when it started and when its sleep returned (hub's performance.now() scale). */
function sleeper(ms, hubOrigin) {
  const started = performance.timeOrigin - hubOrigin + performance.now();
  sleep(ms);
  return [started, performance.timeOrigin - hubOrigin + performance.now()];
}

function ticker(what, count) {
  const t = setInterval(() => {
    const s = poolStats();
    progress(NAME, `${what}: ${s.carriers} carriers (${s.starting} starting), ${s.live} live, ${count()} resolved`);
  }, 2000);
  return () => clearInterval(t);
}

/** Spawns `count` sleepers at once; times from the first spawn until all results resolved. */
async function sleepers(count, ms, what) {
  let resolved = 0;
  const stop = ticker(what, () => resolved);
  try {
    const t0 = performance.now();
    const gs = [];
    for (let i = 0; i < count; i++) gs.push(spawn(sleeper, ms, performance.timeOrigin));
    const spawnedMs = performance.now() - t0;
    const rs = await withTimeout(
      Promise.all(gs.map((g) => g.result.then(([started, woke]) => (resolved++, { started, woke, resolved: performance.now() })))),
      CHILD_TIMEOUT_MS - 20_000,
      `${count} sleepers`,
    );
    const wallMs = performance.now() - t0;
    const rel = rs.map((r) => r.started - t0);
    // Late: how much longer than `ms` the sleep took; end: from the sleep's return to the result on the hub.
    const late = rs.map((r) => r.woke - r.started - ms);
    const end = rs.map((r) => r.resolved - r.woke);
    return {
      wallMs,
      spawnedMs,
      firstStartMs: Math.min(...rel),
      medianStartMs: median(rel),
      lastStartMs: max(rel),
      lateMedianMs: median(late),
      lateMaxMs: max(late),
      endMedianMs: median(end),
      endMaxMs: max(end),
    };
  } finally {
    stop();
  }
}

async function coldChild(count, ms) {
  const release = keepAlive();
  configure({ maxCarriers: 2000 });
  const r = await sleepers(count, ms, 'cold');
  release();
  return r;
}

async function warmChild(count, ms) {
  const release = keepAlive();
  configure({ maxCarriers: 2000, minCarriers: count });
  const t0 = performance.now();
  // Nothing starts before the first spawn: one no-op starts the hub and its pool.
  await spawn(() => 0).result;
  const stop = ticker('warm pool', () => 0);
  try {
    await until(() => poolStats().idle >= count, { everyMs: 50, timeoutMs: CHILD_TIMEOUT_MS - 60_000, what: `${count} idle carriers` });
  } finally {
    stop();
  }
  const poolMs = performance.now() - t0;
  const run1 = await sleepers(count, ms, 'warm run 1');
  await until(() => poolStats().idle >= count, { timeoutMs: 30_000, what: 'carriers idle again' });
  const run2 = await sleepers(count, ms, 'warm run 2');
  release();
  return { poolMs, run1, run2 };
}

async function bareChild(count) {
  const sab = new SharedArrayBuffer(4);
  const t0 = performance.now();
  const ws = [];
  let got = 0;
  const stop = setInterval(() => progress(NAME, `bare: ${got} of ${count} workers posted`), 2000);
  try {
    await withTimeout(
      new Promise((resolve, reject) => {
        for (let i = 0; i < count; i++) {
          const w = new Worker(new URL('./workers/parked.js', import.meta.url), { workerData: { sab } });
          w.once('error', reject);
          w.once('message', () => ++got === count && resolve());
          ws.push(w);
        }
      }),
      CHILD_TIMEOUT_MS - 20_000,
      `${count} bare workers`,
    );
  } finally {
    clearInterval(stop);
  }
  const wallMs = performance.now() - t0;
  const a = new Int32Array(sab);
  Atomics.store(a, 0, 1);
  Atomics.notify(a, 0);
  await Promise.all(ws.map((w) => w.terminate()));
  return { wallMs };
}

export async function main() {
  const { values } = parseBenchArgs({
    count: { type: 'string' },
    ms: { type: 'string' },
    child: { type: 'string' },
  });
  if (values.help) {
    console.log('node bench/core/sleepers.js [--quick] [--count N] [--ms MS] [--json FILE]');
    return undefined;
  }
  const count = intOpt(values.count, values.quick ? 100 : 1000);
  const ms = intOpt(values.ms, 200);
  if (count < 1 || count > 2000) throw new Error('--count must be 1..2000');
  switch (values.child) {
    case undefined:
      break;
    case 'cold':
      return emit(await coldChild(count, ms));
    case 'warm':
      return emit(await warmChild(count, ms));
    case 'bare':
      return emit(await bareChild(count));
    default:
      throw new Error(`unknown --child ${values.child}`);
  }

  const child = async (kind) => {
    progress(NAME, `${kind}: fresh process, ${count} ${kind === 'bare' ? 'bare workers' : 'sleepers'}`);
    const { value } = await runNode([SELF, '--child', kind, '--count', String(count), '--ms', String(ms)], {
      timeoutMs: CHILD_TIMEOUT_MS,
      inheritStderr: true,
    });
    return value;
  };
  const bare = await child('bare');
  progress(NAME, `bare: ${fmt(bare.wallMs, 0)} ms`);
  const cold = await child('cold');
  progress(NAME, `cold: ${fmt(cold.wallMs, 0)} ms`);
  const warm = await child('warm');
  progress(NAME, `warm: pool ready in ${fmt(warm.poolMs, 0)} ms, run 1 ${fmt(warm.run1.wallMs, 0)} ms, run 2 ${fmt(warm.run2.wallMs, 0)} ms`);

  const row = (label, r, isBare = false) => [
    label,
    fmt(r.wallMs, 0),
    isBare ? '-' : fmt(r.wallMs - ms, 0),
    isBare ? '-' : fmt(r.lastStartMs, 0),
    isBare ? '-' : `${fmt(r.lateMedianMs, 1)} / ${fmt(r.lateMaxMs, 1)}`,
    isBare ? '-' : `${fmt(r.endMedianMs, 1)} / ${fmt(r.endMaxMs, 1)}`,
    ratio(r.wallMs, bare.wallMs),
    isBare ? '-' : ratio(r.wallMs - ms, bare.wallMs),
    isBare ? '-' : ratio(r.wallMs, ms),
  ];
  printTable(
    `${count.toLocaleString('en-US')} green threads that each sleep(${ms}), milliseconds from the first spawn until all results resolved (baseline: starting ${count.toLocaleString('en-US')} bare workers)`,
    ['case', 'wall ms', 'over the sleep ms', 'last sleeper started at ms', 'sleep late ms (median / max)', 'sleep return -> result ms (median / max)', 'wall vs baseline', 'overhead vs baseline', `wall vs ${ms} ms`],
    [
      row(`bare: start ${count} worker_threads, each posts one message (baseline)`, bare, true),
      row('cold pool: sleepers (each needs a new carrier)', cold),
      row(`pool pre-warmed to ${count} carriers, run 1 (function shipped to each)`, warm.run1),
      row(`pool pre-warmed to ${count} carriers, run 2 (function already built)`, warm.run2),
    ],
  );
  console.log(
    `\nPre-warming the pool to ${count} carriers took ${fmt(warm.poolMs, 0)} ms ` +
      `(${ratio(warm.poolMs, bare.wallMs)} the bare workers' start). ` +
      `Cold: spawn() of all ${count} returned after ${fmt(cold.spawnedMs, 0)} ms; the first sleeper started at ${fmt(cold.firstStartMs, 0)} ms, ` +
      `the median one at ${fmt(cold.medianStartMs, 0)} ms.`,
  );
  const result = { name: NAME, machine: machine(), params: { count, ms, quick: values.quick }, bare, cold, warm };
  writeJson(values.json, result);
  return result;
}

runAsMain(import.meta.url, main);
