// fibers: the cost of one fiber switch, run() -> Fiber.yield() -> back to run().
//
//   hub runner      the main thread runs a fiber on a carrier: run() blocks on
//                   the fiber's shared buffer, the fiber yields at once
//   carrier runner  a green thread runs a fiber on another carrier (nested fibers)
//   start           Fiber(fn).run() of a function that returns at once, from
//                   the hub: a new fiber on an idle host (no spawn, no hub)
//   hub round trip  a green thread's nop() request through the hub: what any
//                   blocking call costs
//   floor           two bare workers ping-pong on Atomics.wait/notify (batch
//                   averages): the machine's cost of two hand-offs
//   node-fibers     its own figure, about 10 us per switch natively on Node 14
//                   (quoted, not measured: node-fibers does not build on Node >= 16)
//
// Every call is timed on its own; median and p90 over all calls of all rounds.
// The variants run round by round, interleaved, so drift of the machine hits
// them alike. A wake-up of a thread on another CPU costs far more than one on
// the same CPU, so everything runs twice, each in its own process: free to
// use every CPU, and pinned to one CPU (taskset -c 0).
//
//   node bench/fibers/switch.js [--quick] [--n N] [--rounds R] [--placement both|all|cpu0] [--json FILE]
import { Worker } from 'node:worker_threads';
import { configure, poolStats, spawn } from '../../dist/index.js';
import Fiber from '../../dist/fibers/index.js';
import {
  emit,
  fmt,
  hasTaskset,
  intOpt,
  machine,
  machineLine,
  median,
  parseBenchArgs,
  percentile,
  printTable,
  progress,
  runAsMain,
  runNode,
  until,
  withTimeout,
  writeJson,
} from '../lib/common.js';

const NAME = 'fibers';
const NODE_FIBERS_US = 10;

/** The fiber: yields whatever it is given, forever. */
function echo(v) {
  for (;;) v = Fiber.yield(v);
}

/** The body of a fiber that returns at once. */
function returnsAtOnce(v) {
  return v;
}

/** Times n run() calls of a fiber that yields at once; microseconds each. */
function timeRuns(fiber, n) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fiber.run(i);
    out[i] = (performance.now() - t0) * 1000;
  }
  return Array.from(out);
}

/** Times n starts of a new fiber that returns at once; microseconds each. */
function timeStarts(n) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    Fiber(returnsAtOnce).run(i);
    out[i] = (performance.now() - t0) * 1000;
  }
  return Array.from(out);
}

/** In a green thread: runs a fiber on another carrier n times; microseconds per run(). */
function nestedRuns(n) {
  const f = Fiber(echo);
  f.run(0); // starting it waits on the hub (a spawn) once
  f.run(0);
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f.run(i);
    out.push((performance.now() - t0) * 1000);
  }
  f.reset();
  return out;
}

