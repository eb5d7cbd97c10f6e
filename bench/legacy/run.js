// legacy: unmodified npm libraries doing blocking work, run two ways on the
// same jobs:
//
//   serial  plain node, the jobs one after the other (serial.js)
//   green   `greenthread run`, every job in a green thread of its own, all at once (green.js)
//
// Each way runs in a fresh process that does two rounds of the jobs:
//   cold  from the moment this process starts it to the end of round 1
//         (node's start, loading the library, greenthread's hub and carriers)
//   warm  round 2 in the same process (libraries loaded, carriers running)
// The ratio is serial time / green time: above 1, green is faster. Both ways
// must return the same results (compared as JSON; the jobs are deterministic).
// Peak RSS is the process's maxRSS at its end. The jobs read inputs written
// once by fixtures.js, fetch from an HTTP server of this process (loopback),
// and write only under a temporary directory, removed at the end.
//
//   node bench/legacy/run.js [--only a,b] [--jobs N] [--rounds N] [--max-carriers N] [--timeout S] [--quick] [--json FILE] [--svg DIR]
//   npm run bench -- legacy [--json FILE]
//
// --rounds N (default 3) runs each process N times, one round of every
// library after the other, alternating which way goes first, and reports the
// median of each figure over the runs that other processes left alone (they
// used at most 5 % of the machine; all runs if none was); every run is kept
// in the JSON. --json FILE also
// writes legacy.svg into --svg DIR (default FILE's directory; --svg '' for
// none). --quick: 10 jobs, 1 round. About 7 minutes in all on 2 cores.
// The green process runs with greenthread's defaults: all jobs are spawned at
// once, and the pool starts carriers while it sees free cores, so CPU-bound
// jobs queue for a carrier. Each carrier that runs a job loads the library
// once. --max-carriers N passes that cap to `greenthread run` (green thread 0
// holds one of them).
// --timeout S (default 180) is each process's deadline: one that overruns
// it is killed with what it started, and its library reported as failed.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fmt, intOpt, machine, machineLine, median, nowAbs, parseBenchArgs, printTable, progress, runAsMain, writeJson } from '../lib/common.js';
import { prng, writeFixtures } from './fixtures.js';
import { LIBRARIES } from './libraries.js';
import { otherCpu, processSnapshot } from './load.js';
import { runProcess } from './proc.js';
import { chart } from './svg.js';

