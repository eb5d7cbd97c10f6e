// closures: what capturing by value costs a spawn. Each row is N sequential
// spawns, each awaited on the hub (spawn → result), of:
//
// - a top-level function with the value as an argument (the baseline: nothing captured);
// - one closure over a local, spawned again and again (its value is read from
//   the closure at each spawn: one inspector round);
// - a new closure per spawn, made at one place in the code (described once,
//   then located and read at each spawn);
// - a top-level function given a callback that runs on the hub (one more
//   round trip per call, from the green thread to the hub and back).
//
// Rows alternate in rounds, so that the machine's phases touch each alike.
//
//   node bench/core/closures.js [--quick] [--samples N] [--json FILE]
import { spawn } from '../../dist/index.js';
import { emit, fmt, intOpt, machine, median, parseBenchArgs, printTable, progress, ratio, runAsMain, writeJson } from '../lib/common.js';

function work(n) {
  return n + 1;
}

function withCallback(n, report) {
  report(n);
  return n + 1;
}

async function main() {
  const { values } = parseBenchArgs();
  const n = intOpt(values.samples, values.quick ? 300 : 2000);
  const rounds = values.quick ? 2 : 5;
  const seen = [];
  const cases = {
    'top-level function, value as an argument (baseline)': async (i) => spawn(work, i).result,
    'the same closure over a local, spawned again': (() => {
      const local = 41;
      const again = () => work(local);
      return async () => spawn(again).result;
    })(),
    'a new closure per spawn, from one place in the code': async (i) => spawn(() => work(i)).result,
    'a callback that runs on the hub, called once': async (i) => spawn(withCallback, i, (v) => seen.push(v)).result,
  };
  // Warm: carriers up, every function built on them.
  for (const run of Object.values(cases)) for (let i = 0; i < 50; i++) await run(i);
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(cases)) {
      progress('closures', `round ${round + 1}/${rounds}: ${name}`);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await run(i);
      times[name].push(((performance.now() - t0) * 1000) / n);
    }
  }
  const base = median(times[Object.keys(cases)[0]]);
  const rows = Object.entries(times).map(([name, us]) => [name, fmt(median(us)), fmt(Math.min(...us)), ratio(median(us), base)]);
  printTable(`spawn → result on the hub, ${n} sequential spawns per round, ${rounds} rounds (µs per spawn)`, ['case', 'median µs', 'best round µs', 'vs baseline'], rows);
  const result = { bench: 'closures', machine: machine(), n, rounds, rows: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { medianUs: median(v), rounds: v }])) };
  emit(result);
  if (values.json) writeJson(values.json, result);
  process.exit(0);
}

runAsMain(import.meta.url, main);