/** In a green thread: n nop() round trips through the hub; microseconds each. */
function hubRuns(n) {
  const backend = globalThis[Symbol.for('greenthread.backend')];
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    backend.nop();
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

function makeFloor() {
  const start = () => new Worker(new URL('../core/workers/pingpong.js', import.meta.url));
  const sab = new SharedArrayBuffer(8);
  const w0 = start();
  const w1 = start();
  const reply = (w) => new Promise((resolve) => w.once('message', resolve));
  return {
    async batch(n) {
      const done = Promise.all([reply(w0), reply(w1)]);
      w1.postMessage({ mode: 'pair', sab, role: 1, n });
      w0.postMessage({ mode: 'pair', sab, role: 0, n });
      const [r0] = await withTimeout(done, 60_000, 'floor batch');
      return r0.usPerRt;
    },
    close: () => Promise.all([w0.terminate(), w1.terminate()]),
  };
}

/** One placement, in this process: every variant, interleaved round by round. */
async function measure({ n, rounds, tag }) {
  const say = (msg) => progress(`${NAME} ${tag}`, msg);
  say(`warming the pool; ${rounds} rounds of ${n} calls per variant`);
  configure({ minCarriers: 4 });
  await spawn(hubRuns, 1).result;
  await until(() => poolStats().idle >= 4, { timeoutMs: 30_000, what: 'warm pool' });
  const floor = makeFloor();
  const fiber = Fiber(echo);
  fiber.run(0);
  const samples = { hub: [], nested: [], start: [], hubRt: [], floor: [] };
  for (let r = 0; r <= rounds; r++) {
    const warm = r === 0;
    const m = warm ? Math.min(n, 1_000) : n;
    const order = [
      ['hub', async () => timeRuns(fiber, m)],
      ['nested', () => withTimeout(spawn(nestedRuns, m).result, 120_000, 'nested round')],
      ['start', async () => timeStarts(Math.ceil(m / 10))],
      ['hubRt', () => withTimeout(spawn(hubRuns, m).result, 120_000, 'hub round')],
      ['floor', async () => [await floor.batch(m)]],
    ];
    for (let i = 0; i < order.length; i++) {
      const [key, batch] = order[(i + r) % order.length];
      const xs = await batch();
      if (!warm) samples[key].push(...xs);
    }
    say(warm ? 'warm-up done' : `round ${r}/${rounds}`);
  }
  fiber.reset();
  await floor.close();
  const stat = (xs) => ({ median: median(xs), p90: percentile(xs, 90), count: xs.length });
  return {
    hubRunner: stat(samples.hub),
    carrierRunner: stat(samples.nested),
    start: stat(samples.start),
    hubRoundTrip: stat(samples.hubRt),
    floor: { median: median(samples.floor), batches: samples.floor.length },
  };
}

export async function main() {
  const { values } = parseBenchArgs({ n: { type: 'string' }, rounds: { type: 'string' }, placement: { type: 'string', default: 'both' }, child: { type: 'string' } });
  if (values.help) {
    console.log('node bench/fibers/switch.js [--quick] [--n N] [--rounds R] [--placement both|all|cpu0] [--json FILE]');
    return;
  }
  const n = intOpt(values.n, values.quick ? 2_000 : 20_000);
  const rounds = intOpt(values.rounds, values.quick ? 3 : 7);
  if (values.child) {
    emit(await measure({ n, rounds, tag: values.child }));
    return;
  }
  const m = machine();
  const placements = [];
  if (values.placement === 'both' || values.placement === 'all') placements.push({ key: 'all', label: `all ${m.cores} CPUs`, prefix: [] });
  if (values.placement === 'both' || values.placement === 'cpu0') {
    if (hasTaskset()) placements.push({ key: 'cpu0', label: 'pinned to 1 CPU', prefix: ['taskset', '-c', '0'] });
    else progress(NAME, 'taskset is not available: skipping the run pinned to one CPU');
  }
  if (placements.length === 0) throw new Error(`--placement must be both, all or cpu0, got ${values.placement}`);
  const runs = {};
  for (const p of placements) {
    const { value } = await runNode([new URL(import.meta.url).pathname, '--child', p.key, '--n', String(n), '--rounds', String(rounds)], {
      prefix: p.prefix,
      timeoutMs: 280_000,
      inheritStderr: true,
    });
    if (!value) throw new Error(`placement ${p.key} gave no result`);
    runs[p.key] = value;
  }
  const rows = placements.flatMap((p) => {
    const r = runs[p.key];
    const row = (what, s, vsFibers) => [p.label, what, fmt(s.median, 1), s.p90 === undefined ? '-' : fmt(s.p90, 1), `${fmt(s.median / r.floor.median, 2)}x`, vsFibers ? `${fmt(s.median / NODE_FIBERS_US, 1)}x` : '-'];
    return [
      row('fiber switch, hub runner (main thread <-> carrier)', r.hubRunner, true),
      row('fiber switch, carrier runner (nested fibers)', r.carrierRunner, true),
      row('new fiber started and returned (idle host, hub runner)', r.start, false),
      row('hub round trip: green thread nop()', r.hubRoundTrip, false),
      row('floor: bare workers, Atomics ping-pong (batch averages)', r.floor, false),
    ];
  });
  rows.push(['-', 'node-fibers: native stack switch, Node 14 (its own figure)', `~${NODE_FIBERS_US}`, '-', '-', '1x']);
  printTable(`Fiber run()/yield round trip, microseconds (${machineLine(m)})`, ['placement', 'what', 'median', 'p90', 'vs floor', 'vs node-fibers'], rows);
  const result = {
    name: NAME,
    machine: m,
    params: { n, rounds, quick: values.quick },
    placements: runs,
    nodeFibersUs: NODE_FIBERS_US,
    targets: placements.flatMap((p) => [
      { what: `fiber switch, hub runner, ${p.label} (median)`, target: `node-fibers ~${NODE_FIBERS_US} us; floor ${fmt(runs[p.key].floor.median, 1)} us`, measured: runs[p.key].hubRunner.median, unit: 'us', met: null },
      { what: `hub round trip, ${p.label} (median)`, target: 'for scale', measured: runs[p.key].hubRoundTrip.median, unit: 'us', met: null },
    ]),
  };
  writeJson(values.json, result);
}

runAsMain(import.meta.url, main);
