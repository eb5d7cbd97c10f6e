// Runs the benchmarks (core, then coordination), each in its own node process (the hub and its
// pool are per process), one after the other, and prints a summary of the
// targets at the end.
//
//   node bench/run.js [roundtrip] [spawn] [closures] [rss] [sleepers] [queue] [event] [imap] [exec] [fs] [net] [fibers] [ages] [legacy] [--quick] [--json out.json]
//   npm run bench -- roundtrip --quick
//
// With no names it runs all of them but ages and legacy (about 10 and 7 minutes), which run when named. Every benchmark has its own deadline;
// a benchmark that overruns it is killed and reported as failed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSnapshot, fmt, foreignCpu, machine, machineLine, printTable, progress, writeJson } from './lib/common.js';

const BENCHMARKS = {
  roundtrip: { file: 'core/roundtrip.js', timeoutMs: 240_000, about: 'park/unpark round trip through the hub vs Atomics ping-pong floors' },
  spawn: { file: 'core/spawn.js', timeoutMs: 240_000, about: 'spawn to first instruction, warm and cold, vs bare workers' },
  closures: { file: 'core/closures.js', timeoutMs: 240_000, about: 'spawn cost of closures captured by value and of callbacks on the hub, vs a top-level function' },
  'carrier-cost': { file: 'core/carrier-cost.js', timeoutMs: 240_000, about: 'CPU and wall time to start carriers, vs bare workers' },
  rss: { file: 'core/rss.js', timeoutMs: 600_000, about: 'RSS per parked green thread at 100 and 1,000, vs bare workers' },
  sleepers: { file: 'core/sleepers.js', timeoutMs: 600_000, about: '1,000 sleep(200) green threads, cold and pre-warmed, vs starting bare workers' },
  queue: { file: 'sync/queue.js', timeoutMs: 240_000, about: 'Queue put/get round trip between two green threads vs MessagePort ping-pong' },
  event: { file: 'sync/event.js', timeoutMs: 120_000, about: 'Event.set() to waiter running vs postMessage to an idle worker' },
  imap: { file: 'sync/imap.js', timeoutMs: 240_000, about: 'GreenPool.imap over 10,000 small tasks vs piscina' },
  exec: { file: 'patches/exec.js', timeoutMs: 300_000, about: "200 x execSync('sleep 0.5') patched in green threads vs async rewrite, piscina, serial" },
  children: { file: 'patches/children.js', timeoutMs: 600_000, about: "a green thread's spawnSync vs plain node with the hub at 100 MB, 1 GB, 2 GB; 30 one-second children at once" },
  fs: { file: 'patches/fs.js', timeoutMs: 240_000, about: 'patched fs call in a green thread vs Node\'s fs in a worker; vs parking on the hub; module loading' },
  net: { file: 'net/net.js', timeoutMs: 600_000, about: 'blocking-style HTTP and echo servers vs native async Node, 50 and 500 connections' },
  fibers: { file: 'fibers/switch.js', timeoutMs: 300_000, about: 'fiber run()/yield round trip, hub and nested runners, vs a hub round trip and node-fibers' },
  ages: {
    file: 'ages/run.js',
    timeoutMs: 1_500_000,
    about: 'every model of "Concurrency through the ages" (fork ... greenthread, piscina) on hello, legacy, cpu, idle (only when named)',
    // About 10 minutes: run when named, not with the others.
    onlyWhenNamed: true,
    // Its SVG charts go next to the --json file given here; none without one.
    extraArgs: (values) => ['--svg', values.json ? path.dirname(values.json) : ''],
  },
  legacy: {
    file: 'legacy/run.js',
    timeoutMs: 1_800_000,
    about: 'unmodified blocking npm libraries (shelljs, execa, glob, typescript...): 20 jobs serial vs a green thread each (only when named)',
    // About 7 minutes (3 rounds of 13 libraries): run when named, not with the others.
    onlyWhenNamed: true,
    // Its SVG chart goes next to the --json file given here; none without one.
    extraArgs: (values) => ['--svg', values.json ? path.dirname(values.json) : ''],
  },
};

const USAGE = `node bench/run.js [${Object.keys(BENCHMARKS).join('] [')}] [--quick] [--json FILE]

${Object.entries(BENCHMARKS)
  .map(([name, b]) => `  ${name.padEnd(10)} ${b.about}`)
  .join('\n')}

  --quick      fewer samples and smaller counts (rss: 100 only, sleepers: 100)
  --json FILE  write every benchmark's results (and the machine) to FILE`;

async function main() {
  const { values, positionals } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const names = positionals.length ? positionals : Object.keys(BENCHMARKS).filter((n) => !BENCHMARKS[n].onlyWhenNamed);
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }

  const m = machine();
  console.log(`Machine: ${machineLine(m)}`);
  console.log(`Command: node bench/run.js ${process.argv.slice(2).join(' ')}`.trimEnd());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-bench-'));
  const results = {};
  const failures = [];
  const started = performance.now();
  try {
    for (const name of names) {
      const b = BENCHMARKS[name];
      const file = path.join(dir, `${name}.json`);
      const args = [new URL(b.file, import.meta.url).pathname, '--json', file];
      if (values.quick) args.push('--quick');
      if (b.extraArgs) args.push(...b.extraArgs(values));
      console.log(`\n## ${name}`);
      progress('run', `${name}: starting (deadline ${b.timeoutMs / 1000} s)`);
      const t0 = performance.now();
      const cpu0 = cpuSnapshot();
      try {
        await runBenchmark(args, b.timeoutMs, `npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
        results[name] = JSON.parse(readFileSync(file, 'utf8'));
        const other = foreignCpu(cpu0, cpuSnapshot());
        results[name].otherLoad = other;
        progress('run', `${name}: done in ${fmt((performance.now() - t0) / 1000, 1)} s`);
        if (other) {
          const msg = `other processes used ${fmt(other.seconds, 1)} CPU-seconds during ${name} (${fmt(other.share * 100, 1)} % of the machine)`;
          if (other.share > 0.05) console.log(`\nWARNING: ${msg}: its figures are disturbed; run it again on a quiet machine.`);
          else progress('run', msg);
        }
      } catch (e) {
        failures.push(name);
        console.error(`[run] ${name} failed: ${e.message}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const rows = [];
  for (const [name, r] of Object.entries(results)) {
    for (const t of r.targets ?? []) {
      rows.push([name, t.what, t.target, `${fmt(t.measured, 2)} ${t.unit}`, t.met === null || t.met === undefined ? '-' : t.met ? 'met' : 'MISSED']);
    }
  }
  if (rows.length) printTable('Summary of targets', ['benchmark', 'figure', 'target', 'measured', 'result'], rows);
  console.log(`\nTotal ${fmt((performance.now() - started) / 1000, 1)} s.`);
  if (values.json) {
    writeJson(values.json, { machine: m, command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trimEnd(), quick: values.quick, results, failures });
    console.log(`Results written to ${values.json}`);
  }
  return failures.length ? 1 : 0;
}

/**
 * Runs one benchmark with its output going straight to ours. It gets its own
 * process group, so that a deadline (or Ctrl-C here) ends it together with
 * the child processes it started.
 */
function runBenchmark(args, timeoutMs, command) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true, env: { ...process.env, AGES_COMMAND: command } });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const onSignal = () => {
      killGroup();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer = setTimeout(() => {
      killGroup();
      reject(new Error(`did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('exit', (code, signal) => {
      done();
      if (code === 0) resolve();
      else reject(new Error(`exited with ${code ?? signal}`));
    });
  });
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
