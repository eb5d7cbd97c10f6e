// net: blocking-style servers written with greenthread against the same
// servers as native async Node, in the same run, on loopback:
//
//   http   keep-alive HTTP "hello world": serveHttp vs node:http (wrk, one
//          thread, when wrk is on PATH; autocannon otherwise)
//   echo   64-byte ping-pong over TCP: serve() + recv/sendall vs net 'data' → write,
//          and the floor of a thread per connection on this machine (floor.js:
//          the same number of bare worker threads in Atomics ping-pong with
//          one main thread, no sockets at all)
//
// at 50 and 500 connections. This process (or wrk, a lighter load generator
// than autocannon, which takes a whole core of the two here) is the load
// generator; each server runs in its own process, whose peak RSS (VmHWM) and
// CPU seconds are read from /proc. Every load is bounded in time.
//
//   node bench/net/net.js [--quick] [--duration S] [--connections 50,500] [--only http|echo]
//                         [--autocannon] [--json FILE]
import { execFile, spawn as spawnChild, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { cpuSnapshot, fmt, machine, parseBenchArgs, percentile, printTable, progress, ratio, runAsMain, writeJson } from '../lib/common.js';

const NAME = 'net';
const SERVER = new URL('./server.js', import.meta.url).pathname;
const FLOOR = new URL('./floor.js', import.meta.url).pathname;
const TICK = 100; // clock ticks per second in /proc/<pid>/stat (SC_CLK_TCK on Linux)

/** Starts a server process; resolves with its pid, port and a stop function. */
function startServer(kind, impl, concurrency) {
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, [SERVER, kind, impl, String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind}/${impl} server did not start within 30 s`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({
          pid: child.pid,
          port: Number(line),
          stop: () =>
            new Promise((r) => {
              child.once('exit', r);
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    });
    child.on('error', reject);
  });
}

function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / TICK;
  return { peakRssMb: hwm, cpuSeconds: cpu };
}

function runAutocannon(port, connections, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration, pipelining: 1 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** True when wrk runs here. */
function hasWrk() {
  try {
    return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  } catch {
    return false;
  }
}

/** wrk's durations ("612.00us", "1.23ms", "2.00s") in milliseconds. */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (!m) return NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]];
  return Number(m[1]) * scale;
}

/**
 * Parses wrk's report (run with --latency): requests/s, p50 and p99 in ms,
 * and errors (socket errors and non-2xx/3xx answers).
 */
export function parseWrk(out) {
  const rps = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1] ?? NaN);
  const p50 = wrkMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = wrkMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const total = Number(/^\s+(\d+) requests in /m.exec(out)?.[1] ?? NaN);
  let errors = 0;
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (sock) errors += sock.slice(1).reduce((a, b) => a + Number(b), 0);
  errors += Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's report:\n${out}`);
  return { rps, p50, p99, errors, requests: total };
}

