// The work every model of the ages benchmark does per request, the same code
// in every model. Which workload a server runs, the file the legacy workload
// reads and the calibrated CPU loop length come from the environment
// (AGES_WORKLOAD, AGES_FILE, AGES_CPU_ITERS), which worker threads, child
// processes and green threads all inherit.
//
//   hello   a tiny response: pure I/O
//   legacy  execSync('sleep 0.05') and readFileSync of a 64 KB file: blocking library calls
//   cpu     a fixed integer loop of about 2 ms (calibrated once by run.js)
//   idle    as hello; the load is many idle keep-alive clients (see run.js)
//
// handle() is the blocking-style handler; handleAsync() is the honest async
// rewrite of it (execFile and fs/promises), used by the native async model.
// Imported by servers, worker threads, piscina tasks and (shipped with the
// handler) green threads: no side effects.
import { execFile, execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const WORKLOAD = process.env.AGES_WORKLOAD ?? 'hello';
const FILE = process.env.AGES_FILE ?? '';
const ITERS = Number(process.env.AGES_CPU_ITERS ?? 100_000);
const SLEEP = 'sleep 0.05';
const execFileAsync = promisify(execFile);

export const HELLO = 'hello world';

/** About 2 ms of synchronous CPU work once `iters` is calibrated: an xorshift checksum nothing can skip. */
export function spin(iters) {
  let x = 0x2545f491;
  let acc = 0;
  for (let i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    acc = (acc + (x >>> 0)) % 1_000_000_007;
  }
  return acc;
}

function legacyBody(bytes) {
  return `legacy: slept, read ${bytes.length} bytes, last ${bytes[bytes.length - 1]}`;
}

/** The blocking-style handler: returns the response body. */
export function handle() {
  switch (WORKLOAD) {
    case 'legacy': {
      execSync(SLEEP);
      return legacyBody(readFileSync(FILE));
    }
    case 'cpu':
      return `cpu: ${spin(ITERS)}`;
    default:
      return HELLO;
  }
}

/** The native async rewrite: a body, or a promise of one (legacy). */
export function handleAsync() {
  switch (WORKLOAD) {
    case 'legacy':
      // execSync runs its command through /bin/sh: so does the rewrite.
      return execFileAsync('/bin/sh', ['-c', SLEEP]).then(() => readFile(FILE).then(legacyBody));
    case 'cpu':
      return `cpu: ${spin(ITERS)}`;
    default:
      return HELLO;
  }
}

/** What every model must answer for `workload`, given the file's bytes and the loop length. */
export function expectedBody(workload, fileBytes, iters) {
  if (workload === 'legacy') return legacyBody(fileBytes);
  if (workload === 'cpu') return `cpu: ${spin(iters)}`;
  return HELLO;
}
