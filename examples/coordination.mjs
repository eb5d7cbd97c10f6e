// Green threads coordinating through hub objects: a Queue of jobs, a pool of
// workers, an Event to stop, a Timeout per job, and runInHub to call an async
// HTTP client (built-in fetch) from blocking-style code.
//
//   node examples/coordination.mjs
import http from 'node:http';
import { spawn, sleep, Queue, Event, GreenPool, Timeout, runInHub } from '../dist/index.js';

// A local HTTP service that is sometimes slow.
const server = http.createServer((req, res) => {
  const n = Number(req.url.slice(1));
  setTimeout(() => res.end(JSON.stringify({ n, square: n * n })), n % 5 === 0 ? 1000 : 10);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

/** Runs in the hub: one fetch client for every green thread. */
async function getJson(url) {
  const res = await fetch(url);
  return res.json();
}

/** A worker: takes jobs until the stop event is set; each job gets 250 ms. */
function worker(jobs, results, stop, base) {
  let done = 0;
  while (!stop.isSet()) {
    const n = jobs.get();
    if (n === null) break;
    const t = new Timeout(250);
    try {
      results.put(runInHub(getJson, `${base}/${n}`));
    } catch (err) {
      if (err !== t) throw err;
      results.put({ n, timedOut: true });
    } finally {
      t.cancel();
      jobs.taskDone();
    }
    done++;
  }
  return done;
}

const jobs = new Queue();
const results = new Queue();
const stop = new Event();
const pool = new GreenPool(4);
const workers = await Promise.all([1, 2, 3, 4].map(() => pool.spawn(worker, jobs, results, stop, base)));
for (let n = 1; n <= 12; n++) await jobs.putAsync(n);
await jobs.joinAsync();
for (let i = 0; i < 4; i++) await jobs.putAsync(null);
await pool.waitallAsync();

const all = [];
while (!results.empty()) all.push(await results.getAsync());
all.sort((a, b) => a.n - b.n);
console.log('results:', all.map((r) => (r.timedOut ? `${r.n}:timeout` : `${r.n}:${r.square}`)).join(' '));
console.log('jobs per worker:', await Promise.all(workers.map((w) => w.result)));

// imap: ordered results from a bounded pool, consumed inside a green thread.
function slowSquare(x) {
  sleep(10 * (5 - x));
  return x * x;
}
console.log('imap in order:', await spawn((pool) => [...pool.imap(slowSquare, [1, 2, 3, 4])], pool).result);
server.close();
