// ages: "Concurrency through the ages" as a benchmark. Every model of the
// essay serves the same HTTP protocol (keep-alive HTTP/1.1, loopback) with
// the same work per request (work.js), one server process per run
// (servers/*.js), and this process loads them:
//
//   models     fork prefork threads async deasync greenthread piscina
//   workloads  hello   tiny response (autocannon)
//              legacy  execSync('sleep 0.05') + readFileSync(64 KB) per request (autocannon)
//              cpu     about 2 ms of synchronous CPU per request (autocannon)
//              idle    1,000 and 10,000 keep-alive clients, each sending a request every 4 s
//
// For each run: requests/s, p50/p99 latency, the server's peak RSS (the sum
// of each of its node processes' VmHWM), its CPU seconds during the load
// (its processes and their children), and the ratio to native async in the
// same run. Before loading, one request checks the status and body.
//
//   node bench/ages/run.js [--quick | --smoke] [--models a,b] [--workloads a,b] [--duration S]
//                          [--connections N] [--idle 1000,10000] [--rounds N] [--json FILE] [--svg DIR]
//   npm run bench -- ages [--quick] [--json FILE]
//
// Full: 50 connections, 2 rounds of (2 s warm-up + 6 s) per model on hello,
// legacy and cpu, each figure from the round least disturbed by other
// processes (all rounds are kept in the JSON), and idle at 1,000 and 10,000
// clients for 6 s (about 8 minutes in all on 2 cores). --quick: one round of 2 s,
// idle at 300 (under 2 minutes on 2 cores). --smoke: 0.4 s, 4 connections,
// idle at 10, for the test that checks every model's answers.
//
// --json FILE also writes one SVG chart per workload into --svg DIR
// (default: FILE's directory; --svg '' for none), named ages-<workload>.svg.
import { spawn as spawnChild } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { cpuSnapshot, fmt, foreignCpu, machine, machineLine, median, parseBenchArgs, percentile, printTable, progress, runAsMain, writeJson } from '../lib/common.js';
import { chart } from './svg.js';
import { expectedBody, spin } from './work.js';

const NAME = 'ages';
const HERE = path.dirname(new URL(import.meta.url).pathname);
const TICK = 100; // clock ticks per second in /proc/<pid>/stat (USER_HZ on Linux)

export const MODELS = {
  fork: 'a child process per connection (child_process.fork + send(socket))',
  prefork: 'node:cluster, one worker process per core',
  threads: 'a worker thread per connection, blocking inside it',
  async: 'native async Node (execFile, fs/promises): the reference',
  deasync: 'blocking handler on the main thread, greenthread hub fallback (deasync)',
  greenthread: 'blocking handler in green threads (monkeyPatch + serveHttp)',
  piscina: 'blocking handler submitted to a piscina pool (defaults)',
};
export const WORKLOADS = ['hello', 'legacy', 'cpu', 'idle'];

/**
 * A process or thread per connection: a count of idle clients above this
 * is not run (it would take that many node processes or workers, 8 to 45 MB
 * each); the table gives an estimate from the model's measured cost instead.
 */
const PER_CONNECTION_LIMIT = { fork: 100, threads: 1000 };
/** Each idle client sends a request this often (under node:http's 5 s keep-alive timeout). */
const IDLE_PERIOD_MS = 4000;
/** CPU work per request, ms. */
const CPU_MS = 2;
/** Open files needed besides one per idle client. */
const FD_SPARE = 512;

const PRESETS = {
  full: { duration: 6, warmup: 2, connections: 50, idle: [1000, 10000], rounds: 2 },
  quick: { duration: 2, warmup: 0.5, connections: 50, idle: [300], rounds: 1 },
  smoke: { duration: 0.4, warmup: 0, connections: 4, idle: [10], rounds: 1 },
};

// ---------------------------------------------------------------- processes

/** All pids in the tree under `root`, root first (from /proc/<pid>/stat ppid). */
function processTree(root) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop();
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds of the tree: each live process's own time plus that of the children it reaped. */
function treeCpu(root) {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      ticks += f[11] + f[12] + f[13] + f[14];
    } catch {
      // gone meanwhile
    }
  }
  return ticks / TICK;
}

