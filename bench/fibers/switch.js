// fibers: the cost of one fiber switch, run() -> Fiber.yield() -> back to run().
//
//   hub runner      the main thread runs a fiber on a carrier: run() blocks on
//                   the fiber's shared buffer, the fiber yields at once
//   carrier runner  a green thread runs a fiber on another carrier (nested fibers)
//   hub round trip  a green thread's nop() request through the hub: what any
//                   blocking call costs, for scale
//   node-fibers     its own figure, about 10 us per switch natively on Node 14
//                   (quoted, not measured: node-fibers does not build on Node >= 16)
//
// Every call is timed on its own; median and p90 over all calls of all rounds.
// The three variants run round by round, interleaved, so drift of the machine
// hits them alike.
//
//   node bench/fibers/switch.js [--quick] [--n N] [--rounds R] [--json FILE]
import { configure, poolStats, spawn } from '../../dist/index.js';
import Fiber from '../../dist/fibers/index.js';
import { fmt, intOpt, machine, machineLine, median, parseBenchArgs, percentile, printTable, progress, until, withTimeout, writeJson } from '../lib/common.js';

const NAME = 'fibers';
const NODE_FIBERS_US = 10;

/** The fiber: yields whatever it is given, forever. */
function echo(v) {
  for (;;) v = Fiber.yield(v);
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

/** In a green thread: runs a fiber on another carrier n times; microseconds per run(). */
function nestedRuns(n) {
  const f = Fiber(echo);
  f.run(0); // starts it: waits for a host, which parks on the hub once
  while (f.run(0) === undefined) {
    // the first run after the start may still find it parked on its start
  }
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

async function main() {
  const { values } = parseBenchArgs({ n: { type: 'string' }, rounds: { type: 'string' } });
  const n = intOpt(values.n, values.quick ? 2_000 : 20_000);
  const rounds = intOpt(values.rounds, values.quick ? 3 : 7);
  const say = (msg) => progress(NAME, msg);
  say(`warming the pool; ${rounds} rounds of ${n} calls per variant`);
  configure({ minCarriers: 4 });
  await spawn(hubRuns, 1).result;
  await until(() => poolStats().idle >= 4, { timeoutMs: 30_000, what: 'warm pool' });

  const fiber = Fiber(echo);
  fiber.run(0);
  const samples = { hub: [], nested: [], hubRt: [] };
  for (let r = 0; r <= rounds; r++) {
    const warm = r === 0;
    const m = warm ? Math.min(n, 1_000) : n;
    const order = [
      ['hub', async () => timeRuns(fiber, m)],
      ['nested', () => withTimeout(spawn(nestedRuns, m).result, 120_000, 'nested round')],
      ['hubRt', () => withTimeout(spawn(hubRuns, m).result, 120_000, 'hub round')],
    ];
    for (let i = 0; i < order.length; i++) {
      const [key, batch] = order[(i + r) % order.length];
      const xs = await batch();
      if (!warm) samples[key].push(...xs);
    }
    say(warm ? 'warm-up done' : `round ${r}/${rounds}`);
  }
  fiber.reset();

  const stat = (xs) => ({ median: median(xs), p90: percentile(xs, 90), count: xs.length });
  const result = {
    name: NAME,
    machine: machine(),
    n,
    rounds,
    hubRunner: stat(samples.hub),
    carrierRunner: stat(samples.nested),
    hubRoundTrip: stat(samples.hubRt),
    nodeFibersUs: NODE_FIBERS_US,
  };
  const rows = [
    ['fiber switch, hub runner (main thread <-> carrier)', result.hubRunner],
    ['fiber switch, carrier runner (nested, carrier <-> carrier)', result.carrierRunner],
    ['hub round trip, green thread nop() (for scale)', result.hubRoundTrip],
  ].map(([what, s]) => [what, fmt(s.median, 1), fmt(s.p90, 1), `${fmt(s.median / NODE_FIBERS_US, 1)}x`]);
  rows.push(['node-fibers, native stack switch, Node 14 (its own figure)', `~${NODE_FIBERS_US}`, '-', '1x']);
  printTable(`Fiber run()/yield round trip, microseconds (${machineLine(result.machine)})`, ['what', 'median', 'p90', 'vs node-fibers'], rows);
  result.targets = [
    { what: 'fiber switch, hub runner (median)', target: `node-fibers ~${NODE_FIBERS_US} us`, measured: result.hubRunner.median, unit: 'us', met: null },
    { what: 'fiber switch, carrier runner (median)', target: 'same order as the hub runner', measured: result.carrierRunner.median, unit: 'us', met: null },
    { what: 'hub round trip (median)', target: 'for scale', measured: result.hubRoundTrip.median, unit: 'us', met: null },
  ];
  writeJson(values.json, result);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
