// Helpers shared by the benchmarks: statistics, tables, progress lines,
// machine description, child processes with a deadline, JSON results.
import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Absolute milliseconds, comparable across threads of one process. */
export function nowAbs() {
  return performance.timeOrigin + performance.now();
}

export function sorted(xs) {
  return [...xs].sort((a, b) => a - b);
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function min(xs) {
  return Math.min(...xs);
}

export function max(xs) {
  return Math.max(...xs);
}

/** Formats a number with `digits` decimals, or '-' when not finite. */
export function fmt(x, digits = 1) {
  if (typeof x === 'string') return x;
  if (x === undefined || x === null || !Number.isFinite(x)) return '-';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(a, b, digits = 2) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-';
  return `${fmt(a / b, digits)}x`;
}

const NUMERIC = /^(?:[-+]?[\d,]*\.?\d+\s*(?:x|%|us|ms|s|MB)?|-)$/;

/**
 * Prints a Markdown table. `columns` are header strings; `rows` arrays of
 * cells (strings or numbers already formatted). Columns whose cells are all
 * figures are right-aligned, the others left-aligned.
 */
export function printTable(title, columns, rows, out = process.stdout) {
  const cells = [columns, ...rows].map((r) => r.map((c) => String(c)));
  const widths = columns.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const right = columns.map((_, i) => rows.length > 0 && rows.every((r) => NUMERIC.test(String(r[i] ?? '').trim())));
  const line = (r) => '| ' + r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (right[i] ? '-'.repeat(w + 1) + ':' : ':' + '-'.repeat(w + 1))).join('|') + '|';
  out.write(`\n${title}\n\n${line(cells[0])}\n${sep}\n${cells.slice(1).map(line).join('\n')}\n`);
}

/** One progress line on stderr (stdout carries the results). */
export function progress(bench, msg) {
  process.stderr.write(`[${bench}] ${msg}\n`);
}

export function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function machine() {
  let virtual = false;
  try {
    virtual = /\bhypervisor\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // not Linux
  }
  return {
    cores: os.availableParallelism(),
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    cpu: cpuModel(),
    virtualMachine: virtual,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function machineLine(m = machine()) {
  return (
    `${m.cores} cores, ${m.memoryGB} GB, ${m.cpu}${m.virtualMachine ? ' (virtual machine)' : ''}, Node ${m.node}, ${m.platform}; ` +
    `load average ${m.loadavg.join(' ')}`
  );
}

/**
 * Parses the options every benchmark takes (--quick, --json FILE) plus its own.
 * Returns { values, positionals }.
 */
export function parseBenchArgs(own = {}) {
  return parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      ...own,
    },
    allowPositionals: true,
    strict: true,
  });
}

export function intOpt(v, dflt) {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${v}`);
  return n;
}

/** Writes a benchmark's result object to `file` when --json was given. */
export function writeJson(file, result) {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
}

const RESULT_TAG = '@@BENCH_RESULT ';

/** In the parent: the last value a child process passed to emit(), from its stdout (undefined if none). */
export function resultOf(stdout) {
  let value;
  for (const line of stdout.split('\n')) if (line.startsWith(RESULT_TAG)) value = JSON.parse(line.slice(RESULT_TAG.length));
  return value;
}

/** In a child process: hands `value` to the parent (see runNode). */
export function emit(value) {
  process.stdout.write(RESULT_TAG + JSON.stringify(value) + '\n');
}

/**
 * Runs `node ...args` with a deadline. Resolves with the value the child
 * passed to emit() (or undefined), its stdout/stderr and exit code. Kills
 * the child (by its own pid) when the deadline passes.
 */
export function runNode(args, { timeoutMs = 60_000, env, inheritStderr = false, prefix = [] } = {}) {
  return new Promise((resolve, reject) => {
    const argv = [...prefix, process.execPath, ...args];
    const child = spawnChild(argv[0], argv.slice(1), {
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', inheritStderr ? 'inherit' : 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr?.setEncoding('utf8').on('data', (d) => (err += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const value = resultOf(out);
      if (timedOut) return reject(new Error(`node ${args.join(' ')} did not finish within ${timeoutMs} ms`));
      if (value === undefined) {
        return reject(new Error(`node ${args.join(' ')} exited ${code ?? signal} without a result:\n${err.slice(-2000)}`));
      }
      resolve({ value, stdout: out, stderr: err, code });
    });
  });
}

/** True when `taskset` (util-linux) can pin a child process to CPUs. */
export function hasTaskset() {
  try {
    return spawnSync('taskset', ['-c', '0', process.execPath, '-e', '0'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

/** A promise that rejects after `ms` with `what` in the message. */
export function withTimeout(promise, ms, what) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

/** Resolves once `cond()` is true, polling every `everyMs`; rejects after `timeoutMs`. */
export async function until(cond, { everyMs = 10, timeoutMs = 30_000, what = 'condition' } = {}) {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** A ref'd timer that keeps this process's event loop alive until released. */
export function keepAlive() {
  const t = setInterval(() => {}, 1 << 30);
  return () => clearInterval(t);
}

/**
 * Runs `main` when the module at `metaUrl` is the script node was started
 * with; exits 0 when it resolves, 1 (printing the error) when it rejects.
 */
export function runAsMain(metaUrl, main) {
  if (!isMain(metaUrl)) return;
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** True when the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl) {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === metaUrl;
}

/**
 * CPU accounting for spotting other load on the machine (Linux only): busy
 * ticks of the whole machine and ticks of this process plus its reaped
 * children. Take one before and one after running a child to completion.
 */
export function cpuSnapshot() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    const busy = total - cpu[3] - cpu[4];
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // Fields 14..17 of /proc/<pid>/stat (utime stime cutime cstime); f[0] is field 3.
    const mine = f[11] + f[12] + f[13] + f[14];
    return { busy, total, mine, at: performance.now() };
  } catch {
    return undefined;
  }
}

/** CPU seconds other processes used between two snapshots, and the share of the machine that is. */
export function foreignCpu(a, b) {
  if (!a || !b) return undefined;
  const hz = 100; // USER_HZ on Linux
  const seconds = Math.max(0, b.busy - a.busy - (b.mine - a.mine)) / hz;
  const capacity = ((b.at - a.at) / 1000) * os.availableParallelism();
  return { seconds, share: capacity > 0 ? seconds / capacity : 0 };
}