/**
 * The server's peak RSS in MB: the largest sum, over its node processes, of
 * their resident memory, sampled every 200 ms, or the main process's own
 * peak (VmHWM, exact) if that is larger. The commands it runs (sh, sleep)
 * are not counted: every model runs the same ones.
 */
function rssSampler(root) {
  let peakKb = 0;
  const pids = new Set();
  const field = (pid, name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const sample = () => {
    let sum = 0;
    for (const pid of processTree(root)) {
      try {
        if (pid !== root && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'node') continue;
        pids.add(pid);
        sum += field(pid, 'VmRSS');
        if (pid === root) peakKb = Math.max(peakKb, field(pid, 'VmHWM'));
      } catch {
        // gone meanwhile
      }
    }
    peakKb = Math.max(peakKb, sum);
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    peak() {
      sample();
      return peakKb / 1024;
    },
    processes: () => pids.size,
    stop: () => clearInterval(timer),
  };
}

/** Starts a model's server in its own process group; resolves with { pid, port, stop }. */
function startServer(model, env) {
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, [path.join(HERE, 'servers', `${model}.js`)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    const killGroup = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    let exited = false;
    const exit = new Promise((r) => child.once('exit', () => ((exited = true), r())));
    const stop = async () => {
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 3000);
      await exit;
      clearTimeout(t);
      killGroup('SIGKILL'); // anything the server left behind in its group
    };
    const timer = setTimeout(() => {
      killGroup('SIGKILL');
      reject(new Error(`${model} server did not start within 30 s: ${err.slice(-500)}`));
    }, 30_000);
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (err.length < 100_000) err += d;
    });
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve({ pid: child.pid, port: Number(out.split('\n')[0]), stop, stderr: () => err, exited: () => exited });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${model} server exited (${code ?? signal}) before listening: ${err.slice(-500)}`));
    });
    child.on('error', reject);
  });
}

// ---------------------------------------------------------------- load

/** One request on a fresh connection: { status, body }. */
function check(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
  });
}

function runAutocannon(port, connections, duration, expected) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/`, connections, duration, pipelining: 1, timeout: 30, expectBody: expected },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

/**
 * A keep-alive HTTP/1.1 client on a raw socket: request() sends a GET and
 * resolves with { status, body, ms } when the whole response (content-length)
 * has arrived. One request at a time.
 */
class IdleClient {
  #buf = Buffer.alloc(0);
  #waiting = null;
  closed = false;
  busy = false;

