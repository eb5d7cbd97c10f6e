// net: blocking-style servers written with greenthread against the same
// servers as native async Node, in the same run, on loopback:
//
//   http   keep-alive HTTP "hello world": serveHttp vs node:http (autocannon)
//   echo   64-byte ping-pong over TCP: serve() + recv/sendall vs net 'data' → write
//
// at 50 and 500 connections. This process is the load generator; each server
// runs in its own process, whose peak RSS (VmHWM) and CPU seconds are read
// from /proc. Every load is bounded in time.
//
//   node bench/net/net.js [--quick] [--duration S] [--connections 50,500] [--json FILE]
import { spawn as spawnChild } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import autocannon from 'autocannon';
import { fmt, machine, parseBenchArgs, percentile, printTable, progress, ratio, runAsMain, writeJson } from '../lib/common.js';

const NAME = 'net';
const SERVER = new URL('./server.js', import.meta.url).pathname;
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

async function measure(kind, impl, connections, duration) {
  const concurrency = kind === 'echo' ? connections + 16 : 64;
  const server = await startServer(kind, impl, concurrency);
  try {
    progress(NAME, `${kind} ${impl}, ${connections} connections: warm-up, then ${duration} s`);
    let r;
    if (kind === 'http') {
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
    return { kind, impl, connections, ...r };
  } finally {
    await server.stop();
  }
}

async function run({ quick = false, duration, connections } = {}) {
  duration ??= quick ? 3 : 10;
  connections ??= quick ? [50] : [50, 500];
  const results = [];
  for (const kind of ['http', 'echo']) {
    for (const c of connections) {
      // Native first, then green, back to back: the same machine state for both.
      const native = await measure(kind, 'native', c, duration);
      const green = await measure(kind, 'green', c, duration);
      results.push(native, green);
    }
  }
  for (const kind of ['http', 'echo']) {
    const rows = [];
    for (const c of connections) {
      const native = results.find((r) => r.kind === kind && r.impl === 'native' && r.connections === c);
      const green = results.find((r) => r.kind === kind && r.impl === 'green' && r.connections === c);
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
          String(r.errors),
        ]);
      }
    }
    printTable(
      kind === 'http' ? `HTTP keep-alive "hello world", autocannon, ${duration} s per run` : `TCP echo, 64-byte ping-pong per connection, ${duration} s per run`,
      ['server', 'connections', kind === 'http' ? 'requests/s' : 'round trips/s', 'vs native', 'p50 ms', 'p99 ms', 'peak RSS MB', 'server CPU s', 'errors'],
      rows,
    );
  }
  return { name: NAME, duration, connections, cores: os.availableParallelism(), results, machine: machine() };
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ duration: { type: 'string' }, connections: { type: 'string' } });
  const connections = values.connections?.split(',').map(Number);
  writeJson(values.json, await run({ quick: values.quick, duration: values.duration === undefined ? undefined : Number(values.duration), connections }));
});
