// legacy: one job as both ways run it: the serial process calls this
// function, the green one spawns it (spawn(new URL('./run-job.js', ...))), so
// the job module, jobs/<library>.js, is imported once per process or per
// carrier, exactly as the library would be. Besides the job's result it says
// how long the job took, on which thread, and whether that thread had to
// load the library first.
import { threadId } from 'node:worker_threads';

const loaded = new Set();

export default async function runJob(lib, i, ctx) {
  const fresh = !loaded.has(lib);
  const t0 = performance.now();
  const { default: job } = await import(`./jobs/${lib}.js`);
  loaded.add(lib);
  const result = await job(i, ctx);
  return { result, ms: performance.now() - t0, thread: threadId, fresh };
}