/** One wrk run: one thread, `connections` keep-alive connections, `duration` seconds. */
function runWrk(port, connections, duration) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', '--timeout', '10s', `http://127.0.0.1:${port}/`];
    execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      try {
        resolve(parseWrk(stdout));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/**
 * `connections` TCP clients, each sending a `size`-byte message and waiting
 * for all of it to come back, again and again for `durationMs`. Returns
 * round trips per second and latency percentiles (ms).
 */
async function echoLoad(port, connections, durationMs, size = 64) {
  const msg = Buffer.alloc(size, 'x');
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise((resolve, reject) => {
          const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
          s.setNoDelay(true);
          s.once('error', reject);
        }),
    ),
  );
  const latencies = [];
  let warmed = 0;
  let count = 0;
  let errors = 0;
  let measuring = false;
  let stopped = false;
  const done = [];
  for (const s of sockets) {
    done.push(
      new Promise((resolve) => {
        let got = 0;
        let sent = 0;
        let first = true;
        const send = () => {
          if (stopped) return resolve();
          got = 0;
          sent = performance.now();
          s.write(msg);
        };
        s.on('data', (d) => {
          got += d.length;
          if (got < size) return;
          if (first) {
            first = false;
            warmed++;
          }
          if (measuring) {
            count++;
            if (latencies.length < 2_000_000) latencies.push(performance.now() - sent);
          }
          send();
        });
        s.on('error', () => {
          errors++;
          resolve();
        });
        send();
      }),
    );
  }
  // Warm-up: every connection has made a round trip (so every handler exists), then one more second.
  const warmUntil = performance.now() + 120_000;
  while (warmed < connections && performance.now() < warmUntil) await new Promise((r) => setTimeout(r, 50));
  if (warmed < connections) throw new Error(`echo: only ${warmed} of ${connections} connections got an answer within 120 s`);
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stopped = true;
  await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 2000))]);
  for (const s of sockets) s.destroy();
  return { rps: count / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

async function measure(kind, impl, connections, duration, loader) {
  const concurrency = kind === 'echo' ? connections + 16 : 64;
  const server = await startServer(kind, impl, concurrency);
  try {
    progress(NAME, `${kind} ${impl}, ${connections} connections: warm-up, then ${duration} s`);
    let r;
    if (kind === 'http' && loader === 'wrk') {
      await runWrk(server.port, connections, 1);
      const before = procStats(server.pid);
      const cpu0 = cpuSnapshot();
      const res = await runWrk(server.port, connections, duration);
      const cpu1 = cpuSnapshot();
      const after = procStats(server.pid);
      r = {
        // CPU seconds of other processes meanwhile: the machine's busy time less this process, wrk (a reaped child) and the server.
        otherCpuSeconds: cpu0 && cpu1 ? Math.max(0, (cpu1.busy - cpu0.busy - (cpu1.mine - cpu0.mine)) / 100 - (after.cpuSeconds - before.cpuSeconds)) : undefined,
        rps: res.rps,
        p50: res.p50,
        p99: res.p99,
        errors: res.errors,
        cpuSeconds: after.cpuSeconds - before.cpuSeconds,
        peakRssMb: after.peakRssMb,
      };
    } else if (kind === 'http') {
      await runAutocannon(server.port, connections, 1);
      const before = procStats(server.pid);
      const res = await runAutocannon(server.port, connections, duration);
      const after = procStats(server.pid);
      r = {
        rps: res.requests.average,
        p50: res.latency.p50,
        p99: res.latency.p99,
        errors: res.errors + res.timeouts + (res.non2xx ?? 0),
        cpuSeconds: after.cpuSeconds - before.cpuSeconds,
        peakRssMb: after.peakRssMb,
      };
    } else {
      const before = procStats(server.pid);
      const res = await echoLoad(server.port, connections, duration * 1000);
      const after = procStats(server.pid);
      r = { ...res, cpuSeconds: after.cpuSeconds - before.cpuSeconds, peakRssMb: after.peakRssMb };
    }
    return { kind, impl, connections, ...(kind === 'http' ? { loadGenerator: loader } : {}), ...r };
  } finally {
    await server.stop();
  }
}

/**
 * The physical floor of a thread per connection (floor.js), in its own
 * process: `connections` bare worker threads in Atomics ping-pong with one
 * main thread, no sockets.
 */
async function measureFloor(connections, duration) {
  progress(NAME, `floor, ${connections} threads: ${duration} s`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gt-floor-'));
  const out = path.join(dir, 'floor.json');
  try {
    await new Promise((resolve, reject) => {
      const child = spawnChild(process.execPath, [FLOOR, '--threads', String(connections), '--duration', String(duration), '--json', out], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`floor.js exited with ${code}`))));
    });
    const r = JSON.parse(readFileSync(out, 'utf8'));
    return { kind: 'echo', impl: 'floor', connections, rps: r.rps };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run({ quick = false, duration, connections, kinds = ['http', 'echo'], autocannonOnly = false } = {}) {
  duration ??= quick ? 3 : 10;
  connections ??= quick ? [50] : [50, 500];
  const loader = !autocannonOnly && hasWrk() ? 'wrk' : 'autocannon';
  const results = [];
  for (const kind of kinds) {
    for (const c of connections) {
      // Native first, then green, back to back: the same machine state for both.
      const native = await measure(kind, 'native', c, duration, loader);
      const green = await measure(kind, 'green', c, duration, loader);
      results.push(native, green);
      if (kind === 'echo') results.push(await measureFloor(c, duration));
    }
  }
  for (const kind of kinds) {
    const rows = [];
    for (const c of connections) {
      const native = results.find((r) => r.kind === kind && r.impl === 'native' && r.connections === c);
      const green = results.find((r) => r.kind === kind && r.impl === 'green' && r.connections === c);
      const floor = results.find((r) => r.kind === kind && r.impl === 'floor' && r.connections === c);
      for (const r of [native, green]) {
        rows.push([
          r.impl === 'native' ? 'native async Node' : 'greenthread, blocking-style',
          String(c),
          fmt(r.rps, 0),
          ratio(r.rps, native.rps),
          fmt(r.p50, 2),
          fmt(r.p99, 2),
          fmt(r.peakRssMb, 0),
          fmt(r.cpuSeconds, 1),
          ...(kind === 'http' && loader === 'wrk' ? [fmt(r.otherCpuSeconds, 1)] : []),
          String(r.errors),
        ]);
      }
      if (floor) rows.push(['floor: hub ↔ bare worker threads, no I/O', String(c), fmt(floor.rps, 0), ratio(floor.rps, native.rps), '', '', '', '', '']);
    }
    printTable(
      kind === 'http' ? `HTTP keep-alive "hello world", ${loader === 'wrk' ? 'wrk -t1' : 'autocannon'}, ${duration} s per run` : `TCP echo, 64-byte ping-pong per connection, ${duration} s per run`,
      ['server', 'connections', kind === 'http' ? 'requests/s' : 'round trips/s', 'vs native', 'p50 ms', 'p99 ms', 'peak RSS MB', 'server CPU s', ...(kind === 'http' && loader === 'wrk' ? ['other processes CPU s'] : []), 'errors'],
      rows,
    );
  }
  const targets = [];
  for (const kind of kinds) {
    for (const c of connections) {
      const native = results.find((r) => r.kind === kind && r.impl === 'native' && r.connections === c);
      const green = results.find((r) => r.kind === kind && r.impl === 'green' && r.connections === c);
      const measured = green.rps / native.rps;
      const what = kind === 'http' ? `HTTP hello, serveHttp / node:http (${loader}), ${c} connections` : `TCP echo, serve / net, ${c} connections`;
      targets.push({ what, target: '≥ 0.6x', measured, unit: 'x', met: measured >= 0.6 });
    }
  }
  return { name: NAME, duration, connections, httpLoadGenerator: loader, cores: os.availableParallelism(), results, targets, machine: machine() };
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ duration: { type: 'string' }, connections: { type: 'string' }, only: { type: 'string' }, autocannon: { type: 'boolean', default: false } });
  const connections = values.connections?.split(',').map(Number);
  const kinds = values.only === undefined ? undefined : values.only.split(',');
  if (kinds?.some((k) => k !== 'http' && k !== 'echo')) throw new Error(`--only takes http, echo or both, got ${values.only}`);
  writeJson(
    values.json,
    await run({ quick: values.quick, duration: values.duration === undefined ? undefined : Number(values.duration), connections, kinds, autocannonOnly: values.autocannon }),
  );
});
