// children: what a child process costs a green thread, whatever the size of
// the process its hub lives in.
//
//   1. A trivial spawnSync('/bin/true') from a green thread (median of 40),
//      with the hub's process at about 100 MB, 1 GB and 2 GB of touched
//      memory, against the same call in a plain node process. Children
//      start in the spawner (a small process); the same run with
//      GREENTHREAD_SPAWNER=0 shows what a fork() of the big process costs.
//   2. 30 one-second children at once from a cold process: 20 green threads
//      calling execSync('sleep 1'), and 10 calling execa's execaSync, against
//      the 1 s floor.
//
//   node bench/patches/children.js [--quick] [--json FILE]
import childProcess from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, fmt, machine, median, parseBenchArgs, printTable, progress, ratio, runAsMain, runNode, writeJson } from '../lib/common.js';

const NAME = 'children';
const SELF = fileURLToPath(import.meta.url);
const CALLS = 40;

/** In a plain node process: spawnSync's own cost, small parent. */
async function plain() {
  const { spawnSync } = await import('node:child_process');
  for (let i = 0; i < 5; i++) spawnSync('/bin/true');
  const times = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    spawnSync('/bin/true');
    times.push(performance.now() - t0);
  }
  emit({ ms: median(times), rssMb: process.memoryUsage().rss / 2 ** 20 });
}

/** The green thread's side: times its own calls. */
export function timedCalls(n) {
  const times = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = performance.now();
    const r = childProcess.spawnSync('/bin/true');
    if (r.status !== 0) throw new Error(`/bin/true exited ${r.status}`);
    if (i >= 5) times.push(performance.now() - t0);
  }
  return times;
}

/** In a greenthread process whose hub holds `mb` MB: the green spawnSync's cost. */
async function green(mb) {
  const { configure, monkeyPatch, spawn } = await import('../../dist/index.js');
  configure({ minCarriers: 2 });
  monkeyPatch();
  // Touched, so that it is mapped and a fork() has to copy its page tables.
  const keep = [];
  for (let i = 0; i < mb; i++) keep.push(Buffer.alloc(1 << 20, i & 0xff));
  const times = await spawn(timedCalls, CALLS).result;
  emit({ ms: median(times), rssMb: process.memoryUsage().rss / 2 ** 20, kept: keep.length });
}

/** 20 execSync('sleep 1') and 10 execaSync('sleep', ['1']) at once, from a cold process. */
export function sleepExec() {
  return childProcess.execSync('sleep 1 && echo ok').toString().trim();
}
export async function sleepExeca() {
  const { execaSync } = await import('execa');
  return execaSync('sh', ['-c', 'sleep 1 && echo ok']).stdout;
}
async function atOnce() {
  const t0 = performance.now();
  const { monkeyPatch, spawn } = await import('../../dist/index.js');
  monkeyPatch();
  const threads = [...Array.from({ length: 20 }, () => spawn(sleepExec)), ...Array.from({ length: 10 }, () => spawn(sleepExeca))];
  const out = await Promise.all(threads.map((g) => g.result));
  if (!out.every((v) => v === 'ok')) throw new Error(`wrong output: ${JSON.stringify(out)}`);
  emit({ ms: performance.now() - t0 });
}

async function run({ quick = false } = {}) {
  const sizes = quick ? [100, 1000] : [100, 1000, 2000];
  const rounds = quick ? 1 : 3;
  const best = async (args, env) => {
    // The best of a few processes: the machine is shared, a fork's cost is not noise.
    const values = [];
    for (let i = 0; i < rounds; i++) values.push((await runNode([SELF, ...args], { timeoutMs: 180_000, env: { ...process.env, ...env } })).value);
    return values.sort((a, b) => a.ms - b.ms)[0];
  };
  progress(NAME, 'plain node: spawnSync(/bin/true)');
  const base = await best(['--child', 'plain']);
  const rows = [['plain node', fmt(base.rssMb, 0), fmt(base.ms, 2), '1.00x', '']];
  const result = { name: NAME, calls: CALLS, plain: base, spawner: [], direct: [], machine: machine() };
  for (const mb of sizes) {
    progress(NAME, `green, hub at ${mb} MB: spawner, then the hub's own fork`);
    const s = await best(['--child', `green,${mb}`]);
    const d = await best(['--child', `green,${mb}`], { GREENTHREAD_SPAWNER: '0' });
    result.spawner.push({ mb, ...s });
    result.direct.push({ mb, ...d });
    rows.push([`green thread, hub at ${mb} MB, spawner`, fmt(s.rssMb, 0), fmt(s.ms, 2), ratio(s.ms, base.ms), s.ms <= 2 * base.ms ? 'met' : 'missed']);
    rows.push([`green thread, hub at ${mb} MB, hub forks (GREENTHREAD_SPAWNER=0)`, fmt(d.rssMb, 0), fmt(d.ms, 2), ratio(d.ms, base.ms), '']);
  }
  printTable(`spawnSync('/bin/true'), median of ${CALLS} calls, best of ${rounds} processes`, ['caller', 'RSS MB', 'ms', 'vs plain', '<= 2x'], rows);

  progress(NAME, '30 one-second children at once from a cold process (20 execSync, 10 execaSync)');
  const at = await best(['--child', 'at-once']);
  result.atOnceMs = at.ms;
  printTable('30 x sleep 1 at once, cold process (import to last result)', ['case', 'ms', 'target < 2000 ms'], [['20 execSync + 10 execaSync in green threads', fmt(at.ms, 0), at.ms < 2000 ? 'met' : 'missed']]);
  return result;
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ child: { type: 'string' } });
  if (values.child === 'plain') return plain();
  if (values.child === 'at-once') return atOnce();
  if (values.child?.startsWith('green,')) return green(Number(values.child.split(',')[1]));
  const result = await run({ quick: values.quick });
  if (values.json) writeJson(values.json, result);
});
