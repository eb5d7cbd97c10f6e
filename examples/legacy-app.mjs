// A blocking-style script run with `greenthread run`: top-level code is green
// thread 0, so it may block (sleep, wait) while its workers run concurrently.
//
//   npx greenthread run examples/legacy-app.mjs 5
import { execSync } from 'node:child_process';
import { spawn, sleep } from 'greenthread';

const n = Number(process.argv[2] ?? 4);

function job(i) {
  const who = execSync(`sleep 0.2 && echo "job ${i} ran in process $$"`).toString().trim();
  sleep(20);
  return who;
}

const started = Date.now();
const workers = Array.from({ length: n }, (_, i) => spawn(job, i));
for (const w of workers) console.log(w.wait());
console.log(`${n} jobs of 220 ms each took ${Date.now() - started} ms`);
