// Compares HTTP servers under the same wrk load, in turns: native node:http
// and serveHttp from one or more builds of greenthread (copies of dist/,
// e.g. from different commits), round after round, so that a machine shared
// with other work disturbs them alike. Prints each round, then per server
// the median requests/s, the median of its per-round ratio to the first
// server, and the median server CPU time per request.
//
//   node bench/net/compare.js [--connections 50] [--duration 3] [--rounds 4] NAME=native|NAME=DIST_DIR ...
//
// A DIST_DIR must lie inside this repository (its imports resolve from
// node_modules here). Example: check out and build the other commit, copy
// its dist/ to .builds/before, come back and build, then
//
//   node bench/net/compare.js native=native before=.builds/before after=dist
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { connections: { type: 'string', default: '50' }, duration: { type: 'string', default: '3' }, rounds: { type: 'string', default: '4' } },
  allowPositionals: true,
});
const connections = Number(values.connections);
const duration = Number(values.duration);
const rounds = Number(values.rounds);
if (positionals.length === 0) throw new Error('name at least one server: NAME=native or NAME=DIST_DIR');

const SERVER = new URL('./server.js', import.meta.url).pathname;
const serverSource = readFileSync(SERVER, 'utf8');

function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function wrk(port, seconds) {
  return new Promise((resolve, reject) =>
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`], (err, out) => (err ? reject(err) : resolve(out))),
  );
}

const servers = [];
for (const spec of positionals) {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq);
  const where = spec.slice(eq + 1);
  let file = SERVER;
  let impl = 'native';
  if (where !== 'native') {
    // The same server, importing that build.
    impl = 'green';
    file = path.resolve(where, 'bench-net-server.mjs');
    writeFileSync(file, serverSource.replace('../../dist/index.js', './index.js'));
  }
  const child = spawn(process.execPath, [file, 'http', impl, '64'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    child.once('exit', (code) => reject(new Error(`${name}: server exited (${code})`)));
  });
  servers.push({ name, child, port, rps: [], cpuPerRequest: [] });
}

try {
  for (const s of servers) await wrk(s.port, 1); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      const cpu0 = cpuOf(s.child.pid);
      const out = await wrk(s.port, duration);
      const cpu = cpuOf(s.child.pid) - cpu0;
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      s.rps.push(rps);
      s.cpuPerRequest.push((cpu * 1e6) / (rps * duration));
      console.log(`round ${r + 1} ${s.name.padEnd(12)} ${rps.toFixed(0).padStart(7)} requests/s  p50 ${/50%\s+(\S+)/.exec(out)?.[1]}  p99 ${/99%\s+(\S+)/.exec(out)?.[1]}`);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const base = servers[0];
  console.log(`\n${connections} connections, ${rounds} rounds of ${duration} s; ratios to ${base.name}`);
  for (const s of servers) {
    const ratio = median(s.rps.map((x, i) => x / base.rps[i]));
    console.log(`${s.name.padEnd(12)} ${median(s.rps).toFixed(0).padStart(7)} requests/s  ${ratio.toFixed(2)}x  ${median(s.cpuPerRequest).toFixed(1)} µs CPU per request`);
  }
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
}
