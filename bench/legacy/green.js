// legacy: the green way. Run as `greenthread run bench/legacy/green.js ...`,
// so this module is green thread 0 with node's blocking calls made green.
// Every job is a green thread of its own, all started at once; the job
// module, unmodified, is imported in each carrier that runs one.
//
//   node dist/cli.js run bench/legacy/green.js <library> <jobs> <context as JSON>   (started by run.js)
import { spawn } from '../../dist/index.js';
import { runRounds } from './rounds.js';

await runRounds('green', (url, lib, n, ctx) => {
  const threads = Array.from({ length: n }, (_, i) => spawn(url, lib, i, ctx));
  // Green thread 0 may block: wait() parks it until each job ends, in job order.
  return threads.map((g) => g.wait());
});
