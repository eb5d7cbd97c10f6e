// A blocking-style script run with `greenthread run`: top-level code is green
// thread 0, so it may block (sleep, wait), and child_process and dns are made
// green before it loads, so each execSync parks only its own green thread
// while the hub runs the child.
//
//   npx greenthread run examples/legacy-app.mjs 5
import { execSync } from 'node:child_process';
import dns from 'node:dns';
import { spawn, sleep, isPatched } from 'greenthread';

const n = Number(process.argv[2] ?? 4);

function job(i) {
  const who = execSync(`sleep 0.2 && echo "job ${i} ran in process $$"`).toString().trim();
  const { address } = dns.lookupSync('localhost', { family: 4 });
  sleep(20);
  return `${who}, localhost is ${address}`;
}

console.log(`child_process green: ${isPatched('child_process', 'execSync')}, dns.lookupSync: ${isPatched('dns', 'lookupSync')}`);
const started = Date.now();
const workers = Array.from({ length: n }, (_, i) => spawn(job, i));
for (const w of workers) console.log(w.wait());
console.log(`${n} jobs of 220 ms each took ${Date.now() - started} ms`);
