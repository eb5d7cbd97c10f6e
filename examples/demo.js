// The main demo: blocking-style code (execSync of real child processes,
// readFileSync of a real file, sleep) run first on the main thread, the way
// a legacy script would, then in green threads. Meanwhile an HTTP server on
// the main thread (the hub) answers a probe over a real loopback socket every
// 10 ms; the probe's latency shows whether the process kept serving.
//
//   npm run demo            (or: node examples/demo.js --tasks 16)
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn, sleep } from '../dist/index.js';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '12' } },
});
const TASKS = Number(values.tasks);

/**
 * One legacy job: shell out to a real process that takes 150 ms, read a file
 * and hash it, then wait 50 ms (a retry back-off, say). All blocking calls.
 */
function legacyJob(file, n) {
  const started = Date.now();
  const out = execSync(`sleep 0.15 && echo job-${n}`).toString().trim();
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  sleep(50);
  return { out, digest, ms: Date.now() - started };
}

/** Blocking sleep for the main-thread run, where greenthread's sleep may not block. */
function mainThreadSleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// A real HTTP server on the hub and a probe that measures its latency.
const server = http.createServer((req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function startProbe() {
  const latencies = [];
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const t0 = performance.now();
    http.get({ host: '127.0.0.1', port, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        setTimeout(tick, 10);
      });
    });
  };
  tick();
  return async () => {
    stopped = true;
    await new Promise((r) => setTimeout(r, 30));
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return { probes: latencies.length, p50: at(0.5), max: latencies.at(-1) ?? NaN };
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-demo-'));
const file = path.join(dir, 'data.bin');
writeFileSync(file, Buffer.alloc(4 * 1024 * 1024, 7));

console.log(`greenthread demo: ${TASKS} blocking jobs (execSync 150 ms + readFileSync 4 MB + sleep 50 ms each)`);
console.log(`hub HTTP server on 127.0.0.1:${port}, probed every 10 ms\n`);

// 1. The legacy way: the same jobs on the main thread, one after another.
await new Promise((r) => setTimeout(r, 50));
let stopProbe = startProbe();
await new Promise((r) => setTimeout(r, 50));
let t0 = performance.now();
for (let i = 0; i < TASKS; i++) {
  execSync(`sleep 0.15 && echo job-${i}`);
  createHash('sha256').update(readFileSync(file)).digest('hex');
  mainThreadSleep(50);
}
const plainMs = performance.now() - t0;
await new Promise((r) => setTimeout(r, 10));
const plainProbe = await stopProbe();

// 2. The same code in green threads: every blocking call parks only its own green thread.
await spawn(legacyJob, file, -1).result; // warm the carriers, as a server would be
stopProbe = startProbe();
await new Promise((r) => setTimeout(r, 50));
t0 = performance.now();
const threads = Array.from({ length: TASKS }, (_, i) => spawn(legacyJob, file, i));
const results = await Promise.all(threads.map((g) => g.result));
const greenMs = performance.now() - t0;
const greenProbe = await stopProbe();

const fmt = (n) => n.toFixed(1).padStart(9);
console.log('                          wall ms   jobs/s   hub probe p50 ms   hub probe max ms   probes answered');
console.log(`main thread, blocking  ${fmt(plainMs)} ${fmt((TASKS * 1000) / plainMs)} ${fmt(plainProbe.p50)}          ${fmt(plainProbe.max)}          ${String(plainProbe.probes).padStart(6)}`);
console.log(`green threads          ${fmt(greenMs)} ${fmt((TASKS * 1000) / greenMs)} ${fmt(greenProbe.p50)}          ${fmt(greenProbe.max)}          ${String(greenProbe.probes).padStart(6)}`);
console.log(`\nspeed-up: ${(plainMs / greenMs).toFixed(1)}x; every job's output: ${results.every((r, i) => r.out === `job-${i}`) ? 'correct' : 'WRONG'}; ` +
  `file digest ${results[0].digest}; per-job time in green threads ${Math.min(...results.map((r) => r.ms))}-${Math.max(...results.map((r) => r.ms))} ms`);

agent.destroy();
server.close();
rmSync(dir, { recursive: true, force: true });