const NAME = 'legacy';
const HERE = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(HERE, '../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

/** The loopback server sync-fetch reads from: GET /items/<k> is a JSON array of 1,500 records made from seed k. */
function startServer() {
  const server = http.createServer((req, res) => {
    const m = /^\/items\/(\d+)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const rand = prng(10_000 + Number(m[1]));
    const items = Array.from({ length: 1500 }, (_, k) => ({ id: k, sku: `sku-${Math.floor(rand() * 1e6)}`, price: Math.round(rand() * 1e4) / 100, stock: Math.floor(rand() * 50) }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(items));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** greenthread's reports and node's warnings in a process's stderr, each kind once (lines that differ only in figures are one kind). */
function warningsIn(stderr) {
  const kinds = new Map();
  for (const line of stderr.split('\n')) {
    if (!/^greenthread:|ERR_GREEN|\(node:\d+\)|Warning/.test(line)) continue;
    const key = line.replace(/\d+/g, 'N');
    if (!kinds.has(key)) kinds.set(key, line.trim().slice(0, 300));
  }
  return [...kinds.values()].slice(0, 10);
}

/** One process of one way: its figures, or { failed }. */
async function runOnce(lib, mode, { jobs, timeoutMs, tmp, data, port, maxCarriers }) {
  const scratch = mkdtempSync(path.join(tmp, `${mode}-${lib}-`));
  const ctx = { data, scratch, port, root: ROOT };
  const script = path.join(HERE, `${mode}.js`);
  const args = [script, lib, String(jobs), JSON.stringify(ctx)];
  const pool = maxCarriers ? ['--max-carriers', String(maxCarriers)] : [];
  const argv = mode === 'green' ? [CLI, 'run', ...pool, ...args] : args;
  const before = processSnapshot();
  const t0 = nowAbs();
  try {
    const { value, stderr, code, pid } = await runProcess(argv, { timeoutMs });
    const otherLoad = otherCpu(before, processSnapshot(), pid);
    const warnings = warningsIn(stderr);
    if (!value) return { failed: `exited ${code} without a result: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`, warnings };
    if (value.error) return { failed: value.error.slice(0, 400), warnings };
    const left = readdirSync(scratch);
    return {
      coldMs: value.coldEnd - t0,
      warmMs: value.warmMs,
      peakRssMb: value.peakRssMb,
      results: value.results,
      roundsAgree: value.roundsAgree,
      cold: value.cold,
      warm: value.warm,
      leftBehind: left.length,
      exitCode: code,
      otherLoad,
      warnings,
    };
  } catch (e) {
    return { failed: e.message };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Other processes used more than this share of the machine during a run: its figures are disturbed. */
const DISTURBED = 0.05;

/** The median figures of a way's undisturbed runs (of all of them if none was), or its first failure. */
function summarize(runs) {
  const kept = runs.map(({ results, ...rest }) => rest);
  const failed = runs.find((r) => r.failed);
  if (failed) return { failed: failed.failed, runs: kept };
  const quiet = runs.filter((r) => (r.otherLoad?.share ?? 0) <= DISTURBED);
  const use = quiet.length ? quiet : runs;
  return {
    coldMs: median(use.map((r) => r.coldMs)),
    warmMs: median(use.map((r) => r.warmMs)),
    peakRssMb: median(use.map((r) => r.peakRssMb)),
    // One job's own time (median over the jobs of the warm round): with the jobs in parallel, each is slower than alone.
    warmJobMs: median(use.map((r) => r.warm.jobMsMedian)),
    runsUsed: use.length,
    disturbed: quiet.length === 0,
    runs: kept,
  };
}

/** Whether `lib` resolves from the repository (an optional one, such as a native addon, may be missing). */
function installed(lib) {
  try {
    createRequire(path.join(ROOT, 'package.json')).resolve(lib);
    return true;
  } catch {
    return false;
  }
}

async function run({ only, jobs, rounds, timeoutMs, maxCarriers }) {
  let libs = only ?? Object.keys(LIBRARIES);
  const unknown = libs.filter((l) => !(l in LIBRARIES));
  if (unknown.length) throw new Error(`unknown librar${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')}; known: ${Object.keys(LIBRARIES).join(', ')}`);
  for (const lib of libs.filter((l) => !installed(l))) {
    progress(NAME, `${lib} is not installed, left out (\`npm install --no-save ${LIBRARIES[lib].install ?? lib}\` adds it)`);
  }
  libs = libs.filter(installed);
  const started = performance.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'greenthread-legacy-'));
  const server = await startServer();
  try {
    const data = path.join(tmp, 'data');
    mkdirSync(data);
    writeFixtures(data, ROOT);
    const opts = { jobs, timeoutMs, tmp, data, port: server.address().port, maxCarriers };
    const runs = Object.fromEntries(libs.map((lib) => [lib, { serial: [], green: [] }]));
    // Rounds outermost: a burst of other load on the machine then disturbs one run of several libraries, not every run of one.
    for (let r = 0; r < rounds; r++) {
      for (const [n, lib] of libs.entries()) {
        // The two ways take turns going first, so that neither always runs on a machine the other just warmed.
        for (const mode of r % 2 === 0 ? ['serial', 'green'] : ['green', 'serial']) {
          progress(NAME, `${rounds > 1 ? `round ${r + 1}/${rounds} ` : ''}[${n + 1}/${libs.length}] ${lib}: ${mode} (${fmt((performance.now() - started) / 1000, 0)} s so far)`);
          const one = await runOnce(lib, mode, opts);
          if (one.failed) progress(NAME, `${lib} ${mode} failed: ${one.failed}`);
          runs[lib][mode].push(one);
        }
      }
    }
    const results = libs.map((lib) => compare(lib, runs[lib]));
    return { name: NAME, jobs, rounds, maxCarriers: maxCarriers ?? 'default', totalSeconds: (performance.now() - started) / 1000, machine: machine(), libraries: LIBRARIES, results };
  } finally {
    server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** One library's row: both ways' medians, the ratios, and whether every run returned the serial results. */
function compare(lib, runs) {
  const serial = summarize(runs.serial);
  const green = summarize(runs.green);
  const all = [...runs.serial, ...runs.green].filter((r) => !r.failed);
  const reference = runs.serial.find((r) => !r.failed)?.results;
  let equal = null;
  if (reference && all.length === runs.serial.length + runs.green.length) {
    const want = JSON.stringify(reference);
    equal = all.every((r) => r.roundsAgree && JSON.stringify(r.results) === want);
  }
  const ok = !serial.failed && !green.failed;
  return {
    lib,
    kind: LIBRARIES[lib].kind,
    job: LIBRARIES[lib].job,
    serial,
    green,
    ratioCold: ok ? serial.coldMs / green.coldMs : null,
    ratioWarm: ok ? serial.warmMs / green.warmMs : null,
    equal,
    // One job's result, to show what is compared.
    sample: reference?.[0],
    warnings: [...new Set(all.flatMap((r) => r.warnings ?? []))],
    failed: serial.failed ? `serial: ${serial.failed}` : green.failed ? `green: ${green.failed}` : undefined,
  };
}

function printResults(result) {
  const x = (v) => (v === null || v === undefined ? '-' : `${fmt(v, 2)}x`);
  const rows = result.results.map((r) => [
    r.lib,
    r.kind,
    fmt(r.serial.coldMs, 0),
    fmt(r.green.coldMs, 0),
    x(r.ratioCold),
    fmt(r.serial.warmMs, 0),
    fmt(r.green.warmMs, 0),
    x(r.ratioWarm),
    `${fmt(r.serial.peakRssMb, 0)} / ${fmt(r.green.peakRssMb, 0)}`,
    r.failed ? `failed (${r.failed.slice(0, 60)})` : r.equal ? 'yes' : 'NO',
  ]);
  printTable(
    `${result.jobs} jobs per library, serial in plain node vs each job in a green thread (ratio = serial / green; above 1, green is faster)${result.rounds > 1 ? `; median of up to ${result.rounds} runs` : ''}${result.maxCarriers === 'default' ? '' : `; green with --max-carriers ${result.maxCarriers}`}`,
    ['library', 'kind', 'serial cold ms', 'green cold ms', 'ratio cold', 'serial warm ms', 'green warm ms', 'ratio warm', 'peak RSS MB serial / green', 'results equal'],
    rows,
  );
  const most = (r, f) => Math.max(0, ...[...(r.serial.runs ?? []), ...(r.green.runs ?? [])].map((x) => f(x) ?? 0));
  const greenMost = (r, f) => Math.max(0, ...(r.green.runs ?? []).map((x) => f(x) ?? 0));
  const disturbed = [];
  for (const r of result.results) {
    if (r.failed) console.log(`\n${r.lib}: ${r.failed}`);
    if (r.warnings.length) console.log(`\n${r.lib}: on stderr:\n  ${r.warnings.join('\n  ')}`);
    if (most(r, (x) => x.leftBehind) > 0) console.log(`\n${r.lib}: its jobs left up to ${most(r, (x) => x.leftBehind)} entries in their scratch directory (removed).`);
    if (r.serial.disturbed || r.green.disturbed) disturbed.push(`${r.lib} ${fmt(most(r, (x) => x.otherLoad?.share) * 100, 0)} %`);
  }
  const spread = result.results.filter((r) => r.green.runs?.some((x) => x.cold));
  if (spread.length) {
    // How the pool spread the jobs: each carrier that runs a job loads the library once.
    console.log(`\nGreen: carriers that ran jobs in the cold round / warm jobs that landed on a carrier new to the library (most in one run):`);
    console.log(`  ${spread.map((r) => `${r.lib} ${greenMost(r, (x) => x.cold?.threads)} / ${greenMost(r, (x) => x.warm?.loads)}`).join(', ')}`);
  }
  const dropped = result.results.flatMap((r) => ['serial', 'green'].filter((m) => r[m].runs && !r[m].failed && !r[m].disturbed && r[m].runsUsed < r[m].runs.length).map((m) => `${r.lib} ${m} ${r[m].runs.length - r[m].runsUsed}`));
  if (dropped.length) console.log(`\nRuns left out because other processes used more than ${DISTURBED * 100} % of the machine meanwhile: ${dropped.join(', ')}.`);
  if (disturbed.length) {
    console.log(`\nWARNING: other processes used a share of the machine during every run of a way (the most in one run): ${disturbed.join(', ')}. Those figures are disturbed; run again on a quiet machine.`);
  }
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({
    only: { type: 'string' },
    jobs: { type: 'string' },
    rounds: { type: 'string' },
    timeout: { type: 'string' },
    svg: { type: 'string' },
    'max-carriers': { type: 'string' },
  });
  if (values.help) {
    console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
    return;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const jobs = intOpt(values.jobs, values.quick ? 10 : 20);
  const rounds = intOpt(values.rounds, values.quick ? 1 : 3);
  if (jobs < 1 || rounds < 1) throw new Error('--jobs and --rounds must be at least 1');
  const command = process.env.AGES_COMMAND ?? `node bench/legacy/run.js ${process.argv.slice(2).join(' ')}`.trimEnd();
  console.log(`Machine: ${machineLine()}`);
  console.log(`Command: ${command}`);
  const maxCarriers = values['max-carriers'] === undefined ? undefined : intOpt(values['max-carriers']);
  const result = await run({ only, jobs, rounds, timeoutMs: intOpt(values.timeout, 180) * 1000, maxCarriers });
  result.command = command;
  printResults(result);
  console.log(`\nTotal ${fmt(result.totalSeconds, 1)} s.`);
  if (values.json) {
    writeJson(values.json, result);
    console.log(`Results written to ${values.json}`);
  }
  // --svg '' (as bench/run.js passes without --json): no chart.
  const svgDir = values.svg ?? (values.json ? path.dirname(values.json) : '');
  if (svgDir !== '') {
    mkdirSync(svgDir, { recursive: true });
    const file = path.join(svgDir, 'legacy.svg');
    writeFileSync(file, chart(result));
    console.log(`Chart: ${file}`);
  }
  const bad = result.results.filter((r) => r.failed || r.equal === false);
  if (bad.length) {
    // runAsMain exits 0 unless this rejects.
    throw new Error(`${bad.length} librar${bad.length > 1 ? 'ies' : 'y'} failed or returned different results: ${bad.map((r) => r.lib).join(', ')}`);
  }
});
