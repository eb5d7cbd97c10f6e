// A small job board to watch with `greenthread top`: a producer puts jobs on
// a Queue, three workers take them and run a blocking child process each,
// and a supervisor waits for the end. Halfway through, it looks at itself
// the way you would from another terminal (`greenthread top <pid> --once`)
// and prints what it saw.
//
//   npx greenthread run --inspect-green examples/watched.mjs [seconds]
//   npx greenthread top <pid>          (from another terminal, while it runs)
import { execFileSync, execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Event, Queue, sleep, spawn } from 'greenthread';

const seconds = Number(process.argv[2] ?? 30);
const cli = fileURLToPath(import.meta.resolve('greenthread/package.json')).replace(/package\.json$/, 'dist/cli.js');

function producer(jobs, until) {
  let n = 0;
  while (Date.now() < until) {
    jobs.put(++n);
    sleep(50);
  }
  for (let i = 0; i < 3; i++) jobs.put(0); // one stop per worker
  return n;
}

function worker(jobs) {
  let done = 0;
  for (let job = jobs.get(); job !== 0; job = jobs.get()) {
    execSync('sleep 0.2'); // parks this green thread only
    done++;
  }
  return done;
}

function supervisor(finished) {
  return finished.wait();
}

const jobs = new Queue();
const finished = new Event();
const until = Date.now() + seconds * 1000;
console.log(`pid ${process.pid}: watch it with \`npx greenthread top ${process.pid}\` for ${seconds} s`);
const made = spawn(producer, jobs, until);
const workers = [spawn(worker, jobs), spawn(worker, jobs), spawn(worker, jobs)];
const watcher = spawn(supervisor, finished);

sleep((seconds * 1000) / 2);
// What another terminal would see (this green thread parks while top runs).
console.log(execFileSync(process.execPath, [cli, 'top', String(process.pid), '--once'], { encoding: 'utf8' }));

const done = workers.map((w) => w.wait());
finished.set('all jobs done');
console.log(`${made.wait()} jobs made, done by the three workers: ${done.join(' + ')}; supervisor: ${watcher.wait()}`);
