// legacy: what the serial and the green process share. Both run the same
// rounds of the same jobs (run-job.js): round 1 in a fresh process (its end
// time is the "cold" figure, counted by run.js from the moment it started
// the process), then round 2 in the same process (the "warm" figure), and
// hand run.js one JSON line with the times, every job's result, how the jobs
// were spread over threads, and the peak RSS.
//
// argv: <library> <jobs> <context as JSON>
import { emit, median, nowAbs } from '../lib/common.js';

/** What a round's jobs say about themselves: threads used, library loads, job times. */
function spread(jobs) {
  return { threads: new Set(jobs.map((j) => j.thread)).size, loads: jobs.filter((j) => j.fresh).length, jobMsMedian: median(jobs.map((j) => j.ms)) };
}

/**
 * `runRound(url, lib, n, ctx)` runs runJob(lib, i, ctx) of run-job.js at url for i in 0..n-1
 * and returns what each returned, in job order.
 */
export async function runRounds(mode, runRound) {
  const [lib, jobs, ctxJson] = process.argv.slice(2);
  const n = Number(jobs);
  const ctx = JSON.parse(ctxJson);
  const url = new URL('./run-job.js', import.meta.url);
  try {
    const first = await runRound(url, lib, n, ctx);
    const coldEnd = nowAbs();
    const t0 = nowAbs();
    const second = await runRound(url, lib, n, ctx);
    const warmMs = nowAbs() - t0;
    const results = first.map((t) => t.result);
    emit({
      mode,
      lib,
      jobs: n,
      coldEnd,
      warmMs,
      results,
      // A job that gives a different answer the second time is not deterministic, and its comparison means nothing.
      roundsAgree: JSON.stringify(results) === JSON.stringify(second.map((t) => t.result)),
      cold: spread(first),
      warm: spread(second),
      // maxRSS is the process's (getrusage), whichever thread asks; in KB.
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    });
  } catch (e) {
    emit({ mode, lib, error: String(e?.stack ?? e).split('\n').slice(0, 4).join(' | ') });
    process.exitCode = 1;
  }
}
