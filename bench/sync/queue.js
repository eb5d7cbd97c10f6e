// queue: a put/get round trip between two green threads through hub Queues
// (ping on one queue, pong on another), beside what it is built from and what
// a user would use otherwise, measured in the same run:
//
//   hub nop     one park/unpark round trip of one green thread (the floor of
//               any hub call; a queue round trip needs two threads to wait)
//   queue       green thread A: ping.put(i), pong.get(); B: ping.get(), pong.put(i)
//   ports       two bare worker_threads doing the same over a MessageChannel
//
//   node bench/sync/queue.js [--quick] [--n N] [--json FILE]
import { Worker } from 'node:worker_threads';
import { configure, Queue, spawn } from '../../dist/index.js';
import { fmt, intOpt, runAsMain, machine, median, parseBenchArgs, printTable, progress, ratio, writeJson } from '../lib/common.js';

const NAME = 'queue';

function nopLoop(n) {
  const backend = globalThis[Symbol.for('greenthread.backend')];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) backend.nop();
  return ((performance.now() - t0) * 1000) / n;
}

function pinger(ping, pong, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    ping.put(i);
    if (pong.get() !== i) throw new Error('out of order');
  }
  return ((performance.now() - t0) * 1000) / n;
}

function ponger(ping, pong, n) {
  for (let i = 0; i < n; i++) pong.put(ping.get());
}

const PORTS = `
const { parentPort, workerData: { port, role, n } } = require('node:worker_threads');
if (role === 'ping') {
  let i = 0; const t0 = performance.now();
  port.on('message', (v) => {
    if (v !== i) throw new Error('out of order');
    if (++i === n) { parentPort.postMessage(((performance.now() - t0) * 1000) / n); port.close(); }
    else port.postMessage(i);
  });
  port.postMessage(0);
} else {
  let left = n;
  port.on('message', (v) => { port.postMessage(v); if (--left === 0) port.close(); });
}`;

async function portsRound(n) {
  const { port1, port2 } = new MessageChannel();
  const pong = new Worker(PORTS, { eval: true, workerData: { port: port2, role: 'pong', n }, transferList: [port2] });
  const ping = new Worker(PORTS, { eval: true, workerData: { port: port1, role: 'ping', n }, transferList: [port1] });
  const us = await new Promise((resolve, reject) => {
    ping.once('message', resolve);
    ping.once('error', reject);
  });
  await Promise.all([ping.terminate(), pong.terminate()]);
  return us;
}

export async function run({ quick = false, n } = {}) {
  n ??= quick ? 2_000 : 10_000;
  const rounds = quick ? 3 : 5;
  configure({ minCarriers: 4 });
  await spawn(nopLoop, 100).result; // warm
  const rows = { nop: [], queue: [], ports: [] };
  for (let r = 0; r < rounds; r++) {
    progress(NAME, `round ${r + 1}/${rounds}: ${n} round trips each`);
    rows.nop.push(await spawn(nopLoop, n).result);
    const ping = new Queue();
    const pong = new Queue();
    const b = spawn(ponger, ping, pong, n);
    rows.queue.push(await spawn(pinger, ping, pong, n).result);
    await b.result;
    rows.ports.push(await portsRound(n));
  }
  const result = {
    name: NAME,
    n,
    rounds,
    nopUs: median(rows.nop),
    queueUs: median(rows.queue),
    portsUs: median(rows.ports),
    machine: machine(),
  };
  printTable(
    `Queue round trip between two green threads (median of ${rounds} rounds of ${n})`,
    ['what', 'us per round trip', 'vs hub nop', 'vs worker ports'],
    [
      ['hub nop (one green thread, one park)', fmt(result.nopUs), '1.00x', ratio(result.nopUs, result.portsUs)],
      ['Queue ping-pong (2 puts + 2 gets, two green threads)', fmt(result.queueUs), ratio(result.queueUs, result.nopUs), ratio(result.queueUs, result.portsUs)],
      ['MessagePort ping-pong between two bare workers', fmt(result.portsUs), ratio(result.portsUs, result.nopUs), '1.00x'],
    ],
  );
  return result;
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ n: { type: 'string' } });
  writeJson(values.json, await run({ quick: values.quick, n: intOpt(values.n, undefined) }));
});