  static open(port) {
    return new Promise((resolve, reject) => {
      const c = new IdleClient();
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        resolve(c);
      });
      s.once('error', reject);
      c.socket = s;
      s.on('data', (d) => c.#onData(d));
      s.on('error', () => {});
      s.on('close', () => {
        c.closed = true;
        c.#waiting?.reject(new Error('connection closed'));
        c.#waiting = null;
      });
    });
  }

  request() {
    this.busy = true;
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject, t0 };
      this.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    }).finally(() => (this.busy = false));
  }

  #onData(d) {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    const end = this.#buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.#waiting) return;
    const head = this.#buf.subarray(0, end).toString('latin1');
    let body;
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      // Chunks (serveHttp writes its head before the body, so node:http chunks it).
      const parts = [];
      let at = end + 4;
      for (;;) {
        const eol = this.#buf.indexOf('\r\n', at);
        if (eol < 0) return;
        const size = parseInt(this.#buf.subarray(at, eol).toString('latin1'), 16);
        if (this.#buf.length < eol + 2 + size + 2) return;
        if (size === 0) {
          at = eol + 4;
          break;
        }
        parts.push(this.#buf.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString('utf8');
      this.#buf = this.#buf.subarray(at);
    } else {
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.#buf.length < end + 4 + length) return;
      body = this.#buf.subarray(end + 4, end + 4 + length).toString('utf8');
      this.#buf = this.#buf.subarray(end + 4 + length);
    }
    const w = this.#waiting;
    this.#waiting = null;
    w.resolve({ status: Number(head.split(' ')[1]), body, ms: performance.now() - w.t0 });
  }

  close() {
    this.socket.destroy();
  }
}

/**
 * `count` keep-alive clients: each connects and makes a first request (so a
 * thread- or process-per-connection server has its thread or process),
 * then, for `durationMs`, each sends a request every IDLE_PERIOD_MS,
 * staggered, connecting again first if the server closed its connection
 * (node:http ends idle keep-alive connections after 5 s). Returns the
 * trickle's requests/s and latencies.
 */
async function idleLoad(port, count, durationMs, expected, deadline) {
  const clients = [];
  let errors = 0;
  let mismatches = 0;
  const latencies = [];
  const answer = (r) => {
    if (r.status !== 200 || r.body !== expected) mismatches++;
  };
  // Connect and make the first request, at most 200 at a time.
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, async () => {
        try {
          const c = await IdleClient.open(port);
          answer(await c.request());
          return c;
        } catch {
          errors++;
          return null;
        }
      }),
    );
    clients.push(...batch.filter(Boolean));
    if (Date.now() > deadline) throw new Error(`only ${clients.length} of ${count} idle clients connected before the deadline`);
  }
  const connected = clients.length;
  // The trickle: client i sends at i/count of each period.
  const t0 = performance.now();
  let sent = 0;
  let done = 0;
  let reconnects = 0;
  const inflight = new Set();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now() - t0;
      if (now >= durationMs || Date.now() > deadline) {
        clearInterval(tick);
        return resolve();
      }
      // Everyone due by now (sent counts requests made so far in order).
      const due = Math.floor((now / IDLE_PERIOD_MS) * clients.length);
      while (sent < due) {
        const slot = sent % clients.length;
        const c = clients[slot];
        sent++;
        if (c.busy) continue; // still waiting for its last answer
        // A connection the server closed (node:http's keep-alive timeout is
        // 5 s): connect again, as an HTTP client would.
        const ready = c.closed
          ? (reconnects++, (c.busy = true), IdleClient.open(port).then((n) => (clients[slot] = n)))
          : Promise.resolve(c);
        const p = ready.then((cc) => cc.request()).then(
          (r) => {
            done++;
            latencies.push(r.ms);
            answer(r);
          },
          () => errors++,
        );
        inflight.add(p);
        p.finally(() => inflight.delete(p));
      }
    }, 5);
  });
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 5000))]);
  const closedByServer = clients.filter((c) => c.closed).length;
  for (const c of clients) c.close();
  return { connected, rps: done / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), requests: done, errors, mismatches, closedByServer, reconnects };
}

// ---------------------------------------------------------------- one run

/**
 * CPU that processes other than this one and the server used during a load
 * (Linux): { seconds, share } of the machine. Over 5 % means the figures
 * are disturbed.
 */
function otherLoad(sys0, serverSeconds) {
  const f = foreignCpu(sys0, cpuSnapshot());
  if (!f) return undefined;
  const seconds = Math.max(0, f.seconds - serverSeconds);
  return { seconds, share: f.share > 0 ? (f.share * seconds) / f.seconds : 0 };
}

async function measure(model, workload, opts) {
  const { env, expected, duration, warmup, connections, idleCount } = opts;
  const label = workload === 'idle' ? `${model} / idle ${idleCount}` : `${model} / ${workload}`;
  const base = { model, workload, connections: workload === 'idle' ? idleCount : connections };
  const limit = PER_CONNECTION_LIMIT[model];
  if (workload === 'idle' && limit !== undefined && idleCount > limit) {
    progress(NAME, `${label}: skipped (one ${model === 'fork' ? 'process' : 'worker thread'} per connection, over ${limit})`);
    return { ...base, skipped: `${idleCount} ${model === 'fork' ? 'node processes' : 'worker threads'}: over this benchmark's limit of ${limit}` };
  }
  // Hard deadline per server: start, check, warm-up, load, stop.
  const budgetMs = 60_000 + (warmup + duration) * 1000 * 3 + (workload === 'idle' ? idleCount * 20 : 0);
  const deadline = Date.now() + budgetMs;
  const t0 = performance.now();
  let server;
  try {
    server = await startServer(model, { ...env, AGES_WORKLOAD: workload });
  } catch (e) {
    progress(NAME, `${label}: FAILED: ${e.message}`);
    return { ...base, failed: e.message };
  }
  const rss = rssSampler(server.pid);
  let timer;
  const overrun = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: over its deadline of ${Math.round(budgetMs / 1000)} s`)), budgetMs);
  });
  try {
    const work = (async () => {
      const first = await check(server.port);
      const checked = { status: first.status, body: first.body.slice(0, 200), ok: first.status === 200 && first.body === expected, error: first.error };
      if (!checked.ok) progress(NAME, `${label}: WRONG ANSWER ${first.status} ${JSON.stringify(first.body.slice(0, 100))} (expected ${JSON.stringify(expected.slice(0, 100))})`);
      if (workload === 'idle') {
        progress(NAME, `${label}: ${idleCount} keep-alive clients, a request from each every ${IDLE_PERIOD_MS / 1000} s, ${duration} s`);
        const cpu0 = treeCpu(server.pid);
        const sys0 = cpuSnapshot();
        const r = await idleLoad(server.port, idleCount, duration * 1000, expected, deadline);
        const cpuSeconds = treeCpu(server.pid) - cpu0;
        return { check: checked, ...r, timeouts: 0, non2xx: 0, cpuSeconds, otherLoad: otherLoad(sys0, cpuSeconds) };
      }
      progress(NAME, `${label}: ${connections} connections, warm-up ${warmup} s, then ${duration} s`);
      if (warmup > 0) await runAutocannon(server.port, connections, warmup, expected);
      const cpu0 = treeCpu(server.pid);
      const sys0 = cpuSnapshot();
      const res = await runAutocannon(server.port, connections, duration, expected);
      const cpuSeconds = treeCpu(server.pid) - cpu0;
      return {
        check: checked,
        rps: res.requests.average,
        requests: res.requests.total,
        p50: res.latency.p50,
        p99: res.latency.p99,
        errors: res.errors,
        timeouts: res.timeouts,
        non2xx: res.non2xx ?? 0,
        mismatches: res.mismatches ?? 0,
        cpuSeconds,
        otherLoad: otherLoad(sys0, cpuSeconds),
      };
    })();
    const r = await Promise.race([work, overrun]);
    if (server.exited()) throw new Error(`the server exited during the run: ${server.stderr().slice(-800)}`);
    const peakRssMb = rss.peak();
    const result = { ...base, ...r, peakRssMb, processes: rss.processes(), seconds: (performance.now() - t0) / 1000 };
    progress(
      NAME,
      `${label}: ${fmt(result.rps, 0)} req/s, p99 ${fmt(result.p99, 1)} ms, peak RSS ${fmt(peakRssMb, 0)} MB, ` +
        `${fmt(result.cpuSeconds, 1)} CPU s${result.otherLoad?.share > 0.05 ? `, DISTURBED: other processes used ${fmt(result.otherLoad.share * 100, 0)} % of the machine` : ''}${result.errors + result.timeouts + result.non2xx + result.mismatches ? `, errors ${result.errors}/${result.timeouts}/${result.non2xx}/${result.mismatches}` : ''}`,
    );
    return result;
  } catch (e) {
    progress(NAME, `${label}: FAILED: ${e.message}`);
    return { ...base, failed: e.message, stderr: server.stderr().slice(-1000) };
  } finally {
    clearTimeout(timer);
    rss.stop();
    await server.stop();
  }
}

// ---------------------------------------------------------------- calibration

/** Loop iterations for about CPU_MS ms of spin() on this machine (median of 25 timings). */
function calibrate() {
  let iters = 10_000;
  for (let round = 0; round < 6; round++) {
    spin(iters); // warm
    const times = [];
    for (let i = 0; i < 25; i++) {
      const t = performance.now();
      spin(iters);
      times.push(performance.now() - t);
    }
    const ms = median(times);
    const next = Math.round((iters * CPU_MS) / ms);
    if (Math.abs(next - iters) / iters < 0.03) return { iters: next, ms: (ms * next) / iters };
    iters = next;
  }
  return { iters, ms: CPU_MS };
}

// ---------------------------------------------------------------- report

function rowsFor(results, workload) {
  const runs = results.filter((r) => r.workload === workload);
  const rows = [];
  for (const r of runs) {
    const ref = runs.find((x) => x.model === 'async' && x.connections === r.connections && !x.failed && !x.skipped);
    if (r.skipped || r.failed) {
      rows.push([r.model, String(r.connections), r.skipped ? 'not run' : 'FAILED', '-', '-', '-', r.skipped ? `est. ${fmt(r.estimatedRssMb, 0)}` : '-', '-', '-', '-', '-']);
      continue;
    }
    const vs = workload === 'idle' ? (ref ? r.peakRssMb / ref.peakRssMb : NaN) : ref ? r.rps / ref.rps : NaN;
    rows.push([
      r.model,
      String(r.connections),
      fmt(r.rps, 0),
      Number.isFinite(vs) ? `${fmt(vs, 2)}x` : '-',
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      fmt(r.peakRssMb, 0),
      fmt(r.cpuSeconds, 1),
      String(r.errors + r.timeouts + r.non2xx + r.mismatches),
      r.check.ok ? 'ok' : 'WRONG',
      r.otherLoad ? `${fmt(r.otherLoad.share * 100, 0)} %` : '-',
    ]);
  }
  return rows;
}

const TITLES = {
  hello: 'hello: keep-alive HTTP, tiny response',
  legacy: "legacy: execSync('sleep 0.05') + readFileSync(64 KB) per request",
  cpu: `cpu: about ${CPU_MS} ms of synchronous CPU per request`,
  idle: `idle: keep-alive clients, one request each every ${IDLE_PERIOD_MS / 1000} s`,
};

export async function run(options = {}) {
  const preset = PRESETS[options.smoke ? 'smoke' : options.quick ? 'quick' : 'full'];
  const duration = options.duration ?? preset.duration;
  const warmup = options.warmup ?? preset.warmup;
  const connections = options.connections ?? preset.connections;
  const idleCounts = options.idle ?? preset.idle;
  const rounds = options.rounds ?? preset.rounds;
  const models = options.models ?? Object.keys(MODELS);
  const workloads = options.workloads ?? WORKLOADS;
  for (const m of models) if (!(m in MODELS)) throw new Error(`unknown model '${m}'; known: ${Object.keys(MODELS).join(', ')}`);
  for (const w of workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload '${w}'; known: ${WORKLOADS.join(', ')}`);

  // Each idle client is a socket here and one in the server (main() raises
  // the soft limit within the hard one when it can); above what is left,
  // run the largest count that fits, and say so.
  const fdLimit = Number((await shell('ulimit -n')).trim());
  const fdNote = [];
  let idle = idleCounts;
  if (workloads.includes('idle') && Number.isFinite(fdLimit)) {
    idle = idleCounts.map((n) => {
      if (n + FD_SPARE <= fdLimit) return n;
      fdNote.push(`${n} idle clients need about ${n + FD_SPARE} open files, ulimit -n is ${fdLimit}: ran ${fdLimit - FD_SPARE}`);
      return fdLimit - FD_SPARE;
    });
    for (const note of fdNote) progress(NAME, note);
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-ages-'));
  const started = performance.now();
  try {
    const file = path.join(dir, 'data-64k.bin');
    const bytes = randomBytes(64 * 1024);
    writeFileSync(file, bytes);
    const cal = calibrate();
    progress(NAME, `cpu loop: ${cal.iters} iterations = ${fmt(cal.ms, 2)} ms here (median of 25)`);
    const env = { AGES_FILE: file, AGES_CPU_ITERS: String(cal.iters) };
    const results = [];
    // Rounds of the loaded workloads, one after the other (each round runs
    // every model on each), then the idle ones once: the machine may be
    // shared, and each figure reported is from the round in which other
    // processes used the least CPU.
    const plan = [];
    const order0 = ['async', ...models.filter((x) => x !== 'async')]; // the reference first, then the essay's order
    for (let round = 1; round <= rounds; round++) {
      for (const w of workloads.filter((x) => x !== 'idle')) for (const m of order0) plan.push({ m, w, c: connections, round });
    }
    if (workloads.includes('idle')) for (const c of idle) for (const m of order0) plan.push({ m, w: 'idle', c, round: 1 });
    const all = [];
    let i = 0;
    for (const { m, w, c, round } of plan) {
      progress(NAME, `[${++i}/${plan.length}]${rounds > 1 && w !== 'idle' ? ` round ${round}:` : ''} ${m} / ${w}${w === 'idle' ? ` ${c}` : ''} (${fmt((performance.now() - started) / 1000, 0)} s so far)`);
      const expected = expectedBody(w, bytes, cal.iters);
      all.push({ ...(await measure(m, w, { env, expected, duration, warmup, connections, idleCount: c })), round });
    }
    for (const r of all) {
      const same = all.filter((x) => x.model === r.model && x.workload === r.workload && x.connections === r.connections);
      if (same[0] !== r) continue;
      const usable = same.filter((x) => !x.failed);
      const best = usable.length ? usable.reduce((a, b) => ((b.otherLoad?.share ?? 0) < (a.otherLoad?.share ?? 0) ? b : a)) : same[0];
      const summary = (x) => ({ round: x.round, rps: x.rps, p50: x.p50, p99: x.p99, peakRssMb: x.peakRssMb, cpuSeconds: x.cpuSeconds, otherLoad: x.otherLoad, failed: x.failed, check: x.check });
      results.push(same.length > 1 ? { ...best, rounds: same.map(summary) } : best);
    }
    // Skipped per-connection models: estimate their memory from their own runs (the most connections measured).
    for (const r of results.filter((x) => x.skipped)) {
      const own = results.filter((x) => x.model === r.model && !x.skipped && !x.failed && x.connections > 0).sort((a, b) => b.connections - a.connections)[0];
      if (own) r.estimatedRssMb = (own.peakRssMb / own.connections) * r.connections;
    }
    const order = Object.keys(MODELS);
    results.sort((a, b) => WORKLOADS.indexOf(a.workload) - WORKLOADS.indexOf(b.workload) || a.connections - b.connections || order.indexOf(a.model) - order.indexOf(b.model));
    for (const w of workloads) {
      printTable(`${TITLES[w]}${w === 'idle' ? '' : `, ${connections} connections`}, ${duration} s per run (vs async: requests/s${w === 'idle' ? '; idle: peak RSS' : ''})`, ['model', 'connections', 'requests/s', 'vs async', 'p50 ms', 'p99 ms', 'peak RSS MB', 'CPU s', 'errors', 'answer', 'other load'], rowsFor(results, w));
    }
    const totalSeconds = (performance.now() - started) / 1000;
    console.log(`\nTotal ${fmt(totalSeconds, 1)} s.`);
    return {
      name: NAME,
      preset: options.smoke ? 'smoke' : options.quick ? 'quick' : 'full',
      duration,
      warmup,
      rounds,
      connections,
      idle,
      fdNotes: fdNote,
      idlePeriodMs: IDLE_PERIOD_MS,
      cpu: { iterations: cal.iters, ms: cal.ms },
      fdLimit,
      models: Object.fromEntries(models.map((m) => [m, MODELS[m]])),
      workloads,
      totalSeconds,
      machine: machine(),
      results,
      targets: targets(results),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures greenthread set out to reach, as measured in this run. */
function targets(results) {
  const ok = (r) => r && !r.failed && !r.skipped;
  const get = (m, w, c) => results.find((r) => r.model === m && r.workload === w && (c === undefined || r.connections === c));
  const out = [];
  const vs = (w, target, min) => {
    const g = get('greenthread', w);
    const a = get('async', w);
    if (!ok(g) || !ok(a)) return;
    out.push({ what: `${w}: greenthread / native async, requests/s`, target: `≥ ${min}x`, measured: g.rps / a.rps, unit: 'x', met: g.rps / a.rps >= min });
  };
  vs('hello', '0.6x', 0.6);
  vs('cpu', '1.6x', 1.6);
  const g = get('greenthread', 'legacy');
  const a = get('async', 'legacy');
  if (ok(g) && ok(a)) {
    out.push({ what: 'legacy: native async / greenthread, requests/s', target: '≤ 1.5x', measured: a.rps / g.rps, unit: 'x', met: a.rps / g.rps <= 1.5 });
    for (const m of ['deasync', 'threads', 'fork']) {
      const o = get(m, 'legacy');
      if (ok(o)) out.push({ what: `legacy: greenthread / ${m}, requests/s`, target: '> 1x', measured: o.rps > 0 ? g.rps / o.rps : Infinity, unit: 'x', met: g.rps > o.rps });
    }
  }
  const blocking = ['fork', 'prefork', 'threads', 'deasync', 'greenthread', 'piscina'];
  for (const c of [...new Set(results.filter((r) => r.workload === 'idle').map((r) => r.connections))]) {
    const gi = get('greenthread', 'idle', c);
    if (!ok(gi)) continue;
    const others = blocking.filter((m) => m !== 'greenthread').map((m) => get(m, 'idle', c)).filter(ok);
    const lowest = Math.min(...others.map((r) => r.peakRssMb));
    out.push({ what: `idle ${c}: greenthread peak RSS / lowest other blocking-style model`, target: '< 1x', measured: gi.peakRssMb / lowest, unit: 'x', met: gi.peakRssMb < lowest });
  }
  return out;
}

/**
 * Node cannot raise its own open-file limit: when the soft limit is below
 * what 10,000 idle clients need and the hard limit allows more, run this
 * program again under `ulimit -n` (once) and pass on its exit code.
 */
async function raiseFileLimit() {
  if (process.env.AGES_FD_RAISED) return false;
  const soft = Number((await shell('ulimit -n')).trim());
  const hardText = (await shell('ulimit -Hn')).trim();
  const hard = hardText === 'unlimited' ? Infinity : Number(hardText);
  const want = 10_000 + FD_SPARE;
  if (!(soft < want) || !(hard > soft)) return false;
  const target = Math.min(hard, 65_536);
  progress(NAME, `ulimit -n ${soft}: running again under ulimit -n ${target}`);
  const code = await new Promise((resolve) => {
    const c = spawnChild('/bin/sh', ['-c', `ulimit -n ${target} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, AGES_FD_RAISED: '1' },
    });
    c.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  if (code !== 0) throw new Error(`exited with ${code}`);
  return true;
}

function shell(cmd) {
  return new Promise((resolve, reject) => {
    const c = spawnChild('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('exit', () => resolve(out));
  });
}

/** Writes ages-<workload>.svg for each workload into `dir`. */
export function writeCharts(result, dir, command) {
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (const w of result.workloads) {
    const runs = result.results.filter((r) => r.workload === w);
    const f = path.join(dir, `ages-${w}.svg`);
    writeFileSync(f, chart({ workload: w, title: TITLES[w], runs, result, command }));
    files.push(f);
  }
  return files;
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({
    smoke: { type: 'boolean', default: false },
    models: { type: 'string' },
    workloads: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    idle: { type: 'string' },
    rounds: { type: 'string' },
    svg: { type: 'string' },
  });
  if (values.help) {
    console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
    return;
  }
  const list = (v) => v?.split(',').map((s) => s.trim()).filter(Boolean);
  const num = (v, what) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--${what} must be a positive number, got ${v}`);
    return n;
  };
  const command = `node bench/ages/run.js ${process.argv.slice(2).join(' ')}`.trimEnd();
  if (await raiseFileLimit()) return;
  console.log(`Machine: ${machineLine()}`);
  console.log(`Command: ${command}`);
  const result = await run({
    quick: values.quick,
    smoke: values.smoke,
    models: list(values.models),
    workloads: list(values.workloads),
    duration: num(values.duration, 'duration'),
    connections: num(values.connections, 'connections'),
    idle: list(values.idle)?.map((x) => num(x, 'idle')),
    rounds: num(values.rounds, 'rounds'),
  });
  result.command = process.env.AGES_COMMAND ?? command;
  if (result.targets.length) {
    printTable('Targets', ['figure', 'target', 'measured', 'result'], result.targets.map((t) => [t.what, t.target, t.measured === Infinity ? 'inf (other: 0 req/s)' : `${fmt(t.measured, 2)}x`, t.met ? 'met' : 'MISSED']));
  }
  if (values.json) {
    writeJson(values.json, result);
    console.log(`Results written to ${values.json}`);
    // --svg '' (as bench/run.js passes without --json): no charts.
    if (values.svg !== '') {
      const files = writeCharts(result, values.svg ?? path.dirname(values.json), result.command);
      console.log(`Charts: ${files.join(', ')}`);
    }
  }
  const failed = result.results.filter((r) => r.failed || (r.check && !r.check.ok));
  if (failed.length) {
    console.error(`${failed.length} run(s) failed or answered wrongly: ${failed.map((r) => `${r.model}/${r.workload}`).join(', ')}`);
    process.exitCode = 1;
    throw new Error('some runs failed');
  }
});
